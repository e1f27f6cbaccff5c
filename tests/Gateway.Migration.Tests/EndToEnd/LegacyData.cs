using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// A legacy table keyed by <c>applicationId</c> whose items carry their organization in <c>orgId</c>:
/// <c>organizations × perOrganization</c> assignable items (organizations org-0001…, ACTIVE in Organizations) plus
/// 20 unassignable ones (8 without orgId, 6 with an invalid id, 6 with several values).
/// </summary>
internal static class LegacyData
{
    public const string Table = "LegacyApplications";
    public const string OrganizationAttribute = "orgId";
    public const int Unassignable = 20;

    public static string User(int i) => string.Create(CultureInfo.InvariantCulture, $"user-{i:D4}");

    public static string Organization(int i) => string.Create(CultureInfo.InvariantCulture, $"org-{i:D4}");

    public static async Task CreateAsync(IAmazonDynamoDB admin, int organizations, int perOrganization, bool withMembers = false, string table = Table, CancellationToken cancellationToken = default)
    {
        var create = new CreateTableRequest
        {
            TableName = table,
            AttributeDefinitions = [new AttributeDefinition("applicationId", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("applicationId", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        };
        if (withMembers)
        {
            // The legacy backend reads an organization's items through this index (legacy tables usually have one).
            create.AttributeDefinitions.Add(new AttributeDefinition(OrganizationAttribute, ScalarAttributeType.S));
            create.GlobalSecondaryIndexes = [new GlobalSecondaryIndex
            {
                IndexName = "ByOrganization",
                KeySchema = [new KeySchemaElement(OrganizationAttribute, KeyType.HASH)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            }];
        }

        await admin.CreateTableAsync(create, cancellationToken);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var description = await admin.DescribeTableAsync(table, cancellationToken);
            if (description.Table.TableStatus == TableStatus.ACTIVE)
            {
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        var items = new List<Dictionary<string, AttributeValue>>();
        for (var o = 1; o <= organizations; o++)
        {
            for (var n = 0; n < perOrganization; n++)
            {
                items.Add(new Dictionary<string, AttributeValue>
                {
                    ["applicationId"] = new(string.Create(CultureInfo.InvariantCulture, $"app-{o:D4}-{n:D4}")),
                    [OrganizationAttribute] = new(Organization(o)),
                    ["name"] = new(string.Create(CultureInfo.InvariantCulture, $"Application {n} of {Organization(o)}")),
                    ["createdAt"] = new("2024-01-15T09:00:00Z"),
                    ["seats"] = new AttributeValue { N = (n % 50).ToString(CultureInfo.InvariantCulture) },
                });
            }
        }

        for (var q = 0; q < Unassignable; q++)
        {
            if (withMembers && q >= 14)
            {
                break; // a set-valued orgId cannot be written under an index keyed by orgId (S)
            }

            var item = new Dictionary<string, AttributeValue>
            {
                ["applicationId"] = new(string.Create(CultureInfo.InvariantCulture, $"orphan-{q:D2}")),
                ["name"] = new("orphan"),
            };
            if (q >= 8 && q < 14)
            {
                item[OrganizationAttribute] = new("bad org/id");
            }
            else if (q >= 14)
            {
                item[OrganizationAttribute] = new AttributeValue { SS = [Organization(1), Organization(2)] };
            }

            items.Add(item);
        }

        await Parallel.ForEachAsync(items.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            var pending = batch.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i } }).ToList();
            for (var attempt = 0; pending.Count > 0 && attempt < 20; attempt++)
            {
                var response = await admin.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [table] = pending } }, ct);
                pending = response.UnprocessedItems is { } u && u.TryGetValue(table, out var left) ? left : [];
            }
        });

        // The organizations, ACTIVE (for cutover), written in batches too.
        var organizationsItems = Enumerable.Range(1, organizations).Select(o => new WriteRequest
        {
            PutRequest = new PutRequest
            {
                Item = new Dictionary<string, AttributeValue>
                {
                    ["organizationId"] = new(Organization(o)),
                    ["name"] = new(Organization(o)),
                    ["status"] = new("ACTIVE"),
                },
            },
        });
        foreach (var batch in organizationsItems.Chunk(25))
        {
            await admin.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { ["Organizations"] = [.. batch] } }, cancellationToken);
        }

        if (withMembers)
        {
            // user-NNNN is a MEMBER (read-write) of org-NNNN.
            var members = Enumerable.Range(1, organizations).Select(o => new WriteRequest
            {
                PutRequest = new PutRequest
                {
                    Item = new Dictionary<string, AttributeValue>
                    {
                        ["userId"] = new(User(o)),
                        ["organizationId"] = new(Organization(o)),
                        ["role"] = new("MEMBER"),
                    },
                },
            });
            foreach (var batch in members.Chunk(25))
            {
                await admin.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { ["OrganizationUsers"] = [.. batch] } }, cancellationToken);
            }
        }
    }
}

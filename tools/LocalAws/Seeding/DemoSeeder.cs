using System.Diagnostics;
using LocalAws.Diagnostics;
using LocalAws.Dynalite;

namespace LocalAws.Seeding;

/// <summary>
/// Creates the demo tables when missing (Organizations, OrganizationUsers, Applications with GSI ByName) and, unless
/// <c>--no-seed</c>, writes the demo items from the team contract (acme, globex, initech and their users/apps).
/// Idempotent: items are overwritten with the same values.
/// </summary>
internal static class DemoSeeder
{
    private static readonly TimeSpan s_activeTimeout = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(UpstreamDynamoDb upstream, bool writeItems, ILogger logger, CancellationToken cancellationToken)
    {
        var tables = new[]
        {
            Table("Organizations", [("organizationId", "HASH")], [("organizationId", "S")]),
            Table("OrganizationUsers", [("userId", "HASH"), ("organizationId", "RANGE")], [("userId", "S"), ("organizationId", "S")]),
            Table(
                "Applications",
                [("organizationId", "HASH"), ("applicationId", "RANGE")],
                [("organizationId", "S"), ("applicationId", "S"), ("name", "S")],
                new Dictionary<string, object>
                {
                    ["IndexName"] = "ByName",
                    ["KeySchema"] = KeySchema([("organizationId", "HASH"), ("name", "RANGE")]),
                    ["Projection"] = new { ProjectionType = "ALL" },
                }),
        };

        foreach (var table in tables)
        {
            var (status, body) = await upstream.CallAsync("CreateTable", table, cancellationToken);
            using (body)
            {
                var alreadyExists = status == 400 && body.RootElement.TryGetProperty("__type", out var type) && type.GetString()?.EndsWith("ResourceInUseException", StringComparison.Ordinal) == true;
                if (status != 200 && !alreadyExists)
                {
                    throw new InvalidOperationException($"CreateTable {table["TableName"]} failed with HTTP {status}: {body.RootElement.GetRawText()}");
                }
            }

            await WaitActiveAsync(upstream, (string)table["TableName"], cancellationToken);
        }

        var items = 0;
        if (writeItems)
        {
            foreach (var (tableName, item) in Items())
            {
                var (status, body) = await upstream.CallAsync("PutItem", new Dictionary<string, object> { ["TableName"] = tableName, ["Item"] = item }, cancellationToken);
                using (body)
                {
                    if (status != 200)
                    {
                        throw new InvalidOperationException($"Seeding {tableName} failed with HTTP {status}: {body.RootElement.GetRawText()}");
                    }
                }

                items++;
            }
        }

        Log.Seeded(logger, tables.Length, items);
    }

    private static IEnumerable<(string Table, Dictionary<string, object> Item)> Items()
    {
        foreach (var (id, name, owner, status) in new[] { ("acme", "Acme Corp", "alice", "ACTIVE"), ("globex", "Globex", "bob", "ACTIVE"), ("initech", "Initech", "dave", "SUSPENDED") })
        {
            yield return ("Organizations", Item(("organizationId", id), ("name", name), ("ownerId", owner), ("status", status)));
        }

        foreach (var (user, org, role) in new[]
        {
            ("alice", "acme", "ADMINISTRATOR"), ("bob", "globex", "MEMBER"), ("carol", "acme", "VIEWER"),
            ("dave", "initech", "ADMINISTRATOR"), ("erin", "acme", "MEMBER"), ("erin", "globex", "VIEWER"),
        })
        {
            yield return ("OrganizationUsers", Item(("userId", user), ("organizationId", org), ("role", role)));
        }

        foreach (var (org, app, name, createdAt, createdBy) in new[]
        {
            ("acme", "app-1001", "Acme Billing", "2024-01-15T09:00:00Z", "alice"),
            ("acme", "app-1002", "Acme Portal", "2024-02-01T10:30:00Z", "alice"),
            ("globex", "app-2001", "Globex Payroll", "2024-03-10T08:15:00Z", "bob"),
            ("initech", "app-3001", "Initech TPS", "2024-04-20T16:45:00Z", "dave"),
        })
        {
            yield return ("Applications", Item(("organizationId", org), ("applicationId", app), ("name", name), ("createdAt", createdAt), ("createdBy", createdBy)));
        }
    }

    private static Dictionary<string, object> Item(params (string Name, string Value)[] attributes)
        => attributes.ToDictionary(a => a.Name, a => (object)new { S = a.Value });

    private static Dictionary<string, object> Table(string name, (string Name, string Type)[] keys, (string Name, string Type)[] attributes, Dictionary<string, object>? gsi = null)
    {
        var table = new Dictionary<string, object>
        {
            ["TableName"] = name,
            ["KeySchema"] = KeySchema(keys),
            ["AttributeDefinitions"] = attributes.Select(a => new { AttributeName = a.Name, AttributeType = a.Type }).ToArray(),
            ["BillingMode"] = "PAY_PER_REQUEST",
        };
        if (gsi is not null)
        {
            table["GlobalSecondaryIndexes"] = new[] { gsi };
        }

        return table;
    }

    private static object[] KeySchema((string Name, string Type)[] keys)
        => keys.Select(k => (object)new { AttributeName = k.Name, KeyType = k.Type }).ToArray();

    private static async Task WaitActiveAsync(UpstreamDynamoDb upstream, string table, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var (status, body) = await upstream.CallAsync("DescribeTable", new { TableName = table }, cancellationToken);
            using (body)
            {
                if (status == 200 && body.RootElement.GetProperty("Table").GetProperty("TableStatus").GetString() == "ACTIVE")
                {
                    return;
                }
            }

            if (elapsed.Elapsed > s_activeTimeout)
            {
                throw new TimeoutException($"Table {table} did not become ACTIVE within {s_activeTimeout.TotalSeconds} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}

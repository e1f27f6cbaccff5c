using System.Diagnostics;
using System.Text.Json.Nodes;
using LocalAws.Diagnostics;
using LocalAws.Dynalite;

namespace LocalAws.Seeding;

/// <summary>
/// Creates the tables when missing (the template's, or Organizations, OrganizationUsers, Applications with GSI ByName) and, unless
/// <c>--no-seed</c>, writes the demo items from the team contract (acme, globex, initech and their users/apps).
/// Idempotent: items are overwritten with the same values.
/// </summary>
internal static class DemoSeeder
{
    private static readonly TimeSpan s_activeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The tables LocalAws creates without <c>--cloudformation</c> (the same shapes the deployment template declares).</summary>
    public static IReadOnlyList<JsonObject> DefaultTables { get; } =
    [
        Table("Organizations", [("organizationId", "HASH")], [("organizationId", "S")]),
        Table("OrganizationUsers", [("userId", "HASH"), ("organizationId", "RANGE")], [("userId", "S"), ("organizationId", "S")]),
        Table(
            "Applications",
            [("organizationId", "HASH"), ("applicationId", "RANGE")],
            [("organizationId", "S"), ("applicationId", "S"), ("name", "S")],
            new JsonObject
            {
                ["IndexName"] = "ByName",
                ["KeySchema"] = KeySchema([("organizationId", "HASH"), ("name", "RANGE")]),
                ["Projection"] = new JsonObject { ["ProjectionType"] = "ALL" },
            }),
    ];

    /// <param name="tables">DynamoDB CreateTable requests (<see cref="DefaultTables"/> or the template's tables).</param>
    public static async Task RunAsync(UpstreamDynamoDb upstream, IReadOnlyList<JsonObject> tables, bool writeItems, ILogger logger, CancellationToken cancellationToken)
    {
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

            await WaitActiveAsync(upstream, (string)table["TableName"]!, cancellationToken);
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
                        throw new InvalidOperationException($"Seeding the demo items into {tableName} failed with HTTP {status} (does the template create that table? --no-seed writes none): {body.RootElement.GetRawText()}");
                    }
                }

                items++;
            }
        }

        Log.Seeded(logger, tables.Count, items);
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

    private static JsonObject Table(string name, (string Name, string Type)[] keys, (string Name, string Type)[] attributes, JsonObject? gsi = null)
    {
        var table = new JsonObject
        {
            ["TableName"] = name,
            ["KeySchema"] = KeySchema(keys),
            ["AttributeDefinitions"] = new JsonArray([.. attributes.Select(a => (JsonNode)new JsonObject { ["AttributeName"] = a.Name, ["AttributeType"] = a.Type })]),
            ["BillingMode"] = "PAY_PER_REQUEST",
        };
        if (gsi is not null)
        {
            table["GlobalSecondaryIndexes"] = new JsonArray(gsi);
        }

        return table;
    }

    private static JsonArray KeySchema((string Name, string Type)[] keys)
        => new([.. keys.Select(k => (JsonNode)new JsonObject { ["AttributeName"] = k.Name, ["KeyType"] = k.Type })]);

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

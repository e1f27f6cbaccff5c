using Gateway.Isolation.Configuration;
using Gateway.Verification;

namespace Gateway.Isolation.Tests.Verification;

public sealed class VerificationPlanTests
{
    private static readonly ProbeOperation[] CrossTenantOperations =
    [
        ProbeOperation.GetItem, ProbeOperation.Query, ProbeOperation.PutItem, ProbeOperation.UpdateItem, ProbeOperation.DeleteItem,
        ProbeOperation.BatchGetItem, ProbeOperation.BatchWriteItem, ProbeOperation.TransactGetItems, ProbeOperation.TransactWriteItems,
        ProbeOperation.PartiQLKeyless, ProbeOperation.PartiQLByPartition, ProbeOperation.Scan, ProbeOperation.DescribeTable,
    ];

    [Fact]
    public void Create_TwoSets_OneSessionPerOrganizationAndSet()
    {
        var plan = VerificationPlan.Create(TestOptions.Valid());

        Assert.Equal(["zz-verify-a", "zz-verify-b"], plan.Organizations);
        Assert.Equal(
            ["zz-verify-a read-only", "zz-verify-a read-write", "zz-verify-b read-only", "zz-verify-b read-write", "zz-verify-s read-only", "zz-verify-s read-write"],
            plan.Sessions.Select(s => $"{s.Organization} {s.PermissionSet}"));
        Assert.Equal([1, 1, 1, 1, 4, 4], plan.Sessions.Select(s => s.Shards));
        Assert.All(plan.Sessions, s => Assert.NotEqual(s.Organization, s.OtherOrganization));
    }

    [Fact]
    public void Create_EverySession_DeniesEveryCrossTenantOperation()
    {
        var plan = VerificationPlan.Create(TestOptions.Valid());

        foreach (var session in plan.Sessions.Where(s => s.Shards == 1))
        {
            var crossTenant = session.Probes.Where(p => p.Targets.Contains(session.OtherOrganization)).ToList();
            Assert.All(crossTenant, p => Assert.Equal(ProbeExpectation.Denied, p.Expected));
            Assert.Equal(CrossTenantOperations.Order(), crossTenant.Select(p => p.Operation).Distinct().Order());
            Assert.All(
                crossTenant.Where(p => p.Operation is ProbeOperation.BatchGetItem or ProbeOperation.BatchWriteItem or ProbeOperation.TransactGetItems or ProbeOperation.TransactWriteItems),
                p => Assert.Equal([session.Organization, session.OtherOrganization], p.Targets));
        }
    }

    [Fact]
    public void Create_ReadWriteSet_AllowsOwnWritesAndEndsWithOwnDelete()
    {
        var session = VerificationPlan.Create(TestOptions.Valid()).Sessions.Single(s => s.Organization == "zz-verify-a" && s.PermissionSet == "read-write");
        var own = session.Probes.Where(p => p.Targets.SequenceEqual(["zz-verify-a"])).ToList();

        Assert.Equal(ProbeExpectation.Allowed, own.Single(p => p.Operation == ProbeOperation.PutItem).Expected);
        Assert.Equal(ProbeExpectation.Allowed, own.Single(p => p.Operation == ProbeOperation.UpdateItem).Expected);
        Assert.Equal(ProbeExpectation.Allowed, own.Single(p => p.Operation == ProbeOperation.GetItem).Expected);
        Assert.Equal(ProbeExpectation.NotDenied, own.Single(p => p.Operation == ProbeOperation.TransactWriteItems).Expected);
        Assert.Equal(ProbeOperation.PutItem, session.Probes[0].Operation);
        Assert.Equal(ProbeOperation.DeleteItem, session.Probes[^1].Operation);
        Assert.Equal(ProbeExpectation.Allowed, session.Probes[^1].Expected);
    }

    [Fact]
    public void Create_ReadOnlySet_DeniesOwnWritesAndAllowsOwnReads()
    {
        var session = VerificationPlan.Create(TestOptions.Valid()).Sessions.Single(s => s.Organization == "zz-verify-b" && s.PermissionSet == "read-only");
        var own = session.Probes.Where(p => p.Targets.SequenceEqual(["zz-verify-b"])).ToList();

        Assert.All(own.Where(p => p.Operation is ProbeOperation.PutItem or ProbeOperation.UpdateItem or ProbeOperation.DeleteItem), p => Assert.Equal(ProbeExpectation.Denied, p.Expected));
        Assert.All(own.Where(p => p.Operation is ProbeOperation.GetItem or ProbeOperation.Query or ProbeOperation.BatchGetItem), p => Assert.Equal(ProbeExpectation.Allowed, p.Expected));
        Assert.DoesNotContain(own, p => p.Operation == ProbeOperation.TransactWriteItems);
    }

    [Fact]
    public void Create_ConfiguredIndexes_QueriedOwnAllowedAndCrossDenied()
    {
        var options = TestOptions.Valid();
        options.Tables["Applications"].Indexes = ["ByName", "ByOwner"];

        var session = VerificationPlan.Create(options).Sessions[0];

        foreach (var index in new[] { "ByName", "ByOwner" })
        {
            var queries = session.Probes.Where(p => p.Operation == ProbeOperation.Query && p.Index == index).ToList();
            Assert.Equal(2, queries.Count);
            Assert.Equal(ProbeExpectation.Allowed, queries.Single(p => p.Targets[0] == session.Organization).Expected);
            Assert.Equal(ProbeExpectation.Denied, queries.Single(p => p.Targets[0] == session.OtherOrganization).Expected);
            Assert.Contains(queries, p => p.Name == $"{session.PermissionSet} {session.Organization}: Query Applications/index/{index} → {session.OtherOrganization}");
        }
    }

    [Fact]
    public void Create_NoIndexesListed_NoIndexQueries()
    {
        var plan = VerificationPlan.Create(TestOptions.Valid());

        Assert.DoesNotContain(plan.Sessions.SelectMany(s => s.Probes), p => p.Index is not null);
    }

    [Fact]
    public void Create_EveryGrantedTable_Probed()
    {
        var options = TestOptions.Valid();
        options.Tables["Tickets"] = new TenantTableOptions { PartitionKey = "orgId", SortKey = "ticketId" };
        options.PermissionSets["read-write"].Tables["Tickets"] = TableAccessLevel.ReadWrite;

        var plan = VerificationPlan.Create(options);

        Assert.Contains(plan.Sessions.Single(s => s.Organization == "zz-verify-a" && s.PermissionSet == "read-write").Probes, p => p.Table == "Tickets");
        Assert.DoesNotContain(plan.Sessions.Single(s => s.Organization == "zz-verify-a" && s.PermissionSet == "read-only").Probes, p => p.Table == "Tickets");
    }

    [Fact]
    public void Create_PartiQLGranted_OwnStatementNotDenied()
    {
        var options = TestOptions.Valid();
        options.Tables["Applications"].PartiQL = true;

        var session = VerificationPlan.Create(options).Sessions[0];

        var statements = session.Probes.Where(p => p.Operation == ProbeOperation.PartiQLByPartition).ToList();
        Assert.Equal(ProbeExpectation.NotDenied, statements.Single(p => p.Targets[0] == session.Organization).Expected);
        Assert.Equal(ProbeExpectation.Denied, statements.Single(p => p.Targets[0] == session.OtherOrganization).Expected);
    }

    [Fact]
    public void Create_CustomOrganizations_Used()
    {
        var plan = VerificationPlan.Create(TestOptions.Valid(), "canary-1", "canary-2");

        Assert.Equal(["canary-1", "canary-2", "zz-verify-s"], plan.Sessions.Select(s => s.Organization).Distinct());
    }

    [Fact]
    public void Create_ShardedCanaryNamedAsOneOfTheTwo_ADerivedIdInstead()
    {
        var plan = VerificationPlan.Create(TestOptions.Valid(), "zz-verify-s", "canary-2");

        Assert.Equal("zz-verify-s-sharded", plan.ShardedOrganization);
        Assert.Equal(["zz-verify-s", "canary-2", "zz-verify-s-sharded"], plan.Sessions.Select(s => s.Organization).Distinct());
    }

    [Theory]
    [InlineData("read-write", true)]
    [InlineData("read-only", false)]
    public void Create_ShardedCanary_EveryShardKeyReadAndWrittenEveryLookAlikeDeniedWithItsTwin(string set, bool write)
    {
        var options = TestOptions.Valid();
        options.Tables["Applications"].Indexes = ["ByName"];
        var session = VerificationPlan.Create(options).Sessions.Single(s => s.Organization == "zz-verify-s" && s.PermissionSet == set);
        string[] keys = ["zz-verify-s#0", "zz-verify-s#1", "zz-verify-s#2", "zz-verify-s#3"];
        ProbeExpectation Expected(ProbeOperation operation, string target, string? index = null)
            => session.Probes.Single(p => p.Operation == operation && p.Index == index && p.Targets.SequenceEqual([target])).Expected;

        Assert.Equal(4, session.Shards);
        Assert.Equal("zz-verify-a", session.OtherOrganization);
        foreach (var key in keys)
        {
            Assert.Equal(ProbeExpectation.Allowed, Expected(ProbeOperation.GetItem, key));
            Assert.Equal(ProbeExpectation.Allowed, Expected(ProbeOperation.Query, key));
            if (write)
            {
                Assert.Equal(ProbeExpectation.Allowed, Expected(ProbeOperation.PutItem, key));
                Assert.Equal(ProbeExpectation.Allowed, Expected(ProbeOperation.DeleteItem, key));
            }
        }

        Assert.Equal(write ? ProbeExpectation.Allowed : ProbeExpectation.Denied, Expected(ProbeOperation.PutItem, "zz-verify-s#0"));
        Assert.Equal(ProbeExpectation.Allowed, Expected(ProbeOperation.GetItem, "zz-verify-s"));
        Assert.Equal(ProbeExpectation.Allowed, Expected(ProbeOperation.Query, "zz-verify-s#0", "ByName"));
        Assert.Equal(ProbeExpectation.Denied, Expected(ProbeOperation.Query, "zz-verify-sx", "ByName"));
        Assert.Equal(ProbeExpectation.Allowed, session.Probes.Single(p => p.Operation == ProbeOperation.BatchGetItem && p.Targets.SequenceEqual(keys)).Expected);
        Assert.Equal(ProbeExpectation.Denied, session.Probes.Single(p => p.Operation == ProbeOperation.BatchGetItem && p.Targets.SequenceEqual(["zz-verify-s#0", "zz-verify-sx"])).Expected);

        // The look-alikes: past the last shard, an empty shard, '-', '.', a longer id (StringLike {org}* admits it), another organization.
        string[] lookAlikes = ["zz-verify-s#4", "zz-verify-s#", "zz-verify-s-2", "zz-verify-s.x", "zz-verify-sx", "zz-verify-a"];
        Assert.Equal(lookAlikes, VerificationPlan.LookAlikes("zz-verify-s", Gateway.Policies.ShardCount.Create(4), "zz-verify-a"));
        var twin = write ? ProbeOperation.PutItem : ProbeOperation.Query;
        foreach (var key in lookAlikes)
        {
            Assert.Equal(ProbeExpectation.Denied, Expected(ProbeOperation.GetItem, key));
            Assert.Equal(ProbeExpectation.Denied, Expected(twin, key));
        }

        // Each deny has its allow twin (the same operation on a shard key), in read-only sets too.
        Assert.Equal(ProbeExpectation.Allowed, Expected(ProbeOperation.GetItem, keys[0]));
        Assert.Equal(ProbeExpectation.Allowed, Expected(twin, keys[0]));
        Assert.Equal(write ? ProbeOperation.DeleteItem : ProbeOperation.Query, session.Probes[^1].Operation);
    }

    [Fact]
    public void Create_AbacMode_ShardedCanaryWithoutOutOfRangeKeys()
    {
        // ABAC's role policy admits {org}#* (the organization's own keys): #4 and # are probed only for an exact list.
        var options = TestOptions.Valid();
        options.Mode = IsolationMode.Abac;

        var session = VerificationPlan.Create(options).Sessions.Single(s => s.Organization == "zz-verify-s" && s.PermissionSet == "read-write");

        Assert.Equal(4, session.Shards);
        Assert.DoesNotContain(session.Probes, p => p.Targets.Contains("zz-verify-s#4") || p.Targets.Contains("zz-verify-s#"));
        Assert.Equal(ProbeExpectation.Denied, session.Probes.Single(p => p.Operation == ProbeOperation.PutItem && p.Targets.SequenceEqual(["zz-verify-sx"])).Expected);
        Assert.Equal(ProbeExpectation.Allowed, session.Probes.Single(p => p.Operation == ProbeOperation.PutItem && p.Targets.SequenceEqual(["zz-verify-s#3"])).Expected);
    }

    [Fact]
    public void PartitionKeys_ShardedOrganization_BareKeyAndEveryShard()
    {
        Assert.Equal(["acme"], VerificationPlan.PartitionKeys("acme", 1));
        Assert.Equal(["acme", "acme#0", "acme#1"], VerificationPlan.PartitionKeys("acme", 2));
    }

    [Theory]
    [InlineData("zz-verify-a", "zz-verify-a")]
    [InlineData("zz-verify-a", "bad org")]
    [InlineData("", "zz-verify-b")]
    public void Create_InvalidOrganizations_Throws(string a, string b)
        => Assert.Throws<ArgumentException>(() => VerificationPlan.Create(TestOptions.Valid(), a, b));

    [Fact]
    public void Names_AreUnique()
    {
        var options = TestOptions.Valid();
        options.Tables["Applications"].Indexes = ["ByName"];

        var names = VerificationPlan.Create(options).Sessions.SelectMany(s => s.Probes).Select(p => p.Name).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }
}

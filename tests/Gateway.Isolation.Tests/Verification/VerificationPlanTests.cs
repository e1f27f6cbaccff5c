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
            ["zz-verify-a read-only", "zz-verify-a read-write", "zz-verify-b read-only", "zz-verify-b read-write"],
            plan.Sessions.Select(s => $"{s.Organization} {s.PermissionSet}"));
        Assert.All(plan.Sessions, s => Assert.NotEqual(s.Organization, s.OtherOrganization));
    }

    [Fact]
    public void Create_EverySession_DeniesEveryCrossTenantOperation()
    {
        var plan = VerificationPlan.Create(TestOptions.Valid());

        foreach (var session in plan.Sessions)
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

        Assert.Equal(["canary-1", "canary-2"], plan.Sessions.Select(s => s.Organization).Distinct());
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

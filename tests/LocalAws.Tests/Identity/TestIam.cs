using Gateway.Policies;
using Gateway.Policies.Documents;
using LocalAws.Identity;

namespace LocalAws.Tests.Identity;

/// <summary>
/// Small IAM definitions for unit tests: <c>gateway</c> (may assume Tenant, and Tenant trusts it), <c>stranger</c> (its
/// own policy allows sts:AssumeRole anywhere, but no trust policy names it), role <c>Tenant</c> (max 3,600 s).
/// </summary>
internal static class TestIam
{
    public const string Account = "111122223333";
    public const string GatewayKey = "AKIATESTGATEWAY00001";
    public const string StrangerKey = "AKIATESTSTRANGER0001";
    public const string RoleArn = "arn:aws:iam::111122223333:role/Tenant";
    public const string GatewayArn = "arn:aws:iam::111122223333:user/gateway";

    public static readonly AwsScope Scope = new() { AccountId = Account, Region = "eu-west-1" };

    public static IamUser User(string name, string accessKey, string action = "sts:*") => new()
    {
        Name = name,
        Arn = $"arn:aws:iam::{Account}:user/{name}",
        AccessKeyId = accessKey,
        SecretAccessKey = name + "-secret",
        Policies = [Policy($$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"{{action}}","Resource":"*"}]}""")],
    };

    public static IamRole Role(string name = "Tenant", string trustedArn = GatewayArn) => new()
    {
        Name = name,
        Arn = $"arn:aws:iam::{Account}:role/{name}",
        RoleId = IamDirectory.RoleId(Account, name),
        TrustPolicy = Policy($$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"{{trustedArn}}"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"""),
        Policies = [Policy("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}""")],
        MaxSessionDurationSeconds = 3600,
    };

    public static IamDefinitions Definitions() => new()
    {
        Users = [User("gateway", GatewayKey), User("stranger", StrangerKey)],
        Roles = [Role()],
    };

    public static IamDirectory Directory() => new(Scope, Definitions());

    private static PolicyDocument Policy(string json) => PolicyDocument.Parse(json);
}

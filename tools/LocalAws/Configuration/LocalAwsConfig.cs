using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policies;
using Gateway.Policies.Documents;
using LocalAws.Identity;

namespace LocalAws.Configuration;

/// <summary>
/// Account, region, IAM users and roles, read from the <c>LocalAws</c> section of a JSON file (the shipped
/// <c>appsettings.json</c> or <c>--config FILE</c>). Policies are embedded as JSON objects and parsed with
/// Gateway.Policies; any error throws at start-up naming the offending key.
/// </summary>
internal sealed record LocalAwsConfig
{
    public const string SectionName = "LocalAws";
    public const string DefaultAudience = "tenant-gateway";

    public required string AccountId { get; init; }
    public required string Region { get; init; }
    public string TokenAudience { get; init; } = DefaultAudience;
    public required IReadOnlyList<IamUser> Users { get; init; }
    public required IReadOnlyList<IamRole> Roles { get; init; }

    public AwsScope Scope => new() { AccountId = AccountId, Region = Region };

    public static LocalAwsConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"LocalAws config file '{path}' does not exist.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty(SectionName, out var section))
        {
            throw new InvalidOperationException($"{path}: missing section '{SectionName}'.");
        }

        return FromJson(section, path);
    }

    public static LocalAwsConfig FromJson(JsonElement section, string source)
    {
        var errors = new List<string>();
        var account = OptionalString(section, "AccountId") ?? "000000000000";
        var region = OptionalString(section, "Region") ?? "us-east-1";
        var audience = OptionalString(section, "TokenAudience") ?? DefaultAudience;
        if (account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            errors.Add($"{SectionName}:AccountId must be 12 digits.");
        }

        var users = new List<IamUser>();
        var roles = new List<IamRole>();
        var index = 0;
        foreach (var user in Array(section, "Users"))
        {
            var key = $"{SectionName}:Users:{index++}";
            var name = OptionalString(user, "Name");
            var accessKey = OptionalString(user, "AccessKeyId");
            var secret = OptionalString(user, "SecretAccessKey");
            if (string.IsNullOrWhiteSpace(name)) { errors.Add($"{key}:Name is required."); }
            if (accessKey is null || accessKey.Length < 16 || !accessKey.StartsWith("AKIA", StringComparison.Ordinal)) { errors.Add($"{key}:AccessKeyId must start with AKIA and have at least 16 characters."); }
            if (string.IsNullOrEmpty(secret)) { errors.Add($"{key}:SecretAccessKey is required."); }
            var policies = Policies(user, "Policies", key, errors);
            if (name is not null && accessKey is not null && secret is not null)
            {
                users.Add(new IamUser { Name = name, Arn = $"arn:aws:iam::{account}:user/{name}", AccessKeyId = accessKey, SecretAccessKey = secret, Policies = policies });
            }
        }

        index = 0;
        foreach (var role in Array(section, "Roles"))
        {
            var key = $"{SectionName}:Roles:{index++}";
            var name = OptionalString(role, "Name");
            if (string.IsNullOrWhiteSpace(name)) { errors.Add($"{key}:Name is required."); }
            var max = role.TryGetProperty("MaxSessionDurationSeconds", out var maxElement) && maxElement.TryGetInt32(out var m) ? m : 3600;
            if (max is < 3600 or > 43200) { errors.Add($"{key}:MaxSessionDurationSeconds must be 3600-43200."); }
            PolicyDocument? trust = null;
            if (role.TryGetProperty("TrustPolicy", out var trustElement))
            {
                trust = ParsePolicy(trustElement, $"{key}:TrustPolicy", errors);
            }
            else
            {
                errors.Add($"{key}:TrustPolicy is required.");
            }

            var policies = Policies(role, "Policies", key, errors);
            if (name is not null && trust is not null)
            {
                roles.Add(new IamRole
                {
                    Name = name,
                    Arn = $"arn:aws:iam::{account}:role/{name}",
                    RoleId = "AROA" + StableId(account + "/" + name),
                    TrustPolicy = trust,
                    Policies = policies,
                    MaxSessionDurationSeconds = max,
                });
            }
        }

        foreach (var duplicate in users.GroupBy(u => u.AccessKeyId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"{SectionName}:Users: access key {duplicate.Key} is used more than once.");
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Invalid LocalAws configuration in {source}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        }

        return new LocalAwsConfig { AccountId = account, Region = region, TokenAudience = audience, Users = users, Roles = roles };
    }

    private static string StableId(string seed)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        var builder = new StringBuilder(17);
        for (var i = 0; i < 17; i++)
        {
            builder.Append(alphabet[hash[i] % alphabet.Length]);
        }

        return builder.ToString();
    }

    private static string? OptionalString(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement[] Array(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];

    private static List<PolicyDocument> Policies(JsonElement owner, string name, string key, List<string> errors)
    {
        var result = new List<PolicyDocument>();
        var i = 0;
        foreach (var policy in Array(owner, name))
        {
            var parsed = ParsePolicy(policy, $"{key}:{name}:{i++}", errors);
            if (parsed is not null)
            {
                result.Add(parsed);
            }
        }

        return result;
    }

    private static PolicyDocument? ParsePolicy(JsonElement element, string key, List<string> errors)
    {
        try
        {
            return PolicyDocument.Parse(element.GetRawText());
        }
        catch (PolicyDocumentException e)
        {
            errors.Add($"{key}: {e.Message}");
            return null;
        }
    }
}

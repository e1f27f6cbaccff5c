using System.Text.Json;
using Gateway.Policies;
using Gateway.Policies.Documents;
using LocalAws.Identity;

namespace LocalAws.Configuration;

/// <summary>
/// IAM from the <c>LocalAws</c> section of the config file: <c>Users[]</c> {<c>Name</c>, <c>AccessKeyId</c>,
/// <c>SecretAccessKey</c>, <c>Policies[]</c>} and <c>Roles[]</c> {<c>Name</c>, <c>MaxSessionDurationSeconds</c>,
/// <c>TrustPolicy</c>, <c>Policies[]</c>}, policies embedded as IAM JSON objects and parsed with Gateway.Policies.
/// Every error is reported at once, naming its key (<c>LocalAws:Users:0:AccessKeyId</c>).
/// </summary>
internal sealed class ConfigFileIamSource : IIamSource
{
    private const string SectionName = LocalAwsConfig.SectionName;

    private readonly JsonElement _section;

    /// <param name="section">The <c>LocalAws</c> section.</param>
    /// <param name="description">Names the file in error messages.</param>
    public ConfigFileIamSource(JsonElement section, string description)
    {
        _section = section;
        Description = description;
    }

    public string Description { get; }

    public static ConfigFileIamSource FromFile(string path) => new(LocalAwsConfig.ReadSection(path), path);

    public IamDefinitions Load(AwsScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var account = scope.AccountId;
        var errors = new List<string>();
        var users = new List<IamUser>();
        var roles = new List<IamRole>();
        var index = 0;
        foreach (var user in Array(_section, "Users"))
        {
            var key = $"{SectionName}:Users:{index++}";
            var name = LocalAwsConfig.OptionalString(user, "Name");
            var accessKey = LocalAwsConfig.OptionalString(user, "AccessKeyId");
            var secret = LocalAwsConfig.OptionalString(user, "SecretAccessKey");
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
        foreach (var role in Array(_section, "Roles"))
        {
            var key = $"{SectionName}:Roles:{index++}";
            var name = LocalAwsConfig.OptionalString(role, "Name");
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
                    RoleId = IamDirectory.RoleId(account, name),
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

        foreach (var duplicate in users.GroupBy(u => u.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"{SectionName}:Users: user name {duplicate.Key} is used more than once.");
        }

        foreach (var duplicate in roles.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"{SectionName}:Roles: role name {duplicate.Key} is used more than once.");
        }

        LocalAwsConfig.ThrowIfAny(errors, Description);
        return new IamDefinitions { Users = users, Roles = roles };
    }

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

using System.Text.Json;
using Gateway.Policies;

namespace LocalAws.Configuration;

/// <summary>
/// Account, region and dev-token audience, read from the <c>LocalAws</c> section of a JSON file (the shipped
/// <c>appsettings.json</c> or <c>--config FILE</c>). The IAM users and roles in the same section are read by
/// <see cref="ConfigFileIamSource"/>. Any error throws at start-up naming the offending key.
/// </summary>
internal sealed record LocalAwsConfig
{
    public const string SectionName = "LocalAws";
    public const string DefaultAudience = "tenant-gateway";

    public required string AccountId { get; init; }
    public required string Region { get; init; }
    public string TokenAudience { get; init; } = DefaultAudience;

    /// <summary>
    /// Template parameter values used with <c>--cloudformation</c> before <c>--parameter</c> overrides
    /// (<c>LocalAws:CloudFormationParameters</c>; the shipped file maps <c>GatewayPrincipalArn</c> to the local gateway user).
    /// </summary>
    public IReadOnlyDictionary<string, string> CloudFormationParameters { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public AwsScope Scope => new() { AccountId = AccountId, Region = Region };

    public static LocalAwsConfig Load(string path) => FromJson(ReadSection(path), path);

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

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (section.ValueKind == JsonValueKind.Object && section.TryGetProperty(nameof(CloudFormationParameters), out var given))
        {
            if (given.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{SectionName}:CloudFormationParameters must be an object of strings.");
            }
            else
            {
                foreach (var parameter in given.EnumerateObject())
                {
                    if (parameter.Value.ValueKind == JsonValueKind.String) { parameters[parameter.Name] = parameter.Value.GetString()!; }
                    else { errors.Add($"{SectionName}:CloudFormationParameters:{parameter.Name} must be a string."); }
                }
            }
        }

        ThrowIfAny(errors, source);
        return new LocalAwsConfig { AccountId = account, Region = region, TokenAudience = audience, CloudFormationParameters = parameters };
    }

    /// <summary>The <c>LocalAws</c> section of the JSON file at <paramref name="path"/> (comments and trailing commas allowed).</summary>
    internal static JsonElement ReadSection(string path)
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

        return section.Clone();
    }

    /// <summary>Throws one <see cref="InvalidOperationException"/> listing every error, one per line.</summary>
    internal static void ThrowIfAny(List<string> errors, string source)
    {
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Invalid LocalAws configuration in {source}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        }
    }

    internal static string? OptionalString(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

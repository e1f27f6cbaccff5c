using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Gateway.Diagnostics;
using Gateway.Isolation;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>
/// Reads the envelope keys configured as SSM parameters (<c>TenantIsolation:Envelopes:{cluster}:Current:Parameter</c>,
/// <c>:Previous:Parameter</c>) once at start-up: GetParameters with decryption, through the gateway's own AWS identity
/// (<see cref="EnvelopeKeySsmClient"/>). A parameter that is missing, unreadable or not a SecureString is a
/// <see cref="GatewayStartupException"/> naming the parameter and its configuration key, never the value.
/// </summary>
internal sealed partial class EnvelopeKeyParameterResolver(
    IConfiguration configuration,
    IOptions<TenantIsolationOptions> isolation,
    EnvelopeKeyParameters parameters,
    ILogger<EnvelopeKeyParameterResolver> logger,
    Func<AwsOptions, IAmazonSimpleSystemsManagement>? createClient = null)
{
    /// <summary>GetParameters takes at most ten names per call.</summary>
    private const int BatchSize = 10;

    public static bool IsValidName(string name)
        => name.Length is > 0 and <= 2048 && NamePattern().IsMatch(name);

    public async Task ResolveAsync(CancellationToken cancellationToken)
    {
        var references = FindReferences(configuration.GetSection(EnvelopeOptions.SectionName));
        if (references.Count == 0)
        {
            return;
        }

        AwsOptions aws;
        try
        {
            aws = isolation.Value.Aws;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            return; // GatewayConfiguration.ValidateAll lists the TenantIsolation errors with every other one
        }

        using var ssm = (createClient ?? EnvelopeKeySsmClient.Create)(aws);
        foreach (var batch in references.Select(r => r.Name).Distinct(StringComparer.Ordinal).Chunk(BatchSize))
        {
            var response = await GetAsync(ssm, batch, references, aws.Region, cancellationToken);
            var missing = new HashSet<string>(response.InvalidParameters ?? [], StringComparer.Ordinal);
            var found = new Dictionary<string, Parameter>(StringComparer.Ordinal);
            foreach (var parameter in response.Parameters ?? [])
            {
                found[parameter.Name] = parameter;
            }

            var problems = new List<string>();
            foreach (var name in batch)
            {
                if (missing.Contains(name) || !found.TryGetValue(name, out var parameter))
                {
                    problems.Add($"envelope key parameter '{name}' ({Keys(references, name)}) does not exist in SSM Parameter Store ({aws.Region}); "
                        + "store the key with `aws ssm put-parameter --type SecureString`");
                }
                else if (parameter.Type != ParameterType.SecureString)
                {
                    problems.Add($"envelope key parameter '{name}' ({Keys(references, name)}) is a {parameter.Type} parameter; store envelope keys as SecureString");
                }
                else
                {
                    parameters.Set(name, parameter.Value);
                }
            }

            if (problems.Count > 0)
            {
                throw new GatewayStartupException(string.Join("; ", problems) + ".");
            }
        }

        var names = string.Join(", ", references.Select(r => r.Name).Distinct(StringComparer.Ordinal));
        Log.ParametersRead(logger, parameters.Count, names);
    }

    private static async Task<GetParametersResponse> GetAsync(
        IAmazonSimpleSystemsManagement ssm, string[] names, List<ParameterReference> references, string region, CancellationToken cancellationToken)
    {
        string Failure(string reason) => names.Length == 1
            ? $"envelope key parameter '{names[0]}' ({Keys(references, names[0])}) could not be read from SSM Parameter Store ({region}): {reason}"
            : $"envelope key parameters {string.Join(", ", names.Select(n => $"'{n}'"))} could not be read from SSM Parameter Store ({region}): {reason}";

        try
        {
            return await ssm.GetParametersAsync(new GetParametersRequest { Names = [.. names], WithDecryption = true }, cancellationToken);
        }
        catch (AmazonServiceException e)
        {
            throw new GatewayStartupException(Failure($"{e.ErrorCode}: {e.Message}"), e);
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new GatewayStartupException(Failure($"{e.GetType().Name}: {e.Message}"), e);
        }
    }

    private static string Keys(List<ParameterReference> references, string name)
        => string.Join(", ", references.Where(r => string.Equals(r.Name, name, StringComparison.Ordinal)).Select(r => r.ConfigurationKey));

    /// <summary>The parameters of keys configured without a <c>Key</c> (a configured Key wins; an invalid name is the validator's error).</summary>
    private static List<ParameterReference> FindReferences(IConfigurationSection envelopes)
    {
        var references = new List<ParameterReference>();
        foreach (var cluster in envelopes.GetChildren())
        {
            foreach (var slot in new[] { nameof(ClusterEnvelopeOptions.Current), nameof(ClusterEnvelopeOptions.Previous) })
            {
                var key = cluster.GetSection(slot);
                var name = key[nameof(GatewayEnvelopeKeyOptions.Parameter)];
                if (!string.IsNullOrWhiteSpace(name) && string.IsNullOrEmpty(key[nameof(GatewayEnvelopeKeyOptions.Key)]) && IsValidName(name))
                {
                    references.Add(new ParameterReference(name, $"{EnvelopeOptions.SectionName}:{cluster.Key}:{slot}:{nameof(GatewayEnvelopeKeyOptions.Parameter)}"));
                }
            }
        }

        return references;
    }

    /// <summary>Letters, digits, <c>_ . -</c>; a hierarchical name starts with <c>/</c> (SSM's naming rule; no version or label selector).</summary>
    [GeneratedRegex("^(?:(?:/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    private sealed record ParameterReference(string Name, string ConfigurationKey);

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.EnvelopeKeyParametersRead, EventName = "EnvelopeKeyParametersRead", Level = LogLevel.Information, Message = "Read {Count} envelope key parameter(s) from SSM Parameter Store: {Names}")]
        public static partial void ParametersRead(ILogger logger, int count, string names);
    }
}

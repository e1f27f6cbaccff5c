using Gateway.Envelopes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Backend.Context;

/// <summary>
/// Reports every configuration error at once, naming the configuration key; never echoes a key value. Outside the
/// Development and Local environments a published development key (<see cref="DevelopmentEnvelopeKeys"/>) is an error.
/// </summary>
internal sealed class TenantContextOptionsValidator : IValidateOptions<TenantContextOptions>
{
    internal static readonly TimeSpan MinMaxEnvelopeLifetime = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan MaxMaxEnvelopeLifetime = TimeSpan.FromHours(1);
    internal const int MaxEnvelopeCacheSize = 1_000_000;
    private const string Section = TenantContextOptions.SectionName;
    private readonly IHostEnvironment? _environment;

    /// <param name="environment">The host's environment (always there in a host). Null only where no environment
    /// exists (unit tests of other rules): the published-key rule is then not applied.</param>
    public TenantContextOptionsValidator(IHostEnvironment? environment = null) => _environment = environment;

    public ValidateOptionsResult Validate(string? name, TenantContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            errors.Add($"{Section}:Issuer is required.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add($"{Section}:Audience is required (the gateway cluster id this service is behind).");
        }

        if (string.IsNullOrWhiteSpace(options.HeaderName))
        {
            errors.Add($"{Section}:HeaderName must not be empty.");
        }

        if (options.EnvelopeCacheSize is < 0 or > MaxEnvelopeCacheSize)
        {
            errors.Add($"{Section}:EnvelopeCacheSize must be between 0 (off) and {MaxEnvelopeCacheSize}.");
        }

        if (options.RejectionStatusCode is not (401 or 403))
        {
            errors.Add($"{Section}:RejectionStatusCode must be 401 or 403.");
        }

        if (options.Keys.Count == 0)
        {
            errors.Add(
                $"{Section}:Keys must hold at least one key ({Section}:Keys:0:KeyId and {Section}:Keys:0:Key; as environment " +
                "variables TenantContext__Keys__0__KeyId and TenantContext__Keys__0__Key).");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if (string.IsNullOrWhiteSpace(key.KeyId))
            {
                errors.Add($"{Section}:Keys:{i}:KeyId is required.");
                continue;
            }

            if (!seen.Add(key.KeyId))
            {
                errors.Add($"{Section}:Keys:{i}:KeyId '{key.KeyId}' is a duplicate.");
            }

            if (!EnvelopeKey.IsValidKeyId(key.KeyId))
            {
                errors.Add($"{Section}:Keys:{i}:KeyId must be 1-{EnvelopeKey.MaxKeyIdLength} characters without control characters or surrounding whitespace.");
            }

            // The same parser (and base64 rule: standard or URL-safe) as the gateway's validator and EnvelopeKey.FromBase64.
            if (!EnvelopeKey.TryDecodeBase64(key.Key, out var material) || material.Length != EnvelopeKey.KeySizeInBytes)
            {
                errors.Add($"{Section}:Keys:{i}:Key must be the base64 of exactly {EnvelopeKey.KeySizeInBytes} bytes.");
                continue;
            }

            if (_environment is not null
                && !DevelopmentEnvelopeKeys.AllowedIn(_environment.EnvironmentName)
                && DevelopmentEnvelopeKeys.IsPublished(material))
            {
                errors.Add(
                    $"{Section}:Keys:{i}:Key is a published development key (anyone can seal envelopes with it); it is accepted " +
                    $"only in the Development and Local environments, not in '{_environment.EnvironmentName}'. Configure a secret key.");
            }
        }

        if (options.MaxEnvelopeLifetime < MinMaxEnvelopeLifetime || options.MaxEnvelopeLifetime > MaxMaxEnvelopeLifetime)
        {
            errors.Add($"{Section}:MaxEnvelopeLifetime must be between {MinMaxEnvelopeLifetime} and {MaxMaxEnvelopeLifetime} (was {options.MaxEnvelopeLifetime}).");
        }

        var dynamo = options.DynamoDb;
        if (dynamo is null)
        {
            errors.Add($"{Section}:DynamoDb is required.");
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(dynamo.ServiceUrl)
                && (!Uri.TryCreate(dynamo.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
            {
                errors.Add($"{Section}:DynamoDb:ServiceUrl must be an absolute http(s) URL.");
            }

            if (string.IsNullOrWhiteSpace(dynamo.Region))
            {
                errors.Add($"{Section}:DynamoDb:Region is required.");
            }
            else if (string.IsNullOrWhiteSpace(dynamo.ServiceUrl) && !IsKnownRegion(dynamo.Region))
            {
                errors.Add($"{Section}:DynamoDb:Region '{dynamo.Region}' is not a known AWS region.");
            }

            if (dynamo.Timeout <= TimeSpan.Zero)
            {
                errors.Add($"{Section}:DynamoDb:Timeout must be positive.");
            }

            if (dynamo.ConnectTimeout <= TimeSpan.Zero || dynamo.ConnectTimeout > dynamo.Timeout)
            {
                errors.Add($"{Section}:DynamoDb:ConnectTimeout must be positive and at most {Section}:DynamoDb:Timeout.");
            }

            if (dynamo.RetryAfter < TimeSpan.FromSeconds(1) || dynamo.RetryAfter > TimeSpan.FromMinutes(5))
            {
                errors.Add($"{Section}:DynamoDb:RetryAfter must be between 00:00:01 and 00:05:00.");
            }

            if (dynamo.MaxErrorRetry is < 0 or > 10)
            {
                errors.Add($"{Section}:DynamoDb:MaxErrorRetry must be between 0 and 10.");
            }

            if (dynamo.MaxCachedClients < 0)
            {
                errors.Add($"{Section}:DynamoDb:MaxCachedClients must not be negative.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsKnownRegion(string region) =>
        Amazon.RegionEndpoint.EnumerableAllRegions.Any(r => string.Equals(r.SystemName, region, StringComparison.Ordinal));
}

using Gateway.Backend.Envelopes;
using Microsoft.Extensions.Options;

namespace Gateway.Backend.Context;

/// <summary>Reports every configuration error at once, naming the configuration key; never echoes a key value.</summary>
internal sealed class TenantContextOptionsValidator : IValidateOptions<TenantContextOptions>
{
    private const string Section = TenantContextOptions.SectionName;

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

        if (options.RejectionStatusCode is not (401 or 403))
        {
            errors.Add($"{Section}:RejectionStatusCode must be 401 or 403.");
        }

        if (options.Keys.Count == 0)
        {
            errors.Add($"{Section}:Keys must hold at least one key ({Section}:Keys:0:KeyId and {Section}:Keys:0:Key).");
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

            try
            {
                _ = EnvelopeKey.FromBase64(key.KeyId, key.Key);
            }
            catch (ArgumentException)
            {
                errors.Add($"{Section}:Keys:{i}:Key must be the base64 of exactly {EnvelopeKey.KeySizeInBytes} bytes.");
            }
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

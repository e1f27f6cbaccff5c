using Gateway.Envelopes;
using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>
/// Validates <see cref="EnvelopeOptions"/> (<c>TenantIsolation:Envelopes</c>), reporting every error at once and naming
/// the key. Outside the Development and Local environments an envelope key whose bytes are a published development key
/// (<see cref="DevelopmentEnvelopeKeys"/>) is an error: anyone could seal envelopes with it. A key is configured as
/// <c>Key</c> or as an SSM <c>Parameter</c> (a configured <c>Key</c>, e.g. from an environment variable, takes precedence
/// and the parameter is not read); a key read from a parameter is checked by the same rules, and an error names the
/// parameter, never the value. An unread parameter (the <c>policy</c> command reads none) is checked by name.
/// </summary>
/// <param name="environment">The host's environment (always there in the gateway host). Null in unit tests of other
/// rules: the published-key rule is not applied.</param>
internal sealed class EnvelopeOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<EnvelopeOptions>
{
    private const string S = EnvelopeOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, EnvelopeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (cluster, envelope) in options.Clusters)
        {
            var key = $"{S}:{cluster}";
            if (envelope?.Current is null)
            {
                errors.Add($"{key}:Current is required (KeyId + base64 Key of 64 bytes, or KeyId + SSM Parameter).");
            }
            else
            {
                ValidateKey(envelope.Current, $"{key}:Current", errors);
            }

            if (envelope?.Previous is { } previous)
            {
                ValidateKey(previous, $"{key}:Previous", errors);
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void ValidateKey(GatewayEnvelopeKeyOptions key, string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(key.KeyId) || key.KeyId.Length > EnvelopeKey.MaxKeyIdLength)
        {
            errors.Add($"{path}:KeyId is required (1-{EnvelopeKey.MaxKeyIdLength} characters).");
        }
        else if (!EnvelopeKey.IsValidKeyId(key.KeyId))
        {
            errors.Add($"{path}:KeyId must not contain control characters or surrounding whitespace.");
        }

        var source = $"{path}:Key";
        if (!string.IsNullOrWhiteSpace(key.Parameter) && (key.KeyFromParameter || string.IsNullOrEmpty(key.Key)))
        {
            if (!EnvelopeKeyParameterResolver.IsValidName(key.Parameter))
            {
                errors.Add($"{path}:Parameter '{key.Parameter}' is not an SSM parameter name (letters, digits, '_', '.', '-'; a path starts with '/').");
                return;
            }

            if (!key.KeyFromParameter)
            {
                return; // read at start-up by the gateway host, which checks the value against the rules below
            }

            source = $"{path}:Parameter '{key.Parameter}' holds a value that";
        }

        if (string.IsNullOrWhiteSpace(key.Key))
        {
            errors.Add($"{path}:Key is required (base64 of 64 random bytes), or {path}:Parameter (an SSM SecureString holding it).");
            return;
        }

        // The same parser (and base64 rule: standard or URL-safe, padding optional) as backends use.
        if (!EnvelopeKey.TryDecodeBase64(key.Key, out var material))
        {
            errors.Add($"{source} is not valid base64.");
        }
        else if (material.Length != EnvelopeKey.KeySizeInBytes)
        {
            errors.Add($"{source} must decode to exactly {EnvelopeKey.KeySizeInBytes} bytes (A256CBC-HS512); it decodes to {material.Length}.");
        }
        else if (environment is not null
            && !DevelopmentEnvelopeKeys.AllowedIn(environment.EnvironmentName)
            && DevelopmentEnvelopeKeys.IsPublished(material))
        {
            errors.Add(
                $"{source} is a published development key (anyone can seal envelopes with it); it is accepted only in " +
                $"the Development and Local environments, not in '{environment.EnvironmentName}'. Configure a secret key.");
        }
    }
}

using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>Validates <see cref="ForwardingOptions"/> (<c>TenantIsolation:Forwarding</c>), reporting every error at once and naming the key.</summary>
internal sealed class ForwardingOptionsValidator : IValidateOptions<ForwardingOptions>
{
    private const string S = ForwardingOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.EnvelopeIssuer))
        {
            errors.Add($"{S}:EnvelopeIssuer is required.");
        }

        if (options.EnvelopeLifetime < TimeSpan.FromSeconds(10) || options.EnvelopeLifetime > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{S}:EnvelopeLifetime must be between 00:00:10 and 00:05:00 (was {options.EnvelopeLifetime}).");
        }

        if (options.EnvelopeKeyRefreshInterval != TimeSpan.Zero && (options.EnvelopeKeyRefreshInterval < TimeSpan.FromSeconds(1) || options.EnvelopeKeyRefreshInterval > TimeSpan.FromDays(1)))
        {
            errors.Add($"{S}:EnvelopeKeyRefreshInterval must be 0 (off) or between 00:00:01 and 1.00:00:00 (was {options.EnvelopeKeyRefreshInterval}).");
        }

        if (options.EnvelopesPerCredential < 0)
        {
            errors.Add($"{S}:EnvelopesPerCredential must not be negative.");
        }

        if (options.ActivityTimeout < TimeSpan.FromSeconds(1) || options.ActivityTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{S}:ActivityTimeout must be between 00:00:01 and 00:10:00 (was {options.ActivityTimeout}).");
        }

        if (options.BackendRetryAfter < TimeSpan.FromSeconds(1) || options.BackendRetryAfter > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{S}:BackendRetryAfter must be between 00:00:01 and 00:05:00 (was {options.BackendRetryAfter}).");
        }

        var strip = options.StripHeaders ?? [];
        for (var i = 0; i < strip.Length; i++)
        {
            var header = strip[i] ?? string.Empty;
            var body = header.EndsWith('*') ? header[..^1] : header;
            if (body.Length == 0 || !body.All(IsHeaderNameChar))
            {
                errors.Add($"{S}:StripHeaders:{i} '{header}' must be an HTTP header name, or a non-empty prefix ending in '*'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // RFC 9110 token characters, minus '*' (reserved for the prefix form).
    private static bool IsHeaderNameChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'+-.^_`|~".Contains(c, StringComparison.Ordinal);
}

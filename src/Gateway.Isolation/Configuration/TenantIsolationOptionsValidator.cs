using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Configuration;

/// <summary>
/// Validates <see cref="TenantIsolationOptions"/> by composing one validator per section, reporting every error at once
/// and naming the offending key (<c>TenantIsolation:…</c>), including the worst-case session policy size per permission set.
/// </summary>
internal sealed class TenantIsolationOptionsValidator : IValidateOptions<TenantIsolationOptions>
{
    private const string S = TenantIsolationOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, TenantIsolationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        CredentialOptionsValidator.Validate(options, S, errors);
        CredentialCacheOptionsValidator.Validate(options.Cache, $"{S}:Cache", errors);
        AwsOptionsValidator.Validate(options.Aws, $"{S}:Aws", errors);
        MembershipOptionsValidator.Validate(options.Membership, $"{S}:Membership", errors);
        StsResilienceOptionsValidator.Validate(options.Sts, $"{S}:Sts", errors);
        SharedCacheOptionsValidator.Validate(options.SharedCache, $"{S}:SharedCache", errors);
        PermissionSetsValidator.Validate(options, S, errors);
        RateLimitOptionsValidator.Validate(options.RateLimits, $"{S}:RateLimits", errors);
        RevocationOptionsValidator.Validate(options.Revocations, $"{S}:Revocations", errors);
        VerificationOptionsValidator.Validate(options.Verification, VerificationOptions.SectionName, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Isolation.Aws;
using Gateway.Policies.Documents;

namespace Gateway.Verification;

/// <summary>
/// The check <see cref="VerificationPlan.TenantRoleTrustCheck"/>: the tenant role's trust policy (IAM GetRole with the
/// gateway's identity) may let only the gateway's own principal assume the role. Every Allow statement whose actions
/// cover <c>sts:AssumeRole</c> must name exactly that principal; an account root (ARN or bare account id), <c>*</c>,
/// a service or any other principal fails with the principal as observed. Deny statements are ignored.
/// </summary>
public static class TenantRoleTrust
{
    public const string Expected = "only the gateway principal";

    /// <summary>
    /// The check's name for a tenant role other than <c>TenantIsolation:RoleArn</c>'s (Abac mode: another permission
    /// set's role); <c>RoleArn</c>'s keeps <see cref="VerificationPlan.TenantRoleTrustCheck"/>.
    /// </summary>
    public static string CheckName(string role) => $"tenant role {role}: trust admits only the gateway";

    /// <summary>The IAM ARN that a trust policy names for <paramref name="callerArn"/> (an assumed-role session maps to its role).</summary>
    public static string PrincipalOf(string callerArn)
    {
        ArgumentNullException.ThrowIfNull(callerArn);
        // arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION → arn:PARTITION:iam::ACCOUNT:role/NAME
        var parts = callerArn.Split(':', 6);
        if (parts.Length == 6 && parts[0] == "arn" && parts[2] == "sts" && parts[5].StartsWith("assumed-role/", StringComparison.Ordinal))
        {
            var segments = parts[5].Split('/');
            if (segments.Length >= 3)
            {
                return $"arn:{parts[1]}:iam::{parts[4]}:role/{segments[1]}";
            }
        }

        return callerArn;
    }

    /// <summary>(passed, observed): observed is the gateway principal when passing, else the offending principals.</summary>
    public static (bool Passed, string Observed) Analyze(PolicyDocument trust, string callerArn)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var gateway = PrincipalOf(callerArn);
        var offending = new List<string>();
        var admitsGateway = false;
        foreach (var statement in trust.Statements)
        {
            if (statement.Effect != PolicyEffect.Allow || !CoversAssumeRole(statement))
            {
                continue;
            }

            if (statement.Principal is not { Count: > 0 } principal)
            {
                offending.Add("*");
                continue;
            }

            foreach (var (type, values) in principal)
            {
                foreach (var value in values)
                {
                    if (type == "AWS" && IsGateway(value, gateway))
                    {
                        admitsGateway = true;
                    }
                    else
                    {
                        offending.Add(type is "AWS" or "*" ? value : $"{type}:{value}");
                    }
                }
            }
        }

        if (offending.Count > 0)
        {
            return (false, string.Join(", ", offending.Distinct(StringComparer.Ordinal)));
        }

        return admitsGateway ? (true, gateway) : (true, "no principal may assume it");
    }

    /// <summary>Runs the check: GetCallerIdentity, GetRole, <see cref="Analyze"/>. Fails closed (named) when IAM cannot be read.</summary>
    public static Task<VerificationCheck> CheckAsync(IAmazonSecurityTokenService sts, IamClient? iam, string? roleArn, CancellationToken cancellationToken)
        => CheckAsync(sts, iam, roleArn, VerificationPlan.TenantRoleTrustCheck, cancellationToken);

    /// <summary>As <see cref="CheckAsync(IAmazonSecurityTokenService, IamClient?, string?, CancellationToken)"/>, reported as <paramref name="name"/>.</summary>
    public static async Task<VerificationCheck> CheckAsync(IAmazonSecurityTokenService sts, IamClient? iam, string? roleArn, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sts);
        VerificationCheck Fail(string observed) => new(name, Expected, observed, false);
        var roleName = roleArn is null ? null : roleArn[(roleArn.LastIndexOf('/') + 1)..];
        if (iam is null || string.IsNullOrEmpty(roleName))
        {
            return Fail("not checked (no IAM reader or role)");
        }

        string caller, json;
        try
        {
            caller = (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken).ConfigureAwait(false)).Arn;
        }
        catch (AmazonServiceException e)
        {
            return Fail($"no gateway identity ({e.ErrorCode})");
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or TimeoutException)
        {
            return Fail($"no gateway identity (error: {e.GetType().Name} calling STS at {sts.Config.ServiceURL ?? sts.Config.RegionEndpoint?.SystemName} ({VerificationEndpoints.Cause(e)}))");
        }

        try
        {
            json = await iam.GetAssumeRolePolicyAsync(roleName, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            return Fail($"cannot inspect ({(string.IsNullOrEmpty(e.ErrorCode) ? e.GetType().Name : e.ErrorCode)})");
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Fail($"cannot inspect (error: {e.GetType().Name} calling {iam.Endpoint} ({VerificationEndpoints.Cause(e)}))");
        }

        if (!PolicyDocument.TryParse(json, out var trust, out _))
        {
            return Fail("cannot inspect (trust policy not understood)");
        }

        var (passed, observed) = Analyze(trust, caller);
        return new VerificationCheck(name, Expected, observed, passed);
    }

    private static bool CoversAssumeRole(PolicyStatement statement)
    {
        if (statement.Actions is { } actions)
        {
            return actions.Any(a => Matches(a, "sts:AssumeRole"));
        }

        // NotAction: covers AssumeRole unless it is excluded.
        return statement.NotActions is not { } notActions || !notActions.Any(a => Matches(a, "sts:AssumeRole"));
    }

    private static bool Matches(string pattern, string action)
    {
        if (pattern == "*")
        {
            return true;
        }

        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(action, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static bool IsGateway(string principal, string gateway) => string.Equals(principal, gateway, StringComparison.Ordinal);
}

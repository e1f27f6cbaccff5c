using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;

namespace LocalAws.Sts;

/// <summary>
/// AssumeRole's form parameters → <see cref="AssumeRoleRequest"/>, validated in AWS's order; the first violation is the
/// <see cref="StsError"/> AWS sends (<c>ValidationError</c> 400 with its "1 validation error detected: Value at 'member'
/// failed to satisfy constraint: …" text). <c>PolicyArns.member.N.arn</c> is accepted and ignored (LocalAws has no
/// managed policies; see docs/localaws.md).
/// </summary>
internal static partial class AssumeRoleRequestParser
{
    public const int MaxPolicyLength = 2048;
    public const int MinDurationSeconds = 900;
    public const int MaxDurationSeconds = 43200;
    public const int MaxTags = 50;

    public static bool TryParse(
        IReadOnlyDictionary<string, StringValues> form,
        [NotNullWhen(true)] out AssumeRoleRequest? request,
        [NotNullWhen(false)] out StsError? error)
    {
        ArgumentNullException.ThrowIfNull(form);
        error = Validate(form, out request);
        return error is null;
    }

    private static StsError? Validate(IReadOnlyDictionary<string, StringValues> form, out AssumeRoleRequest? request)
    {
        request = null;
        var roleArn = Get(form, "RoleArn");
        var sessionName = Get(form, "RoleSessionName");
        var policy = Get(form, "Policy");
        var sourceIdentity = Get(form, "SourceIdentity");
        var externalId = Get(form, "ExternalId");
        var durationText = Get(form, "DurationSeconds");

        if (roleArn is null)
        {
            return StsError.ValidationConstraint("roleArn", "Member must not be null");
        }

        if (roleArn.Length is < 20 or > 2048)
        {
            return StsError.ValidationConstraint("roleArn", "Member must have length between 20 and 2048");
        }

        if (sessionName is null)
        {
            return StsError.ValidationConstraint("roleSessionName", "Member must not be null");
        }

        if (SessionNameError(sessionName, "roleSessionName") is { } nameError)
        {
            return nameError;
        }

        if (sourceIdentity is not null)
        {
            if (SessionNameError(sourceIdentity, "sourceIdentity") is { } sourceError)
            {
                return sourceError;
            }

            if (sourceIdentity.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                return StsError.Validation("SourceIdentity cannot start with the reserved prefix 'aws:'.");
            }
        }

        if (externalId is not null && (externalId.Length is < 2 or > 1224 || !ExternalIdPattern().IsMatch(externalId)))
        {
            return StsError.ValidationConstraint("externalId", "Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*");
        }

        var duration = AssumeRoleRequest.DefaultDurationSeconds;
        if (durationText is not null && (!int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out duration) || duration < MinDurationSeconds || duration > MaxDurationSeconds))
        {
            return StsError.ValidationConstraint("durationSeconds", "Member must have value between 900 and 43200");
        }

        if (policy is not null && PolicyError(policy) is { } policyError)
        {
            return policyError;
        }

        var tags = new List<KeyValuePair<string, string>>();
        for (var i = 1; ; i++)
        {
            var key = Get(form, $"Tags.member.{i}.Key");
            if (key is null)
            {
                break;
            }

            var value = Get(form, $"Tags.member.{i}.Value") ?? string.Empty;
            if (key.Length is < 1 or > 128 || value.Length > 256)
            {
                return StsError.ValidationConstraint($"tags.{i}.member", "Tag keys must have 1-128 characters and values at most 256");
            }

            tags.Add(new(key, value));
        }

        if (tags.Count > MaxTags)
        {
            return StsError.ValidationConstraint("tags", $"Member must have length less than or equal to {MaxTags}");
        }

        if (tags.GroupBy(t => t.Key, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            return StsError.Validation("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
        }

        var transitive = new List<string>();
        for (var i = 1; Get(form, $"TransitiveTagKeys.member.{i}") is { } transitiveKey; i++)
        {
            transitive.Add(transitiveKey);
        }

        if (transitive.Any(t => !tags.Any(tag => string.Equals(tag.Key, t, StringComparison.OrdinalIgnoreCase))))
        {
            return StsError.Validation("The specified transitive tag key must be included in the requested tags.");
        }

        request = new AssumeRoleRequest
        {
            RoleArn = roleArn,
            RoleSessionName = sessionName,
            Policy = policy,
            DurationSeconds = duration,
            SourceIdentity = sourceIdentity,
            ExternalId = externalId,
            Tags = tags,
            TransitiveTagKeys = transitive,
        };
        return null;
    }

    private static StsError? PolicyError(string policy)
    {
        if (policy.Length > MaxPolicyLength)
        {
            return StsError.ValidationConstraint("policy", $"Member must have length less than or equal to {MaxPolicyLength}");
        }

        if (policy.Length == 0)
        {
            return StsError.ValidationConstraint("policy", "Member must have length greater than or equal to 1");
        }

        return policy.Any(c => c is not ('\t' or '\n' or '\r') && c is < '\u0020' or > '\u00FF')
            ? StsError.ValidationConstraint("policy", "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
            : null;
    }

    private static StsError? SessionNameError(string value, string member)
    {
        if (value.Length is < 2 or > 64)
        {
            return StsError.ValidationConstraint(member, "Member must have length between 2 and 64");
        }

        return SessionNamePattern().IsMatch(value)
            ? null
            : StsError.ValidationConstraint(member, "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    }

    private static string? Get(IReadOnlyDictionary<string, StringValues> form, string name)
        => form.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@:/-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ExternalIdPattern();
}

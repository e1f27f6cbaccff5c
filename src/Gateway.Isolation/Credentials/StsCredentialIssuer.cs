using System.Diagnostics;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Permissions;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// STS AssumeRole with the session policy from <see cref="SessionPolicyBuilder"/> (or the ABAC session tags),
/// RoleSessionName / SourceIdentity from <see cref="SessionNames"/>, through <see cref="StsResiliencePipeline"/>.
/// </summary>
internal sealed class StsCredentialIssuer : ICredentialIssuer
{
    private readonly IAmazonSecurityTokenService _sts;
    private readonly StsResiliencePipeline _pipeline;
    private readonly SessionPolicyBuilder _builder;
    private readonly PermissionSetCatalog _catalog;
    private readonly TenantIsolationOptions _options;
    private readonly IsolationMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly int _durationSeconds;
    private readonly StsCallWindow? _window;

    public StsCredentialIssuer(IAmazonSecurityTokenService sts, StsResiliencePipeline pipeline, PermissionSetCatalog catalog, IOptions<TenantIsolationOptions> options, IsolationMetrics metrics, TimeProvider time, StsCallWindow? window = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipeline);
        _sts = sts;
        _pipeline = pipeline;
        _catalog = catalog;
        _builder = new SessionPolicyBuilder(catalog.Scope);
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _window = window;
        _durationSeconds = (int)_options.CredentialLifetime.TotalSeconds;
        metrics?.ObserveCircuitState(() => (int)pipeline.CircuitState.CircuitState);
    }

    public async Task<ScopedCredentials> IssueAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(permissionSet);
        var request = BuildRequest(key, permissionSet);
        using var activity = IsolationTelemetry.Source.StartActivity(IsolationTelemetry.AssumeRoleSpan, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag(IsolationTelemetry.OrganizationTag, key.OrganizationId.Value);
            activity.SetTag(IsolationTelemetry.PermissionSetTag, permissionSet.Name);
            activity.SetTag(IsolationTelemetry.SessionTag, request.RoleSessionName);
            activity.SetTag("rpc.system", "aws-api");
            activity.SetTag("rpc.service", "STS");
            activity.SetTag("rpc.method", "AssumeRole");
        }

        var started = _time.GetTimestamp();
        var succeeded = false;
        try
        {
            var response = await _pipeline.Pipeline.ExecuteAsync(
                static async (state, ct) => await state._sts.AssumeRoleAsync(state.request, ct).ConfigureAwait(false),
                (_sts, request),
                cancellationToken).ConfigureAwait(false);
            var c = response.Credentials ?? throw new CredentialsRejectedException("STS returned no credentials.");
            if (string.IsNullOrEmpty(c.AccessKeyId) || string.IsNullOrEmpty(c.SecretAccessKey) || string.IsNullOrEmpty(c.SessionToken) || c.Expiration is null)
            {
                throw new CredentialsRejectedException("STS returned incomplete credentials.");
            }

#pragma warning disable CS0618 // Still what AssumeRole returns (percent of the packed limit); the SDK marks it deprecated.
            var packedPolicySize = response.PackedPolicySize;
            if (activity is not null && packedPolicySize is { } packed)
            {
                // How close the session policy (and tags) came to STS's packed limit: a sharded organization's exact key
                // list is the largest policy the gateway sends.
                activity.SetTag("aws.sts.packed_policy_size", packed);
            }
#pragma warning restore CS0618

            var expiration = c.Expiration.Value;
            if (expiration.Kind == DateTimeKind.Unspecified)
            {
                expiration = DateTime.SpecifyKind(expiration, DateTimeKind.Utc);
            }

            succeeded = true;
            return new ScopedCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken, new DateTimeOffset(expiration.ToUniversalTime()), request.RoleSessionName)
            {
                PackedPolicySize = packedPolicySize,
            };
        }
        catch (BrokenCircuitException ex)
        {
            MarkFailed(activity, ex);
            throw new IssuerUnavailableException("The STS circuit is open.", ex.RetryAfter, ex);
        }
        catch (Exception ex) when (activity is not null)
        {
            MarkFailed(activity, ex);
            throw;
        }
        finally
        {
            activity?.SetTag(IsolationTelemetry.OutcomeTag, succeeded ? "ok" : activity.GetTagItem(IsolationTelemetry.OutcomeTag) ?? "failed");
            _metrics.StsCall(_time.GetElapsedTime(started), succeeded);
            if (succeeded || !cancellationToken.IsCancellationRequested)
            {
                _window?.Record(succeeded); // a caller that gave up says nothing about STS
            }
        }
    }

    /// <summary>Tags the span with the exception's type only: an STS message could quote the request.</summary>
    private static void MarkFailed(Activity? activity, Exception ex)
    {
        activity?.SetTag(IsolationTelemetry.OutcomeTag, ex.GetType().Name);
        activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
    }

    internal AssumeRoleRequest BuildRequest(CredentialKey key, PermissionSet permissionSet)
    {
        var request = new AssumeRoleRequest
        {
            RoleArn = _options.RoleArn,
            RoleSessionName = SessionNames.RoleSessionName(key.OrganizationId, key.PermissionSet, key.UserId),
            DurationSeconds = _durationSeconds,
        };
        if (!string.IsNullOrEmpty(_options.ExternalId))
        {
            request.ExternalId = _options.ExternalId;
        }

        // The tenant role's trust requires a SourceIdentity on every AssumeRole: the user for per-user sessions, the
        // configured gateway identity for shared organization sessions (the audit log maps request -> user -> session).
        request.SourceIdentity = key.UserId is not null ? SessionNames.SourceIdentity(key.UserId) : _options.SourceIdentity;

        if (_options.Mode == IsolationMode.Abac)
        {
            var abac = _builder.BuildAbac(key.OrganizationId, permissionSet);
            request.Tags = abac.SessionTags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList();
            // The set's own role as the catalog has it (it follows reloads of TenantIsolation:PermissionSets).
            request.RoleArn = _catalog.RoleArnOf(permissionSet) ?? request.RoleArn;
        }
        else
        {
            request.Policy = _builder.Build(key.OrganizationId, permissionSet, key.Shards).Json;
            // No authority here (no policy in this mode reads it): the tag lets an operator's revocation deny exactly this
            // organization's sessions (Gateway.dll revoke, the tenant-revocations role policy) — the session name cannot,
            // since a long organization id is hashed out of it.
            request.Tags = [new Tag { Key = SessionPolicyBuilder.OrganizationTagKey, Value = key.OrganizationId.Value }];
        }

        return request;
    }

    public async Task CheckReachableAsync(CancellationToken cancellationToken)
        => await _sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken).ConfigureAwait(false);
}

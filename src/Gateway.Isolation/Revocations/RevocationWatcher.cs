using System.Globalization;
using Amazon.Runtime;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Permissions;
using Gateway.Policies.Documents;
using Gateway.Policies.Revocations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Revocations;

/// <summary>
/// Reads the tenant roles' <c>tenant-revocations</c> inline policy (written by <c>Gateway.dll revoke</c>) with the gateway's
/// own identity — IAM <c>GetRolePolicy</c>, read-only — at start-up and every <c>TenantIsolation:Revocations:PollInterval</c>,
/// and keeps <see cref="RevocationCutoffs"/> current: the credential cache then refuses the sets it requested before a
/// cut-off and re-mints them, and a newly seen cut-off overtakes the loads under way for its organization. This is what
/// lets a single gateway (no fleet to evict) serve a revoked, then reactivated, organization again without a restart.
/// </summary>
/// <remarks>
/// The Deny is IAM's: a failed read changes nothing IAM enforces. It keeps the cut-offs last read for that role (never
/// clears them, never invents one), logs one warning per role and cause — AccessDenied names the missing
/// <c>iam:GetRolePolicy</c> (a stack older than this gateway) — counts it (<c>gateway.revocations.reads</c>) and
/// <c>/readyz</c> reports <c>revocations</c> Degraded (still 200: the instance serves; only the re-mint after a revoke
/// waits for refresh-ahead). A statement revoke did not write is noted once and skipped: whose sessions it denies is
/// unknown here, and IAM enforces it anyway.
/// </remarks>
internal sealed partial class RevocationWatcher : BackgroundService
{
    private readonly IRolePolicyReader _reader;
    private readonly RevocationCutoffs _cutoffs;
    private readonly CredentialCache _cache;
    private readonly PermissionSetCatalog _catalog;
    private readonly RevocationOptions _options;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly ILogger<RevocationWatcher> _logger;
    private readonly Dictionary<string, IReadOnlyList<Revocation>> _lastRead = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Status _status = new(null, null, false, null);

    public RevocationWatcher(IRolePolicyReader reader, RevocationCutoffs cutoffs, CredentialCache cache, PermissionSetCatalog catalog, IOptions<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, ILogger<RevocationWatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reader = reader;
        _cutoffs = cutoffs;
        _cache = cache;
        _catalog = catalog;
        _options = options.Value.Revocations;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    public bool Enabled => _options.Enabled;

    public TimeSpan PollInterval => _options.PollInterval;

    /// <summary>When every tenant role was last read (null: not yet), and the failures of the last read (null: none).</summary>
    public Status Current => _status;

    /// <summary>Active revocations known to this gateway.</summary>
    public int ActiveRevocations => _cutoffs.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One read of every tenant role (internal for tests); never throws but for cancellation.</summary>
    internal async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var roles = _catalog.TenantRoleNames();
            var failures = new List<string>();
            var refused = false;
            foreach (var role in roles)
            {
                if (await ReadAsync(role, cancellationToken).ConfigureAwait(false) is { } failure)
                {
                    failures.Add(failure.Description);
                    refused |= failure.Refused;
                }
            }

            var now = _time.GetUtcNow();
            var changed = _cutoffs.Update(roles.SelectMany(r => _lastRead.TryGetValue(r, out var e) ? e : []), now, out var future);
            if (future > 0)
            {
                Log.FutureCutoff(_logger, future, now.ToString("O", CultureInfo.InvariantCulture));
            }

            foreach (var organization in changed)
            {
                // After the update above: a load that begins now already sees the cut-off (it waits out the clock skew).
                _cache.OvertakeLoads(organization);
            }

            if (changed.Count > 0)
            {
                var organizations = string.Join(", ", changed.Select(o => o.Value));
                Log.Changed(_logger, organizations, _cutoffs.Count);
            }

            var previous = _status;
            _status = failures.Count == 0
                ? new Status(now, null, false, null)
                : new Status(previous.LastRead, string.Join("; ", failures), refused, previous.FailingSince ?? now);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads one role into <see cref="_lastRead"/>; a failure keeps its last entries and is described.</summary>
    private async Task<(string Description, bool Refused)?> ReadAsync(string role, CancellationToken cancellationToken)
    {
        string? failure;
        string result;
        var refused = true;
        try
        {
            var json = await _reader.GetRolePolicyAsync(role, TenantRevocations.PolicyName, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> foreign = [];
            var revocations = json is null ? TenantRevocations.Empty : TenantRevocations.ParseKnown(json, out foreign);
            foreach (var statement in foreign)
            {
                if (_ignored.Add(statement))
                {
                    Log.StatementIgnored(_logger, role, statement);
                }
            }

            _lastRead[role] = revocations.Entries;
            _metrics.RevocationRead("ok");
            if (_failures.Remove(role))
            {
                Log.Restored(_logger, role, _reader.Endpoint);
            }

            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode is "AccessDenied" or "AccessDeniedException")
        {
            result = "access_denied";
            failure = $"{_reader.Endpoint} refused GetRolePolicy on role {role} (AccessDenied): the gateway's identity lacks iam:GetRolePolicy on it (a stack older than this gateway: update it); IAM still enforces every revocation, but cached credentials of a revoked organization are served until refresh-ahead replaces them";
        }
        catch (PolicyDocumentException ex)
        {
            result = "failed";
            failure = $"{TenantRevocations.PolicyName} of role {role} is not a policy document ({ex.Message})";
        }
#pragma warning disable CA1031 // any failure to read keeps the last cut-offs: IAM enforces the Deny either way
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = "failed";
            refused = false;
            failure = $"reading {TenantRevocations.PolicyName} of role {role} from {_reader.Endpoint} failed ({ex.GetType().Name}{(ex is AmazonServiceException { ErrorCode: { } code } ? " " + code : string.Empty)})";
        }

        _metrics.RevocationRead(result);
        if (!_failures.TryGetValue(role, out var previous) || !string.Equals(previous, failure, StringComparison.Ordinal))
        {
            _failures[role] = failure;
            Log.ReadFailed(_logger, failure);
        }

        return (failure, refused);
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// The last complete read (every role answered); the failures of the latest read, if any; whether IAM refused a read or
    /// the document is malformed (<paramref name="Refused"/>: it will not heal by itself) rather than a transient failure;
    /// and since when reads have been failing.
    /// </summary>
    internal sealed record Status(DateTimeOffset? LastRead, string? Failure, bool Refused, DateTimeOffset? FailingSince);

    private static partial class Log
    {
        [LoggerMessage(EventId = IsolationLogEvents.RevocationsChanged, Level = LogLevel.Information, Message = "Revocations changed (tenant-revocations) for organization(s) {Organizations}: their cached credential sets requested before the cut-off are re-minted; {Active} active revocation(s)")]
        public static partial void Changed(ILogger logger, string organizations, int active);

        [LoggerMessage(EventId = IsolationLogEvents.RevocationsReadFailed, Level = LogLevel.Warning, Message = "Revocations: {Failure}; the cut-offs read before stay in force")]
        public static partial void ReadFailed(ILogger logger, string failure);

        [LoggerMessage(EventId = IsolationLogEvents.RevocationsReadRestored, Level = LogLevel.Information, Message = "Revocations: tenant-revocations of role {Role} is readable again at {Endpoint}")]
        public static partial void Restored(ILogger logger, string role, string endpoint);

        [LoggerMessage(EventId = IsolationLogEvents.RevocationStatementIgnored, Level = LogLevel.Warning, Message = "Revocations: role {Role}: {Statement}; the gateway ignores it (IAM enforces it regardless)")]
        public static partial void StatementIgnored(ILogger logger, string role, string statement);

        [LoggerMessage(EventId = IsolationLogEvents.RevocationStatementIgnored, Level = LogLevel.Warning, Message = "Revocations: {Count} cut-off(s) later than this gateway's clock ({Now}); counted from now (the operator's clock or this one is wrong)")]
        public static partial void FutureCutoff(ILogger logger, int count, string now);
    }
}

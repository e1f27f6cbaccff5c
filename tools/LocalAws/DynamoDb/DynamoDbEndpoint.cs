using System.Globalization;
using System.Text.Json;
using Gateway.Policies;
using Gateway.Policies.DynamoDb;
using Gateway.Policies.Evaluation;
using LocalAws.Diagnostics;
using LocalAws.Dynalite;
using LocalAws.Identity;
using LocalAws.Signing;

namespace LocalAws.DynamoDb;

/// <summary>
/// The IAM-enforcing DynamoDB front (JSON protocol). Order: authenticate (SigV4, key, token, expiry) → analyze the
/// request into IAM checks (Gateway.Policies analyzer; "cannot analyze" is a deny) → evaluate identity ∩ session
/// policy per check → the per-partition-key throughput budget (<see cref="PartitionThroughput"/>) → forward the untouched
/// body to the upstream and stream its answer back (with x-amz-crc32).
/// </summary>
internal sealed class DynamoDbEndpoint(
    RequestAuthenticator authenticator,
    UpstreamDynamoDb upstream,
    KeySchemaCache schemas,
    DecisionCache decisions,
    AwsScope scope,
    LocalAwsStats stats,
    PartitionThroughput throughput,
    ILogger<DynamoDbEndpoint> logger)
{
    public const string Service = "dynamodb";
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    private static readonly HashSet<string> s_notExecuted = new(StringComparer.Ordinal)
    {
        "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
    };

    private static readonly HashSet<string> s_schemaChanging = new(StringComparer.Ordinal) { "CreateTable", "DeleteTable", "UpdateTable" };

    private static readonly string[] s_forwardedResponseHeaders = ["x-amz-crc32", "x-amzn-RequestId"];

    private readonly DynamoDbRequestAnalyzer _analyzer = new(scope);

    public static bool IsDynamoDbRequest(HttpRequest request)
        => request.Headers["X-Amz-Target"].ToString().StartsWith(DynamoDbRequestAnalyzer.TargetPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.RequestAborted;
        stats.DynamoDbRequest();
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            await WriteErrorAsync(context, "com.amazon.coral.validate#ValidationException", "ValidationException", "Request body is too large.", lowerCaseMessage: true);
            return;
        }

        var operation = context.Request.Headers["X-Amz-Target"].ToString()[DynamoDbRequestAnalyzer.TargetPrefix.Length..];

        var auth = authenticator.Authenticate(context.Request, body, Service);
        if (!auth.Succeeded)
        {
            var code = auth.Failure switch
            {
                AuthFailure.MissingAuthenticationToken => "MissingAuthenticationTokenException",
                AuthFailure.IncompleteSignature => "IncompleteSignatureException",
                AuthFailure.UnrecognizedClient => "UnrecognizedClientException",
                AuthFailure.ExpiredToken => "ExpiredTokenException",
                _ => "InvalidSignatureException",
            };
            Log.AuthenticationFailed(logger, Service, auth.AccessKeyId, code, auth.Message);
            stats.DynamoDbDenied(code);
            await WriteErrorAsync(context, "com.amazon.coral.service#" + code, code, auth.Message, lowerCaseMessage: true);
            return;
        }

        var principal = auth.Principal;
        var (denial, tables, checks) = await AuthorizeAsync(principal, operation, body, cancellationToken);
        if (denial is not null)
        {
            stats.DynamoDbDenied("AccessDeniedException");
            await WriteErrorAsync(context, "com.amazon.coral.service#AccessDeniedException", "AccessDeniedException", denial, lowerCaseMessage: false);
            return;
        }

        if (s_notExecuted.Contains(operation))
        {
            stats.DynamoDbAllowed();
            await WriteErrorAsync(
                context,
                "com.amazonaws.dynamodb.v20120810#UnknownOperationException",
                "UnknownOperationException",
                $"LocalAws authorized {operation} but does not execute it: dynalite implements no transactions or PartiQL.",
                lowerCaseMessage: false);
            return;
        }

        var charges = throughput.Enabled ? ThroughputCharges.For(operation, body, checks, schemas.Find) : [];
        if (!throughput.TryAdmit(charges))
        {
            stats.DynamoDbThrottled();
            Log.Throttled(logger, principal.Arn, operation);
            await WriteErrorAsync(
                context,
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
                lowerCaseMessage: true);
            return;
        }

        stats.DynamoDbAllowed();
        var bytesRead = await ForwardAsync(context, operation, body, tables, cancellationToken);
        if (bytesRead is { } read && ThroughputCharges.Reads(charges) is { Count: > 0 } reads)
        {
            throughput.ChargeRead(reads, read, ThroughputCharges.IsConsistentRead(body));
        }
    }

    /// <summary>
    /// Denial: null when every check is allowed, otherwise the AWS-style denial message. Tables: those the body names,
    /// from the same single parse of the body as the analysis.
    /// </summary>
    private async Task<(string? Denial, IReadOnlyList<string> Tables, IReadOnlyList<AuthorizationCheck> Checks)> AuthorizeAsync(Principal principal, string operation, byte[] body, CancellationToken cancellationToken)
    {
        RequestAnalysis analysis;
        IReadOnlyList<string> tables = [];
        try
        {
            var analyzed = await _analyzer.AnalyzeAsync(
                operation,
                body,
                (referenced, ct) =>
                {
                    tables = referenced; // kept for the denial message even when loading the schemas fails
                    return new ValueTask(schemas.LoadAsync(referenced, ct));
                },
                schemas.Find,
                cancellationToken);
            analysis = analyzed.Analysis;
        }
#pragma warning disable CA1031 // Fail closed: any analyzer failure is a deny.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            analysis = RequestAnalysis.CannotAnalyze(operation, $"request analysis failed ({e.GetType().Name})");
        }

        var action = "dynamodb:" + operation;
        if (!analysis.Succeeded)
        {
            var resource = tables.Count > 0 ? scope.TableArnOrWildcard(tables[0]) : "*";
            Log.AuthorizationDenied(logger, principal.Arn, action, resource, "cannot analyze: " + analysis.Error);
            return ($"User: {principal.Arn} is not authorized to perform: {action} on resource: {resource} because LocalAws could not analyze the request ({analysis.Error})", tables, []);
        }

        if (analysis.Checks.Count == 0)
        {
            Log.AuthorizationDenied(logger, principal.Arn, action, "*", "analysis produced no checks");
            return ($"User: {principal.Arn} is not authorized to perform: {action} on resource: * because LocalAws could not analyze the request (no authorization checks)", tables, []);
        }

        foreach (var check in analysis.Checks)
        {
            EvaluationResult result;
            try
            {
                result = decisions.Authorize(principal, check, c => c.ToRequest(principal.Context) with { PrincipalArn = principal.Arn });
            }
#pragma warning disable CA1031 // Fail closed.
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = new EvaluationResult(Decision.ImplicitDeny, $"building the authorization request failed ({e.GetType().Name})");
            }

            if (!result.IsAllowed)
            {
                Log.AuthorizationDenied(logger, principal.Arn, check.Action, check.Resource, $"{result.Decision} by {result.PolicyKind ?? "policy"}: {result.Reason}");
                return (Authorizer.DenialMessage(principal.Arn, check.Action, check.Resource, result), tables, []);
            }
        }

        return (null, tables, analysis.Checks);
    }

    /// <summary>Streams the upstream's answer back; the bytes of a successful answer (for read units), null otherwise.</summary>
    private async Task<long?> ForwardAsync(HttpContext context, string operation, byte[] body, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        HttpResponseMessage upstreamResponse;
        try
        {
            upstreamResponse = await upstream.SendAsync(operation, body, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            Log.UpstreamFailed(logger, operation, e);
            await WriteErrorAsync(context, "com.amazon.coral.service#InternalFailure", "InternalFailure", "The DynamoDB upstream did not answer.", lowerCaseMessage: false, status: 500);
            return null;
        }

        using (upstreamResponse)
        {
            var response = context.Response;
            response.StatusCode = (int)upstreamResponse.StatusCode;
            response.ContentType = upstreamResponse.Content.Headers.ContentType?.ToString() ?? UpstreamDynamoDb.JsonContentType;
            foreach (var name in s_forwardedResponseHeaders)
            {
                if (upstreamResponse.Headers.TryGetValues(name, out var values) || upstreamResponse.Content.Headers.TryGetValues(name, out values))
                {
                    response.Headers[name] = values.ToArray();
                }
            }

            if (upstreamResponse.Content.Headers.ContentLength is { } length)
            {
                response.ContentLength = length;
            }

            long copied = 0;
            await using (var stream = await upstreamResponse.Content.ReadAsStreamAsync(cancellationToken))
            {
                var buffer = new byte[16 * 1024];
                int n;
                while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await response.Body.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    copied += n;
                }
            }

            if (s_schemaChanging.Contains(operation) && upstreamResponse.IsSuccessStatusCode)
            {
                foreach (var table in tables)
                {
                    schemas.Invalidate(table);
                }
            }

            return upstreamResponse.IsSuccessStatusCode ? copied : null;
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, string type, string code, string message, bool lowerCaseMessage, int status = 400)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", type);
            writer.WriteString(lowerCaseMessage ? "message" : "Message", message);
            writer.WriteEndObject();
        }

        var bytes = buffer.ToArray();
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = UpstreamDynamoDb.JsonContentType;
        response.Headers["x-amzn-ErrorType"] = code;
        response.Headers["x-amz-crc32"] = Crc32.Compute(bytes).ToString(CultureInfo.InvariantCulture);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}

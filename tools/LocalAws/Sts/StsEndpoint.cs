using System.Text;
using LocalAws.Diagnostics;
using LocalAws.Identity;
using LocalAws.Signing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace LocalAws.Sts;

/// <summary>
/// STS over the Query protocol: AssumeRole and GetCallerIdentity. Fault injection, SigV4, then AssumeRole's form is
/// parsed (<see cref="AssumeRoleRequestParser"/>) and a session issued (<see cref="AssumeRoleSessionIssuer"/>: role,
/// duration, identity + trust policy, policy JSON and size); answers with AWS-shaped XML.
/// </summary>
internal sealed class StsEndpoint(
    IamDirectory directory,
    RequestAuthenticator authenticator,
    AssumeRoleSessionIssuer issuer,
    FaultInjector faults,
    LocalAwsStats stats,
    ILogger<StsEndpoint> logger)
{
    public const string Service = "sts";

    private const int MaxBodyBytes = 64 * 1024;

    public static bool IsStsRequest(HttpRequest request)
        => HttpMethods.IsPost(request.Method)
           && request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = Guid.NewGuid().ToString();
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await WriteAsync(context, StsXml.Error(StsError.Validation("Request body is too large."), requestId), 400, requestId);
            return;
        }

        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        var action = Get(form, "Action") ?? string.Empty;
        if (action == "AssumeRole")
        {
            stats.AssumeRoleCalled();
            var fault = faults.Current;
            if (fault.Mode == StsFaultMode.Latency && fault.Latency > TimeSpan.Zero)
            {
                await Task.Delay(fault.Latency, context.RequestAborted);
            }

            StsError? injected = fault.Mode switch
            {
                StsFaultMode.Throttle => new StsError(400, "Throttling", "Rate exceeded"),
                StsFaultMode.Error => new StsError(500, "InternalFailure", "LocalAws injected an internal failure."),
                StsFaultMode.Unavailable => new StsError(503, "ServiceUnavailable", "LocalAws injected service unavailability."),
                _ => null,
            };
            if (injected is not null)
            {
                await FailAsync(context, action, null, injected, requestId);
                return;
            }
        }

        var auth = authenticator.Authenticate(context.Request, body, Service);
        if (!auth.Succeeded)
        {
            var error = StsError.ForAuthentication(auth);
            Log.AuthenticationFailed(logger, Service, auth.AccessKeyId, error.Code, auth.Message);
            await FailAsync(context, action, null, error, requestId);
            return;
        }

        var caller = auth.Principal;
        switch (action)
        {
            case "AssumeRole":
                var outcome = AssumeRoleRequestParser.TryParse(form, out var request, out var invalid)
                    ? issuer.Issue(caller, request)
                    : AssumeRoleOutcome.Failed(invalid);
                if (outcome.Error is not null)
                {
                    await FailAsync(context, action, caller.Arn, outcome.Error, requestId);
                    return;
                }

                stats.AssumeRoleSucceeded();
                await WriteAsync(context, StsXml.AssumeRole(outcome.Result!, requestId), 200, requestId);
                return;
            case "GetCallerIdentity":
                await WriteAsync(context, StsXml.GetCallerIdentity(caller.Arn, caller.UserId, directory.AccountId, requestId), 200, requestId);
                return;
            default:
                await FailAsync(context, action, caller.Arn, new StsError(400, "InvalidAction", $"Could not find operation {action} for version 2011-06-15"), requestId);
                return;
        }
    }

    private async Task FailAsync(HttpContext context, string action, string? caller, StsError error, string requestId)
    {
        stats.StsError(error.Code);
        Log.StsError(logger, action, caller, error.Code, error.Message);
        await WriteAsync(context, StsXml.Error(error, requestId), error.Status, requestId);
    }

    private static async Task WriteAsync(HttpContext context, byte[] body, int status, string requestId)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = StsXml.ContentType;
        response.Headers["x-amzn-RequestId"] = requestId;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static string? Get(Dictionary<string, StringValues> form, string name)
        => form.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;
}

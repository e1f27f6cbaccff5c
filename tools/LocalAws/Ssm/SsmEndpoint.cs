using System.Text.Json;
using Gateway.Policies.Evaluation;
using LocalAws.Diagnostics;
using LocalAws.Identity;
using LocalAws.Signing;

namespace LocalAws.Ssm;

/// <summary>
/// The SSM Parameter Store calls the gateway makes at start-up, <c>GetParameter</c> and <c>GetParameters</c> (AWS JSON 1.1,
/// <c>X-Amz-Target: AmazonSSM.*</c>): SigV4 (service <c>ssm</c>) → IAM (<c>ssm:GetParameter</c> / <c>ssm:GetParameters</c> on
/// each parameter's ARN, identity ∩ session policy) → the seeded <see cref="SsmParameterStore"/>. Any denied name denies
/// the call, as AWS does. KMS is not modelled: SecureString values are returned decrypted when asked (WithDecryption).
/// </summary>
internal sealed class SsmEndpoint(RequestAuthenticator authenticator, SsmParameterStore parameters, ILogger<SsmEndpoint> logger)
{
    public const string Service = "ssm";
    public const string TargetPrefix = "AmazonSSM.";
    private const string ContentType = "application/x-amz-json-1.1";
    private const int MaxBodyBytes = 64 * 1024;

    public static bool IsSsmRequest(HttpRequest request)
        => request.Headers["X-Amz-Target"].ToString().StartsWith(TargetPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.RequestAborted;
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            await WriteErrorAsync(context, "ValidationException", "Request body is too large.");
            return;
        }

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
            await WriteErrorAsync(context, code, auth.Message);
            return;
        }

        var operation = context.Request.Headers["X-Amz-Target"].ToString()[TargetPrefix.Length..];
        if (operation is not ("GetParameter" or "GetParameters"))
        {
            await WriteErrorAsync(context, "UnknownOperationException", $"LocalAws serves SSM GetParameter and GetParameters only, not {operation}.");
            return;
        }

        if (!TryReadRequest(body, operation, out var names, out var withDecryption))
        {
            await WriteErrorAsync(context, "ValidationException", operation == "GetParameter"
                ? "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
                : "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10");
            return;
        }

        var action = "ssm:" + operation;
        foreach (var name in names)
        {
            var resource = SsmParameterStore.Arn(parameters.Scope, name);
            var result = Authorizer.Authorize(auth.Principal, new AuthorizationRequest(action, resource, auth.Principal.Context) { PrincipalArn = auth.Principal.Arn });
            if (!result.IsAllowed)
            {
                Log.AuthorizationDenied(logger, auth.Principal.Arn, action, resource, $"{result.Decision} by {result.PolicyKind ?? "policy"}: {result.Reason}");
                await WriteErrorAsync(context, "AccessDeniedException", Authorizer.DenialMessage(auth.Principal.Arn, action, resource, result));
                return;
            }
        }

        if (operation == "GetParameter")
        {
            if (!parameters.TryGet(names[0], out var parameter))
            {
                await WriteErrorAsync(context, "ParameterNotFound", string.Empty);
                return;
            }

            await WriteAsync(context, writer =>
            {
                writer.WritePropertyName("Parameter");
                WriteParameter(writer, parameter, withDecryption);
            });
            return;
        }

        await WriteAsync(context, writer =>
        {
            writer.WriteStartArray("Parameters");
            foreach (var name in names)
            {
                if (parameters.TryGet(name, out var parameter))
                {
                    WriteParameter(writer, parameter, withDecryption);
                }
            }

            writer.WriteEndArray();
            writer.WriteStartArray("InvalidParameters");
            foreach (var name in names.Where(n => !parameters.TryGet(n, out _)))
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
        });
    }

    private static bool TryReadRequest(byte[] body, string operation, out List<string> names, out bool withDecryption)
    {
        names = [];
        withDecryption = false;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            withDecryption = root.TryGetProperty("WithDecryption", out var decrypt) && decrypt.ValueKind == JsonValueKind.True;
            if (operation == "GetParameter")
            {
                if (root.TryGetProperty("Name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } value)
                {
                    names.Add(value);
                }
            }
            else if (root.TryGetProperty("Names", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } value)
                    {
                        return false;
                    }

                    names.Add(value);
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return names.Count is >= 1 and <= 10;
    }

    private static void WriteParameter(Utf8JsonWriter writer, SsmParameter parameter, bool withDecryption)
    {
        writer.WriteStartObject();
        writer.WriteString("Name", parameter.Name);
        writer.WriteString("Type", parameter.Type);
        // Without decryption AWS returns the KMS ciphertext; LocalAws returns an opaque stand-in, never the value.
        writer.WriteString("Value", withDecryption || parameter.Type != "SecureString" ? parameter.Value : "AQICAHlocalaws-encrypted");
        writer.WriteNumber("Version", 1);
        writer.WriteNumber("LastModifiedDate", parameter.LastModified.ToUnixTimeMilliseconds() / 1000.0);
        writer.WriteString("ARN", parameter.Arn);
        writer.WriteString("DataType", "text");
        writer.WriteEndObject();
    }

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        await WriteBytesAsync(context, 200, buffer.ToArray());
    }

    private static async Task WriteErrorAsync(HttpContext context, string code, string message)
    {
        context.Response.Headers["x-amzn-ErrorType"] = code;
        await WriteBytesAsync(context, 400, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }));
    }

    private static async Task WriteBytesAsync(HttpContext context, int status, byte[] bytes)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}

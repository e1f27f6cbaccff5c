using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>The steps of the incident runbook the end-to-end revocation tests share: a member's request, an organization's status, the CLI as the operator.</summary>
internal static class RunbookSteps
{
    /// <summary>"200", or "STATUS code" from the problem+json body.</summary>
    public static async Task<string> StatusAsync(GatewayTopology topology, HttpClient client, string user, string organization, string path = "/api/applications")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await topology.Aws.MintTokenAsync(user));
        request.Headers.TryAddWithoutValidation("X-Organization-Id", organization);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return "200";
        }

        string? code = null;
        try
        {
            using var problem = JsonDocument.Parse(body);
            code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }
        catch (JsonException)
        {
        }

        return string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {code ?? body}");
    }

    /// <summary>Suspends or reactivates <paramref name="organization"/> (its item in Organizations, as an operator would).</summary>
    public static async Task SetStatusAsync(GatewayTopology topology, string organization, string status)
    {
        using var dynamo = topology.Aws.CreateDynamoDbClient(topology.Aws.AdminCredentials);
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Organizations",
            Key = new() { ["organizationId"] = new AttributeValue { S = organization } },
            UpdateExpression = "SET #s = :s",
            ExpressionAttributeNames = new() { ["#s"] = "status" },
            ExpressionAttributeValues = new() { [":s"] = new AttributeValue { S = status } },
        });
    }

    /// <summary>The gateway binary's verb with the topology's gateway configuration (plus <paramref name="extra"/>) and the operator's identity (LocalAws's <c>operator</c>).</summary>
    public static Task<ProcessRun> OperatorCliAsync(GatewayTopology topology, IEnumerable<KeyValuePair<string, string?>> extra, TimeSpan timeout, params string[] args)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in TopologyEnvironment.Gateway(topology.Aws.Url, topology.ApplicationsUrl))
        {
            env[key] = value;
        }

        foreach (var (key, value) in extra)
        {
            env[key] = value;
        }

        env["AWS_ACCESS_KEY_ID"] = LocalAwsHost.OperatorAccessKeyId;
        env["AWS_SECRET_ACCESS_KEY"] = LocalAwsHost.OperatorSecretAccessKey;
        env["AWS_PROFILE"] = null;
        return ProcessHost.RunDotnetAsync([Built.Dll("src/Gateway", "Gateway"), .. args], env, RepoPaths.Root, timeout);
    }
}

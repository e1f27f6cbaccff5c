using System.Globalization;
using Gateway.Testing;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>The sample Applications API in legacy mode (<c>Applications__LegacyTable</c>) as a real process: the legacy cluster's backend.</summary>
internal sealed class LegacyBackend : ITopologyBackend
{
    private readonly ProcessHost _process;

    private LegacyBackend(ProcessHost process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ITopologyBackend> StartAsync(LocalAwsHost aws, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = TopologyEnvironment.EnvironmentName,
            ["Urls"] = TopologyEnvironment.Origin(address),
            ["TenantContext__DynamoDb__ServiceUrl"] = TopologyEnvironment.Origin(aws.Url),
            ["Applications__LegacyTable"] = LegacyData.Table,
            ["AWS_ACCESS_KEY_ID"] = LocalAwsHost.AdminAccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = LocalAwsHost.AdminSecretAccessKey,
            ["AWS_REGION"] = LocalAwsHost.Region,
        };
        var process = await ProcessHost.StartDotnetAsync(Built.Dll("samples/Applications.Api", "Applications.Api"), [], env, RepoPaths.Root, null, new Uri(address, "healthz"), TimeSpan.FromSeconds(60), cancellationToken);
        return new LegacyBackend(process, address);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

using Gateway.Testing;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>Runs <c>Gateway.Migration.dll</c> as a process against a LocalAws, as the migration operator (admin) with the gateway's Local configuration.</summary>
public sealed class MigrationRunner(LocalAwsHost aws, string workDirectory)
{
    public static string Dll => Built.Dll("src/Gateway.Migration", "Gateway.Migration");

    public string WorkDirectory { get; } = workDirectory;

    public Dictionary<string, string?> Environment { get; } = new()
    {
        ["AWS_ACCESS_KEY_ID"] = LocalAwsHost.AdminAccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = LocalAwsHost.AdminSecretAccessKey,
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_REGION"] = LocalAwsHost.Region,
        ["ASPNETCORE_ENVIRONMENT"] = "Local",
    };

    /// <summary>The common arguments: the LocalAws endpoint and the repository's gateway configuration.</summary>
    public string[] Common => ["--endpoint", aws.Url.ToString(), "--gateway-config", RepoPaths.Root];

    public Task<ProcessRun> RunAsync(params string[] args) => RunAsync(TimeSpan.FromMinutes(3), args);

    public Task<ProcessRun> RunAsync(TimeSpan timeout, params string[] args)
        => ProcessHost.RunDotnetAsync([Dll, .. args, .. Common], Environment, WorkDirectory, timeout);

    /// <summary>Starts the migration without waiting for it (to kill it half way).</summary>
    public Task<ProcessHost> StartAsync(params string[] args)
        => ProcessHost.StartDotnetAsync(Dll, [.. args, .. Common], Environment, WorkDirectory, null, null, TimeSpan.FromSeconds(30));
}

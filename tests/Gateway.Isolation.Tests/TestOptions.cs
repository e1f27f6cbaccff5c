using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Tests;

/// <summary>A valid TenantIsolation configuration mirroring the shipped one, for unit tests to modify.</summary>
internal static class TestOptions
{
    public static TenantIsolationOptions Valid() => new()
    {
        RoleArn = "arn:aws:iam::000000000000:role/TenantDataAccess",
        Tables = new() { ["Applications"] = new TenantTableOptions { PartitionKey = "organizationId" } },
        PermissionSets = new()
        {
            ["read-write"] = new PermissionSetOptions { Tables = new() { ["Applications"] = TableAccessLevel.ReadWrite } },
            ["read-only"] = new PermissionSetOptions { Tables = new() { ["Applications"] = TableAccessLevel.Read } },
        },
        Roles = new() { ["ADMINISTRATOR"] = "read-write", ["MEMBER"] = "read-write", ["VIEWER"] = "read-only" },
    };

    public static IOptions<T> Wrap<T>(T value)
        where T : class => Options.Create(value);

    /// <summary>An options monitor whose <see cref="Monitor{T}.CurrentValue"/> a test sets (a reload without a file).</summary>
    public static Monitor<T> Watch<T>(T value)
        where T : class => new(value);

    internal sealed class Monitor<T>(T value) : IOptionsMonitor<T>
        where T : class
    {
        public T CurrentValue { get; set; } = value;

        public T Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}

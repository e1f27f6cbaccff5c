using Gateway.Configuration;
using Gateway.Envelopes;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>A valid TenantIsolation configuration mirroring the shipped one, for unit tests to modify.</summary>
internal static class TestOptions
{
    public const string LocalKey = DevelopmentEnvelopeKeys.LocalKeyBase64;

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

    /// <summary>TenantIsolation:Envelopes with the local development key for the applications cluster.</summary>
    public static EnvelopeOptions Envelopes()
    {
        var options = new EnvelopeOptions();
        options.Clusters["applications"] = new ClusterEnvelopeOptions { Current = new GatewayEnvelopeKeyOptions { KeyId = DevelopmentEnvelopeKeys.LocalKeyId, Key = LocalKey } };
        return options;
    }

    public static IOptions<T> Wrap<T>(T value)
        where T : class => Options.Create(value);

    /// <summary>A monitor whose value a test replaces with <see cref="SettableMonitor{T}.Set"/> (as a validated reload would).</summary>
    public static SettableMonitor<T> Monitor<T>(T value)
        where T : class => new(value);

    internal sealed class SettableMonitor<T>(T value) : IOptionsMonitor<T>
        where T : class
    {
        private readonly List<Action<T, string?>> _listeners = [];

        public T CurrentValue { get; private set; } = value;

        public T Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<T, string?> listener)
        {
            _listeners.Add(listener);
            return null;
        }

        public void Set(T next)
        {
            CurrentValue = next;
            foreach (var listener in _listeners)
            {
                listener(next, Options.DefaultName);
            }
        }
    }
}

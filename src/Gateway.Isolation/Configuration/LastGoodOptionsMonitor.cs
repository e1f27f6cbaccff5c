using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Isolation.Configuration;

/// <summary>
/// An <see cref="IOptionsMonitor{TOptions}"/> for settings that reload without a restart: when a change token of
/// <typeparamref name="TOptions"/> fires (appsettings edited, an SSM parameter re-read), the options are bound and
/// validated again; a valid result becomes <see cref="CurrentValue"/> and the listeners are told, an invalid one is
/// refused with one error line naming the keys (<see cref="IsolationLogEvents.SettingsReloadRefused"/>) and the last
/// valid settings stay in force. (The framework's monitor would instead throw on every later read of an invalid
/// value.) <see cref="CurrentValue"/> is one field read: safe on the per-request path, no allocation.
/// The first value is created on first use and throws when invalid, as start-up validation expects.
/// Only the default (unnamed) options are served.
/// </summary>
public sealed class LastGoodOptionsMonitor<TOptions> : IOptionsMonitor<TOptions>, IDisposable
    where TOptions : class
{
    private readonly IOptionsFactory<TOptions> _factory;
    private readonly ILogger _logger;
    private readonly string _section;
    private readonly List<IDisposable> _registrations = [];
    private readonly Lock _gate = new();
    private TOptions? _current;
    private string? _lastRefusal;
    private Action<TOptions, string?>[] _listeners = [];

    public LastGoodOptionsMonitor(IOptionsFactory<TOptions> factory, IEnumerable<IOptionsChangeTokenSource<TOptions>> sources, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(sources);
        _factory = factory;
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger(SettingsReloadLog.Category);
        _section = typeof(TOptions).GetField("SectionName")?.GetRawConstantValue() as string ?? typeof(TOptions).Name;
        foreach (var source in sources)
        {
            if (string.IsNullOrEmpty(source.Name))
            {
                _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
            }
        }
    }

    public TOptions CurrentValue => Volatile.Read(ref _current) ?? First();

    public TOptions Get(string? name) => string.IsNullOrEmpty(name) ? CurrentValue : _factory.Create(name);

    public IDisposable? OnChange(Action<TOptions, string?> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Subscription(this, listener);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    /// <summary>Binds and validates again; keeps the last valid value when the new one is invalid. Internal for tests.</summary>
    internal void Reload()
    {
        TOptions next;
        Action<TOptions, string?>[] listeners;
        lock (_gate)
        {
            try
            {
                next = _factory.Create(Options.DefaultName);
            }
            catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
            {
                var reason = e is OptionsValidationException validation ? string.Join("; ", validation.Failures) : e.Message;
                // One line per refused edit: a file save can fire the change token more than once.
                if (!string.Equals(reason, _lastRefusal, StringComparison.Ordinal))
                {
                    _lastRefusal = reason;
                    SettingsReloadLog.SettingsReloadRefused(_logger, _section, reason);
                }

                return;
            }

            _lastRefusal = null;
            Volatile.Write(ref _current, next);
            listeners = _listeners;

            // Told under the lock, so listeners see reloads in the order they were taken: two quick saves must never
            // leave a listener (the permission-set catalog) on the older, possibly broader settings while CurrentValue
            // holds the newer ones. (Lock is re-entrant: a listener may read CurrentValue or subscribe.)
            SettingsReloadLog.SettingsReloaded(_logger, _section);
            foreach (var listener in listeners)
            {
                listener(next, Options.DefaultName);
            }
        }
    }

    private TOptions First()
    {
        lock (_gate)
        {
            return _current ??= _factory.Create(Options.DefaultName);
        }
    }

    private void Remove(Action<TOptions, string?> listener)
    {
        lock (_gate)
        {
            _listeners = [.. _listeners.Where(l => l != listener)];
        }
    }

    private sealed class Subscription(LastGoodOptionsMonitor<TOptions> monitor, Action<TOptions, string?> listener) : IDisposable
    {
        public void Dispose() => monitor.Remove(listener);
    }
}

using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Validates every options class before the host starts and collects all failures into one list.</summary>
internal static class StartupValidation
{
    public static IReadOnlyList<string> Collect(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<GatewayAuthenticationOptions>(services, failures);
        Check<TenantIsolationOptions>(services, failures);
        Check<AuditOptions>(services, failures);
        return failures;
    }

    private static void Check<T>(IServiceProvider services, List<string> failures)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
        catch (InvalidOperationException ex)
        {
            // Binding errors (e.g. "abc" for a TimeSpan) name the key in the message.
            failures.Add(ex.Message);
        }
    }
}

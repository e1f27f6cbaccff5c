using Gateway.Backend.Context;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Namespace does not match folder structure
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Start-up check of the tenant-context configuration, for a clean exit instead of a failed host start.</summary>
public static class TenantContextServiceProviderExtensions
{
    /// <summary>
    /// Binds and validates the <c>TenantContext</c> options now (the same checks <c>ValidateOnStart</c> runs).
    /// Returns null when they are valid, otherwise one line (no line breaks) listing every error by configuration key
    /// and never a key value: print it to standard error and exit non-zero.
    /// </summary>
    public static string? GetTenantContextConfigurationError(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        try
        {
            _ = services.GetRequiredService<IOptions<TenantContextOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return OneLine($"{TenantContextOptions.SectionName} configuration is invalid: {string.Join(" ", ex.Failures)}");
        }
        catch (InvalidOperationException ex)
        {
            // Binding errors ("Failed to convert configuration value at 'TenantContext:...'") name the key, not the value.
            return OneLine($"{TenantContextOptions.SectionName} configuration is invalid: {ex.Message}");
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}

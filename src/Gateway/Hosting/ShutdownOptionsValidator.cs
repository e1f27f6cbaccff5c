using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Validates <see cref="ShutdownOptions"/> (<c>Shutdown</c>), reporting every error at once and naming the key.</summary>
internal sealed class ShutdownOptionsValidator : IValidateOptions<ShutdownOptions>
{
    private const string S = ShutdownOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.DrainDelay < TimeSpan.Zero || options.DrainDelay > ShutdownOptions.MaxDrainDelay)
        {
            errors.Add($"{S}:DrainDelay must be between 00:00:00 and {ShutdownOptions.MaxDrainDelay:c} (was {options.DrainDelay}).");
        }

        if (options.Timeout < TimeSpan.Zero || options.Timeout > ShutdownOptions.MaxTimeout)
        {
            errors.Add($"{S}:Timeout must be between 00:00:00 and {ShutdownOptions.MaxTimeout:c} (was {options.Timeout}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

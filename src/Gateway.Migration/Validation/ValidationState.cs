using System.Text.Json;
using Gateway.Migration.Cli;
using Gateway.Migration.Planning;

namespace Gateway.Migration.Validation;

/// <summary>
/// Which organizations last passed validation, and the legacy digest they passed with: <c>PLAN.validated.json</c> next to
/// the plan (plan.json → plan.validated.json). <c>validate</c> and <c>cutover</c> update it; <c>cleanup</c> refuses
/// unless every organization of the plan is in it and its legacy items still have that digest.
/// </summary>
internal sealed record ValidationState
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public required string Plan { get; init; }

    public SortedDictionary<string, ValidatedOrganization> Organizations { get; init; } = new(StringComparer.Ordinal);

    public static string PathFor(string planPath) => Path.ChangeExtension(planPath, ".validated.json");

    public static async Task<ValidationState> ReadAsync(string planPath, string planId, CancellationToken cancellationToken)
    {
        var path = PathFor(planPath);
        if (!File.Exists(path))
        {
            return new ValidationState { Plan = planId };
        }

        try
        {
            var state = JsonSerializer.Deserialize<ValidationState>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Json);
            return state is not null && state.Plan == planId ? state with { Organizations = new SortedDictionary<string, ValidatedOrganization>(state.Organizations, StringComparer.Ordinal) } : new ValidationState { Plan = planId };
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"unreadable validation state '{path}' ({e.GetType().Name}); delete it and validate again", e);
        }
    }

    /// <summary>Records passing organizations and forgets failing ones.</summary>
    public void Record(IEnumerable<OrganizationValidation> results, DateTimeOffset now)
    {
        foreach (var result in results)
        {
            if (result.Passed)
            {
                Organizations[result.OrganizationId] = new ValidatedOrganization(result.LegacyItems, result.LegacyHash, now);
            }
            else
            {
                Organizations.Remove(result.OrganizationId);
            }
        }
    }

    public async Task WriteAsync(string planPath, CancellationToken cancellationToken)
    {
        var path = PathFor(planPath);
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(this, Json), cancellationToken).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static string PlanIdOf(MigrationPlan plan) => Copying.CopyCommand.PlanId(plan);
}

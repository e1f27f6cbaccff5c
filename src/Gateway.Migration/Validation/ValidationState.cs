using System.Text.Json;
using Gateway.Migration.Invocation;
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

    /// <summary>
    /// Records passing organizations and forgets failing ones. A passing <c>cutover</c> marks the organization cut over
    /// (<see cref="ValidatedOrganization.CutoverAt"/>); a later passing <c>validate</c> keeps that mark.
    /// </summary>
    public void Record(IEnumerable<OrganizationValidation> results, DateTimeOffset now, bool cutover = false)
    {
        foreach (var result in results)
        {
            if (result.Passed)
            {
                var cutoverAt = cutover ? now : Organizations.GetValueOrDefault(result.OrganizationId)?.CutoverAt;
                Organizations[result.OrganizationId] = new ValidatedOrganization(result.LegacyItems, result.LegacyHash, now, cutoverAt);
            }
            else
            {
                Organizations.Remove(result.OrganizationId);
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="results"/> to the state on disk under an exclusive lock (<c>PATH.lock</c>), re-reading it
    /// first, so that concurrent <c>cutover</c> runs for different organizations do not lose each other's records.
    /// </summary>
    public static Task RecordAsync(string planPath, string planId, IEnumerable<OrganizationValidation> results, DateTimeOffset now, bool cutover, CancellationToken cancellationToken)
        => UpdateAsync(planPath, planId, state => state.Record(results, now, cutover), cancellationToken);

    /// <summary><c>rollback</c>: the organization is no longer cut over (its validation, if any, stays).</summary>
    public static Task RecordRollbackAsync(string planPath, string planId, string organization, CancellationToken cancellationToken)
        => UpdateAsync(planPath, planId, state =>
        {
            if (state.Organizations.TryGetValue(organization, out var validated))
            {
                state.Organizations[organization] = validated with { CutoverAt = null };
            }
        }, cancellationToken);

    private static async Task UpdateAsync(string planPath, string planId, Action<ValidationState> update, CancellationToken cancellationToken)
    {
        var lockPath = PathFor(planPath) + ".lock";
        FileStream? held = null;
        for (var attempt = 0; held is null; attempt++)
        {
            try
            {
                held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }

        await using (held.ConfigureAwait(false))
        {
            var state = await ReadAsync(planPath, planId, cancellationToken).ConfigureAwait(false);
            update(state);
            await state.WriteAsync(planPath, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task WriteAsync(string planPath, CancellationToken cancellationToken)
    {
        var path = PathFor(planPath);
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(this, Json), cancellationToken).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static string PlanIdOf(MigrationPlan plan) => MigrationPlan.IdOf(plan);
}

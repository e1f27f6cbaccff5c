using System.Globalization;
using System.Text;
using CsCheck;
using IamOracle.Tests.Oracle;
using Xunit.Abstractions;

namespace IamOracle.Tests.Differential;

/// <summary>
/// Our IAM evaluator (<c>PolicyEvaluator.EvaluateSession</c>, what LocalAws enforces with) against
/// <c>@cloud-copilot/iam-simulate</c> on generated identity ∩ session policy pairs and requests. Every disagreement
/// fails with the seed and a greedily shrunk minimal case. CI runs <see cref="CasesPerRun"/> cases with a fixed seed and
/// as many with a rotating one (printed); <c>IAM_ORACLE_SEED</c> replays a seed, <c>IAM_ORACLE_CASES</c> sets the count
/// (docs/policies.md: a large local batch).
/// </summary>
public sealed class EvaluatorDifferentialTests(ITestOutputHelper output)
{
    public const ulong FixedSeed = 20_260_926;
    public const int CasesPerRun = 2_000;
    public const string SeedVariable = "IAM_ORACLE_SEED";
    public const string CasesVariable = "IAM_ORACLE_CASES";
    private const int BatchSize = 5_000;
    private const int MaxShrinkRounds = 200;

    private static readonly Lazy<ServiceReference> s_reference = new(() =>
        IamSimulator.Reference(CaseGenerators.RequestActions.Select(a => a.Action)));

    [Fact]
    public void FixedSeed_EvaluatorAgreesWithSimulator() => Run(FixedSeed, Count());

    [Fact]
    public void RotatingSeed_EvaluatorAgreesWithSimulator()
    {
        var seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } text
            ? ulong.Parse(text, CultureInfo.InvariantCulture)
            : (ulong)DateTime.UtcNow.Ticks % 1_000_000_000UL;
        Run(seed, Count());
    }

    private static int Count()
        => Environment.GetEnvironmentVariable(CasesVariable) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : CasesPerRun;

    private void Run(ulong seed, int count)
    {
        var reference = s_reference.Value;
        var gen = CaseGenerators.Case(SupportedKeys(reference));
        output.WriteLine($"oracle: {reference.Versions}; seed {seed} ({SeedVariable}={seed} {CasesVariable}={count} replays this run)");

        var excluded = KnownDisagreement.All.ToDictionary(k => k.Name, _ => 0);
        var tally = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        for (var start = 0; start < count && failures.Count == 0; start += BatchSize)
        {
            var batch = new List<(ulong Seed, PolicyCase Case)>();
            for (var i = start; i < Math.Min(count, start + BatchSize); i++)
            {
                var caseSeed = seed + (ulong)i;
                var generated = gen.Generate(new PCG(1, caseSeed), null!, out _);
                if (KnownDisagreement.All.FirstOrDefault(k => k.Matches(generated)) is { } known)
                {
                    excluded[known.Name]++;
                    continue;
                }

                batch.Add((caseSeed, generated));
            }

            var decisions = IamSimulator.Simulate([.. batch.Select(b => b.Case.ToOracleCase())]);
            for (var i = 0; i < batch.Count && failures.Count < 1; i++)
            {
                var (caseSeed, policyCase) = batch[i];
                var theirs = decisions[i];
                if (Invalid(theirs) is { } invalid)
                {
                    failures.Add($"case seed {caseSeed}: {invalid}\n{policyCase}");
                    continue;
                }

                var ours = policyCase.Evaluate();
                tally[theirs.Decision] = tally.GetValueOrDefault(theirs.Decision) + 1;
                if (ours.Decision != theirs.Decision)
                {
                    var (minimal, minimalOurs, minimalTheirs) = Shrink(policyCase);
                    failures.Add(
                        $"case seed {caseSeed} ({SeedVariable}={caseSeed} {CasesVariable}=1 replays it): our evaluator says {minimalOurs.Decision} ({minimalOurs.Reason}), iam-simulate says {minimalTheirs}.\n" +
                        $"Minimal case:\n{minimal}\nOriginal case:\n{policyCase}");
                }
            }
        }

        output.WriteLine("simulator decisions: " + string.Join(", ", tally.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value}")));
        foreach (var (name, excludedCount) in excluded)
        {
            output.WriteLine($"excluded by name: {name}: {excludedCount} cases");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // The generator must exercise all three outcomes, or agreement proves little.
        var judged = tally.Values.Sum();
        if (judged >= 500)
        {
            foreach (var decision in new[] { "Allowed", "ExplicitlyDenied", "ImplicitlyDenied" })
            {
                Assert.True(tally.GetValueOrDefault(decision) >= judged / 20, $"only {tally.GetValueOrDefault(decision)} of {judged} cases were {decision}: the generator has drifted.");
            }
        }
    }

    /// <summary>Why the simulator's answer cannot be compared: it refused the case, or dropped a key we sent (the
    /// generator must send only the keys iam-data lists for the action, as AWS does).</summary>
    private static string? Invalid(OracleDecision decision)
    {
        if (decision.Decision == "Error")
        {
            return $"iam-simulate refused the case ({decision.Error}); the generator must produce valid policies and requests";
        }

        return decision.IgnoredKeys.Count > 0
            ? $"iam-simulate ignored context keys the action does not support ({string.Join(", ", decision.IgnoredKeys)}); the generator must send only supported keys"
            : null;
    }

    /// <summary>Greedy shrinking: repeatedly take the first one-step-smaller case that still disagrees (one simulator
    /// batch per round).</summary>
    private static (PolicyCase Case, (string Decision, string Reason) Ours, string Theirs) Shrink(PolicyCase failing)
    {
        var current = failing;
        var ours = current.Evaluate();
        var theirs = IamSimulator.Simulate([current.ToOracleCase()])[0].Decision;
        for (var round = 0; round < MaxShrinkRounds; round++)
        {
            var candidates = current.Smaller().Where(c => !KnownDisagreement.All.Any(k => k.Matches(c))).ToList();
            if (candidates.Count == 0)
            {
                break;
            }

            var decisions = IamSimulator.Simulate([.. candidates.Select(c => c.ToOracleCase())]);
            var next = -1;
            for (var i = 0; i < candidates.Count; i++)
            {
                if (Invalid(decisions[i]) is null && candidates[i].Evaluate().Decision != decisions[i].Decision)
                {
                    next = i;
                    break;
                }
            }

            if (next < 0)
            {
                break;
            }

            current = candidates[next];
            ours = current.Evaluate();
            theirs = decisions[next].Decision;
        }

        return (current, ours, theirs);
    }

    private static Func<string, IReadOnlySet<string>> SupportedKeys(ServiceReference reference)
    {
        var keys = reference.Actions.ToDictionary(
            a => a.Key,
            a => (IReadOnlySet<string>)new HashSet<string>(a.Value.ConditionKeys, StringComparer.Ordinal),
            StringComparer.Ordinal);
        return action => keys[action];
    }
}

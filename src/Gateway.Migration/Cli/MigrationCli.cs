using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Gateway.Migration.Cleanup;
using Gateway.Migration.Copying;
using Gateway.Migration.Cutover;
using Gateway.Migration.Invocation;
using Gateway.Migration.Offboarding;
using Gateway.Migration.Planning;
using Gateway.Migration.Resharding;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Cli;

/// <summary>
/// The verbs and their exit codes: 0 done, 1 validation mismatch (validate, cutover) or cleanup / erase refused, 2 bad input (one
/// line on stderr, nothing written), 3 an AWS or I/O failure while working (one line; copy resumes from its checkpoint).
/// </summary>
internal static class MigrationCli
{
    public const int Usage = 2;
    public const int Failure = 3;

    public const string Verbs = "plan, copy, validate, cutover, rollback, cleanup, export, erase, reshard, recommend";

    public static readonly string UsageText = string.Join(Environment.NewLine,
        "usage: Gateway.Migration VERB [options]   (docs/migration.md)",
        "  plan     --source TABLE --target TABLE --organization-attribute NAME [--sort-key-from ATTR] [--segments N]",
        "  copy     (--organizations A,B | --all) --checkpoint FILE [--max-write-rate N] [--segments N] [--page-size N]",
        "  validate [--organizations A,B | --all] --report FILE [--segments N]",
        "  cutover  --organization X [--drain SECONDS] [--report FILE] [--segments N] [" + CutoverCommand.DiscardConflictsFlag + "]",
        "  rollback --organization X [--drain SECONDS] [--segments N] [" + CutoverCommand.HideTargetWritesFlag + "]",
        "  cleanup  --source TABLE [--delete] [--segments N]",
        "  export   --organization X --out DIR [--page-size N]",
        "  erase    --organization X --confirm X (--export DIR | --no-export --out DIR) [--out DIR] [--page-size N]",
        "  reshard  --organization X --shards N [--drain SECONDS]",
        "  recommend [--organizations A,B] [--metrics FILE --window SECONDS [--baseline FILE] [--metric NAME]] [--target-utilization F] [--json] [--segments N]",
        "every verb: [--plan FILE (default plan.json)] [--endpoint URL] [--gateway-config DIR]",
        "AWS credentials from the default chain, region from AWS_REGION.",
        "exit codes: 0 done, 1 validation mismatch / cutover conflict / cleanup or erase refused / reshard refused or stopped, 2 bad input, 3 AWS or I/O failure, 130 cancelled");

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellationToken)
        => RunAsync(args, stdout, stderr, interactive, TimeProvider.System, AwsTarget.CreateDynamoDb, cancellationToken);

    /// <summary>The verbs with their clock and DynamoDB client supplied (tests drive them in-process on a fake clock); STS (erase) from <paramref name="createSts"/> or the operator's chain.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, TimeProvider time, Func<CommandLine, IAmazonDynamoDB> createDynamoDb, CancellationToken cancellationToken, Func<CommandLine, IAmazonSecurityTokenService>? createSts = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(createDynamoDb);
        if (args.Length == 0)
        {
            await stderr.WriteLineAsync(UsageText).ConfigureAwait(false);
            return Usage;
        }

        if (args[0] is "-h" or "--help" or "-?" or "help" || (args.Length > 1 && args.Skip(1).Any(a => a is "-h" or "--help" or "-?")))
        {
            await stdout.WriteLineAsync(UsageText).ConfigureAwait(false);
            return 0;
        }

        var verb = args[0];
        var rest = args[1..];
        try
        {
            var line = verb switch
            {
                "plan" => CommandLine.Parse(verb, rest, PlanCommand.Options, []),
                "copy" => CommandLine.Parse(verb, rest, CopyCommand.Options, CopyCommand.Flags),
                "validate" => CommandLine.Parse(verb, rest, ValidateCommand.Options, ValidateCommand.Flags),
                "cutover" => CommandLine.Parse(verb, rest, CutoverCommand.Options, CutoverCommand.Flags),
                "rollback" => CommandLine.Parse(verb, rest, CutoverCommand.RollbackOptions, CutoverCommand.RollbackFlags),
                "cleanup" => CommandLine.Parse(verb, rest, CleanupCommand.Options, CleanupCommand.Flags),
                "export" => CommandLine.Parse(verb, rest, ExportCommand.Options, ExportCommand.Flags),
                "erase" => CommandLine.Parse(verb, rest, EraseCommand.Options, EraseCommand.Flags),
                "reshard" => CommandLine.Parse(verb, rest, ReshardCommand.Options, ReshardCommand.Flags),
                "recommend" => CommandLine.Parse(verb, rest, RecommendCommand.Options, RecommendCommand.Flags),
                _ => throw new UsageException($"unknown verb '{CommandLine.Truncate(verb)}' (verbs: {Verbs}; --help lists every option)"),
            };
            using var dynamoDb = createDynamoDb(line);
            return verb switch
            {
                "plan" => await PlanCommand.RunAsync(line, dynamoDb, stdout, time, cancellationToken).ConfigureAwait(false),
                "copy" => await CopyCommand.RunAsync(line, dynamoDb, stdout, interactive, time, cancellationToken).ConfigureAwait(false),
                "validate" => await ValidateCommand.RunAsync(line, dynamoDb, stdout, time, cancellationToken).ConfigureAwait(false),
                "cutover" => await CutoverCommand.CutoverAsync(line, dynamoDb, stdout, stderr, time, cancellationToken).ConfigureAwait(false),
                "rollback" => await CutoverCommand.RollbackAsync(line, dynamoDb, stdout, stderr, time, cancellationToken).ConfigureAwait(false),
                "export" => await ExportCommand.RunAsync(line, dynamoDb, stdout, interactive, time, cancellationToken).ConfigureAwait(false),
                "reshard" => await ReshardCommand.RunAsync(line, dynamoDb, stdout, stderr, time, cancellationToken).ConfigureAwait(false),
                "recommend" => await RecommendCommand.RunAsync(line, dynamoDb, stdout, cancellationToken).ConfigureAwait(false),
                "erase" => await EraseAsync(line, dynamoDb, createSts ?? AwsTarget.CreateSts, stdout, stderr, time, cancellationToken).ConfigureAwait(false),
                _ => await CleanupCommand.RunAsync(line, dynamoDb, stdout, stderr, time, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"{(e.Message.StartsWith(verb + ":", StringComparison.Ordinal) ? string.Empty : verb + ": ")}{e.Message}".ReplaceLineEndings(" ")).ConfigureAwait(false);
            return Usage;
        }
        catch (AmazonServiceException e)
        {
            // The error code only: AWS messages can quote request content.
            await stderr.WriteLineAsync($"{verb}: AWS error {e.ErrorCode ?? e.GetType().Name} (HTTP {(int)e.StatusCode}); nothing more was done").ConfigureAwait(false);
            return Failure;
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException)
        {
            await stderr.WriteLineAsync($"{verb}: {e.GetType().Name}: {e.Message}".ReplaceLineEndings(" ")).ConfigureAwait(false);
            return Failure;
        }
    }

    private static async Task<int> EraseAsync(CommandLine line, IAmazonDynamoDB dynamoDb, Func<CommandLine, IAmazonSecurityTokenService> createSts, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        using var sts = createSts(line);
        return await EraseCommand.RunAsync(line, dynamoDb, sts, stdout, stderr, time, cancellationToken).ConfigureAwait(false);
    }
}

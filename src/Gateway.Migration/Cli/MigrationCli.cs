using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Gateway.Migration.Cleanup;
using Gateway.Migration.Copying;
using Gateway.Migration.Cutover;
using Gateway.Migration.Planning;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Cli;

/// <summary>
/// The verbs and their exit codes: 0 done, 1 validation mismatch (validate, cutover) or cleanup refused, 2 bad input (one
/// line on stderr, nothing written), 3 an AWS or I/O failure while working (one line; copy resumes from its checkpoint).
/// </summary>
internal static class MigrationCli
{
    public const int Usage = 2;
    public const int Failure = 3;

    public const string UsageText =
        "usage: Gateway.Migration plan --source TABLE --target TABLE --organization-attribute NAME [--sort-key-from ATTR] | "
        + "copy [--organizations A,B | --all] --checkpoint FILE [--max-write-rate N] | validate [--organizations A,B] --report FILE | "
        + "cutover --organization X | rollback --organization X | cleanup --source TABLE [--delete]; "
        + "every verb: [--plan FILE (default plan.json)] [--endpoint URL] [--gateway-config DIR]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await (args.Length == 0 ? stderr : stdout).WriteLineAsync(UsageText).ConfigureAwait(false);
            return args.Length == 0 ? Usage : 0;
        }

        var verb = args[0];
        var rest = args[1..];
        var time = TimeProvider.System;
        try
        {
            var line = verb switch
            {
                "plan" => CommandLine.Parse(verb, rest, PlanCommand.Options, []),
                "copy" => CommandLine.Parse(verb, rest, CopyCommand.Options, CopyCommand.Flags),
                "validate" => CommandLine.Parse(verb, rest, ValidateCommand.Options, ValidateCommand.Flags),
                "cutover" => CommandLine.Parse(verb, rest, CutoverCommand.Options, []),
                "rollback" => CommandLine.Parse(verb, rest, CutoverCommand.RollbackOptions, []),
                "cleanup" => CommandLine.Parse(verb, rest, CleanupCommand.Options, CleanupCommand.Flags),
                _ => throw new UsageException($"unknown verb '{CommandLine.Truncate(verb)}'. {UsageText}"),
            };
            using var dynamoDb = AwsTarget.CreateDynamoDb(line);
            return verb switch
            {
                "plan" => await PlanCommand.RunAsync(line, dynamoDb, stdout, time, cancellationToken).ConfigureAwait(false),
                "copy" => await CopyCommand.RunAsync(line, dynamoDb, stdout, interactive, time, cancellationToken).ConfigureAwait(false),
                "validate" => await ValidateCommand.RunAsync(line, dynamoDb, stdout, time, cancellationToken).ConfigureAwait(false),
                "cutover" => await CutoverCommand.CutoverAsync(line, dynamoDb, stdout, stderr, time, cancellationToken).ConfigureAwait(false),
                "rollback" => await CutoverCommand.RollbackAsync(line, dynamoDb, stdout, cancellationToken).ConfigureAwait(false),
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
}

using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace Gateway.CommandLines;

/// <summary>What is wrong with a command line, for the program to say in its own words on one line.</summary>
internal enum CommandLineProblem
{
    /// <summary>An argument no option or verb takes (<see cref="CommandLineError.Subject"/> is the argument).</summary>
    Unknown,

    /// <summary>An option without its value, or whose value is another option (<c>--plan --all</c>).</summary>
    MissingValue,

    /// <summary>A single-valued option given more than once.</summary>
    GivenTwice,

    /// <summary>A value its option refused (<see cref="CommandLineError.Message"/> is the option's own one-line message).</summary>
    Invalid,
}

/// <summary>The first error of a command line: the problem, the option or argument concerned, and the parser's message.</summary>
internal readonly record struct CommandLineError(CommandLineProblem Problem, string Subject, string Message);

/// <summary>
/// The one way our command lines (Gateway verbs, Gateway.Migration, LoadTests, LocalAws) are parsed, with
/// System.CommandLine: <c>--name value</c> and <c>--name=value</c>, <c>-h</c>/<c>--help</c>/<c>-?</c> for help, and no
/// response files (<c>@FILE</c> is a file name), no <c>[directives]</c>, no <c>--version</c> and no bundling of short
/// options. Help texts and error lines stay each program's own (they are documented); the programs use only
/// <see cref="HelpRequested"/>, <see cref="FirstError"/> and the values.
/// </summary>
internal static class CommandLineSyntax
{
    /// <summary>The exit code of bad usage, in every program.</summary>
    public const int UsageExitCode = 2;

    private static readonly ParserConfiguration s_configuration = new() { ResponseFileTokenReplacer = null, EnablePosixBundling = false };

    /// <summary>A root command with help as its only built-in option.</summary>
    public static RootCommand Root(string description)
    {
        var root = new RootCommand(description);
        foreach (var version in root.Options.OfType<VersionOption>().ToList())
        {
            root.Options.Remove(version);
        }

        root.Directives.Clear();
        return root;
    }

    /// <summary>A verb (sub-command) with its options.</summary>
    public static Command Verb(string name, string description, params Option[] options)
    {
        var verb = new Command(name, description);
        foreach (var option in options)
        {
            verb.Options.Add(option);
        }

        return verb;
    }

    /// <summary>
    /// A <c>--name value</c> option. Given twice it is an error (<see cref="CommandLineProblem.GivenTwice"/>), or with
    /// <paramref name="lastWins"/> the last value counts. A value starting with <c>--</c> is a forgotten value.
    /// </summary>
    public static Option<string> Value(string name, bool lastWins = false)
    {
        var option = new Option<string>(name);
        if (lastWins)
        {
            option.Arity = ArgumentArity.OneOrMore;
            option.AllowMultipleArgumentsPerToken = false;
            option.CustomParser = result => result.Tokens[^1].Value;
        }

        option.Validators.Add(RefuseOptionAsValue);
        return option;
    }

    /// <summary>A repeatable <c>--name value</c> option: every value, in order.</summary>
    public static Option<string[]> Repeatable(string name)
    {
        var option = new Option<string[]>(name) { Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        option.Validators.Add(RefuseOptionAsValue);
        return option;
    }

    /// <summary>A <c>--flag</c> that takes no value.</summary>
    public static Option<bool> Flag(string name) => new(name) { Arity = ArgumentArity.Zero };

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/>.</summary>
    public static ParseResult Parse(RootCommand root, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.Parse(args, s_configuration);
    }

    /// <summary>Whether <c>-h</c>, <c>--help</c> or <c>-?</c> was given (it wins over any error, as in every program before).</summary>
    public static bool HelpRequested(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Action is HelpAction;
    }

    /// <summary>The first error, or null when the command line is well formed.</summary>
    public static CommandLineError? FirstError(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        // A leading [word] is tokenized as a directive and, with none declared, dropped without an error: refuse it.
        foreach (var token in result.Tokens)
        {
            if (token.Type == TokenType.Directive)
            {
                return new CommandLineError(CommandLineProblem.Unknown, token.Value, string.Empty);
            }
        }

        // An option followed by another option took it as its value (--rate --connections 5): name the forgotten value
        // before the argument this left over (5).
        var options = result.Errors.Select(e => e.SymbolResult).OfType<OptionResult>().ToList();
        if (options.FirstOrDefault(IsMissingValue) is { } missing)
        {
            return new CommandLineError(CommandLineProblem.MissingValue, missing.Option.Name, missing.Option.Name + " needs a value");
        }

        if (result.UnmatchedTokens.Count > 0)
        {
            return new CommandLineError(CommandLineProblem.Unknown, result.UnmatchedTokens[0], result.Errors.Count > 0 ? result.Errors[0].Message : string.Empty);
        }

        foreach (var error in result.Errors)
        {
            if (error.SymbolResult is OptionResult option)
            {
                var problem = option.IdentifierTokenCount > 1 && option.Tokens.Count > 1 ? CommandLineProblem.GivenTwice : CommandLineProblem.Invalid;
                return new CommandLineError(problem, option.Option.Name, error.Message);
            }
        }

        return result.Errors.Count == 0 ? null : new CommandLineError(CommandLineProblem.Invalid, string.Empty, result.Errors[0].Message);
    }

    private static bool IsMissingValue(OptionResult option)
        => option.Option.Arity.MinimumNumberOfValues > 0
            && (option.Tokens.Count == 0 || option.Tokens.Any(t => t.Value.StartsWith("--", StringComparison.Ordinal)));

    private static void RefuseOptionAsValue(OptionResult result)
    {
        if (result.Tokens.Any(t => t.Value.StartsWith("--", StringComparison.Ordinal)))
        {
            result.AddError(result.Option.Name + " needs a value");
        }
    }
}

namespace LoadTests.Cli;

/// <summary>Either options, a one-line error, or a request for help.</summary>
internal sealed record ParseResult(RunOptions? Options, string? Error, bool HelpRequested)
{
    public static ParseResult Ok(RunOptions options) => new(options, null, false);

    public static ParseResult Fail(string error) => new(null, error, false);

    public static ParseResult Help() => new(null, null, true);
}

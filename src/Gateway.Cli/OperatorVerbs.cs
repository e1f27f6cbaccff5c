namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll [VERB] ARGS</c>: runs an operator verb (<c>policy</c>, <c>verify</c>, <c>report</c>, <c>audit</c>,
/// <c>evict</c>, <c>revoke</c>, <c>help</c>) and returns its exit code, or starts the server through <c>serve</c> with the host's
/// arguments (no verb, or <c>serve</c>). Help exits 0, an unknown verb 2 with one line, and nothing starts.
/// </summary>
public static class OperatorVerbs
{
    public static async Task<int> RunAsync(string[] args, VerbHost host, Func<string[], Task<int>> serve, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(serve);
        if (CliArguments.Route(args, stdout, stderr, out var exit) is not { } command)
        {
            return exit; // help printed (0) or an unknown verb named (2): nothing starts
        }

        return command.Verb switch
        {
            "policy" => PolicyCommand.Run(command.Args, host, stdout, stderr),
            "verify" => await VerifyCommand.RunAsync(command.Args, host, stdout, stderr).ConfigureAwait(false),
            "evict" => await EvictCommand.RunAsync(command.Args, host, stdout, stderr).ConfigureAwait(false),
            "revoke" => await RevokeCommand.RunAsync(command.Args, host, stdout, stderr).ConfigureAwait(false),
            "report" => ReportCommand.Run(command.Args, host, TimeProvider.System, stdout, stderr),
            "audit" => AuditCommand.Run(command.Args, host, stdout, stderr),
            _ => await serve(command.Args).ConfigureAwait(false),
        };
    }
}

using System.ComponentModel;
using System.Diagnostics;

namespace Deploy.Tests;

public class CfnLintTests
{
    [Fact]
    public async Task CfnLint_ReportsNoErrorsOrWarnings()
    {
        var start = new ProcessStartInfo("cfn-lint")
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--format");
        start.ArgumentList.Add("parseable");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(Stack.TemplatePath);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("cfn-lint did not start.");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"cfn-lint is not on PATH ({ex.Message}). The template must be linted: install cfn-lint 1.51 "
                + "(pip install cfn-lint==1.51.0) and rerun.");
            return;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("cfn-lint did not finish within 3 minutes.");
            }

            var output = (await stdout + await stderr).Trim();
            Assert.True(process.ExitCode == 0 && output.Length == 0, $"cfn-lint exit code {process.ExitCode}:\n{output}");
        }
    }
}

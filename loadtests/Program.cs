using LoadTests;

return await LoadTestCommand.RunAsync(args, CancellationToken.None).ConfigureAwait(false);

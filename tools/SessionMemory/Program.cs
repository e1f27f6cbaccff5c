using System.Globalization;
using SessionMemory;

// dotnet tools/SessionMemory/bin/Release/net10.0/SessionMemory.dll [--sessions N] [--session-token-chars N]
var sessions = 100_000;
var tokenChars = 1_000;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--sessions" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1_000_000:
            sessions = n;
            i++;
            break;
        case "--session-token-chars" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 16 and <= 4_096:
            tokenChars = n;
            i++;
            break;
        default:
            await Console.Error.WriteLineAsync($"SessionMemory: bad argument '{args[i]}' (usage: [--sessions 1..1000000] [--session-token-chars 16..4096])").ConfigureAwait(false);
            return 2;
    }
}

var result = await SessionMemoryBenchmark.RunAsync(sessions, tokenChars).ConfigureAwait(false);
Console.WriteLine(result);
return 0;

namespace Gateway.Routing;

/// <summary>
/// Rejects request targets whose meaning depends on who decodes them (Envoy CVE-2019-9901, CVE-2021-29492): dot segments,
/// encoded dots, slashes and backslashes, raw backslashes, double encoding (<c>%25</c>, or a malformed escape such as
/// <c>%%32%65</c>) and encoded NUL. The gateway
/// authorizes exactly the path it forwards, so anything ambiguous is a 400 on isolated routes.
/// </summary>
internal static class PathGuard
{
    /// <param name="rawTarget">The request target as received (path and query), before any decoding.</param>
    public static bool IsAmbiguous(ReadOnlySpan<char> rawTarget)
    {
        var query = rawTarget.IndexOf('?');
        var path = query >= 0 ? rawTarget[..query] : rawTarget;
        if (path.IsEmpty)
        {
            return false;
        }

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\\' || c == '\0')
            {
                return true;
            }

            if (c == '%')
            {
                // A '%' that does not start a valid escape is kept literally by Kestrel while the rest is decoded,
                // so "%%32%65" routes as the literal "%2e": double encoding without %25. Never sent by real clients.
                if (i + 2 >= path.Length || !char.IsAsciiHexDigit(path[i + 1]) || !char.IsAsciiHexDigit(path[i + 2]))
                {
                    return true;
                }

                var hi = path[i + 1];
                var lo = (char)(path[i + 2] | 0x20);
                // %2e . | %2f / | %5c \ | %25 % (double encoding) | %00 NUL
                if ((hi == '2' && (lo == 'e' || lo == 'f' || lo == '5')) || (hi == '5' && lo == 'c') || (hi == '0' && lo == '0'))
                {
                    return true;
                }
            }
        }

        // Dot segments: "." or ".." between slashes (or at the end).
        var start = 0;
        for (var i = 0; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                var segment = path[start..i];
                if (segment is "." or "..")
                {
                    return true;
                }

                start = i + 1;
            }
        }

        return false;
    }
}

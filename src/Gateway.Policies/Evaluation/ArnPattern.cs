namespace Gateway.Policies.Evaluation;

/// <summary>
/// ARN matching as IAM does it for <c>Resource</c> and <c>ArnLike</c>/<c>ArnEquals</c>: each of the six
/// colon-delimited components is matched separately (a wildcard never spans a <c>:</c> in the first five), the last
/// component (resource) may contain further colons and slashes. Case-sensitive. A pattern that is not an ARN (for
/// example <c>*</c>) is matched against the whole value.
/// </summary>
internal static class ArnPattern
{
    public static bool IsMatch(string pattern, string value, bool escapes = false)
    {
        if (pattern.Length == 1 && pattern[0] == '*')
        {
            return true;
        }

        ReadOnlySpan<char> p = pattern, v = value;
        if (!p.StartsWith("arn:", StringComparison.Ordinal))
        {
            return Wildcard.IsMatch(p, v, ignoreCase: false, escapes);
        }

        for (var segment = 0; segment < 5; segment++)
        {
            var pc = p.IndexOf(':');
            var vc = v.IndexOf(':');
            if (pc < 0 || vc < 0)
            {
                return pc < 0 && vc < 0 && Wildcard.IsMatch(p, v, ignoreCase: false, escapes);
            }

            if (!Wildcard.IsMatch(p[..pc], v[..vc], ignoreCase: false, escapes))
            {
                return false;
            }

            p = p[(pc + 1)..];
            v = v[(vc + 1)..];
        }

        return Wildcard.IsMatch(p, v, ignoreCase: false, escapes);
    }
}

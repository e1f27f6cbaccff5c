using System.Globalization;

namespace LoadTests.Topology;

/// <summary>
/// Naming of the load-test tenants: organization i (1-based) is <c>lto-000042</c>, owned by user <c>ltu-000042</c>
/// (ADMINISTRATOR). Fixed width, so no id is a substring of another.
/// </summary>
internal static class Tenants
{
    public const string OrganizationPrefix = "lto-";
    public const int Digits = 7;

    public static string Organization(int index) => OrganizationPrefix + index.ToString("D7", CultureInfo.InvariantCulture);

    public static string User(int index) => "ltu-" + index.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>The demo organizations LocalAws seeds; a load-test tenant must never see them either.</summary>
    public static readonly IReadOnlyList<string> DemoOrganizations = ["acme", "globex", "initech"];

    /// <summary>The first organization id (load-test or demo, quoted) in <paramref name="body"/> other than <paramref name="own"/>.</summary> in <paramref name="body"/> other than <paramref name="own"/>.</summary>
    public static string? FirstForeignOrganization(string? body, string own)
    {
        if (string.IsNullOrEmpty(body))
        {
            return null;
        }

        var at = 0;
        while ((at = body.IndexOf(OrganizationPrefix, at, StringComparison.Ordinal)) >= 0)
        {
            var end = at + OrganizationPrefix.Length;
            while (end < body.Length && end - at - OrganizationPrefix.Length < Digits && char.IsAsciiDigit(body[end]))
            {
                end++;
            }

            if (end - at - OrganizationPrefix.Length == Digits)
            {
                var id = body[at..end];
                if (!string.Equals(id, own, StringComparison.Ordinal))
                {
                    return id;
                }
            }

            at = end;
        }

        foreach (var demo in DemoOrganizations)
        {
            if (demo != own && body.Contains('"' + demo + '"', StringComparison.Ordinal))
            {
                return demo;
            }
        }

        return null;
    }
}

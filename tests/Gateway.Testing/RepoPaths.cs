namespace Gateway.Testing;

/// <summary>Locates the repository root (the directory holding <c>Gateway.sln</c>).</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>LocalAws's project directory, relative to the root (a development tool: it lives under tools/, never src/).</summary>
    public const string LocalAwsProject = "tools/LocalAws";

    /// <summary>The repository root.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>A path under the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (no Gateway.sln above " + AppContext.BaseDirectory + ").");
    }
}

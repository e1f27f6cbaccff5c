using System.Reflection;

namespace Gateway.Testing;

/// <summary>Finds the build output of a project of this repository.</summary>
public static class Built
{
    /// <summary>The configuration this assembly was built with (Debug or Release); other projects are assumed built the same way.</summary>
    public static string Configuration { get; } =
        typeof(Built).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Gateway.Testing.Configuration")?.Value ?? "Release";

    /// <summary><c>LocalAws.dll</c> (project directory <see cref="RepoPaths.LocalAwsProject"/>); throws when it has not been built.</summary>
    public static string LocalAwsDll => Dll(RepoPaths.LocalAwsProject, "LocalAws");

    /// <summary>
    /// Path of <c>{projectDirectory}/bin/{Configuration}/net10.0/{assemblyName}.dll</c>, e.g.
    /// <c>Built.Dll("samples/Applications.Api", "Applications.Api")</c>. Throws with a clear message when it has not been built.
    /// </summary>
    public static string Dll(string projectDirectory, string assemblyName)
    {
        var path = RepoPaths.Combine(projectDirectory, "bin", Configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} does not exist: build {projectDirectory} in {Configuration} first (a ProjectReference with ReferenceOutputAssembly=false does it).",
                path);
        }

        return path;
    }
}

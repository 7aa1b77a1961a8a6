using System.Reflection;

namespace AlertPipeline.Kernel;

/// <summary>
/// The version this build was published as (<c>deploy/package.sh VERSION</c> passes <c>-p:Version=VERSION</c>), with
/// the source commit the SDK appends after a '+'. An administrator compares it with the upgrade notes.
/// </summary>
internal static class AppVersion
{
    public static string Current { get; } =
        typeof(AppVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(AppVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}

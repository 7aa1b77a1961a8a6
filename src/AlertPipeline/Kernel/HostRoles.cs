namespace AlertPipeline.Kernel;

/// <summary>The stages a process runs. Separate processes may run separate roles against the same data directory.</summary>
[Flags]
internal enum HostRoles
{
    Ingest = 1,
    Detect = 2,
    Respond = 4,
    All = Ingest | Detect | Respond,
}

internal static class WebApplicationExtensions
{
    /// <summary>The address Kestrel actually bound (resolves port 0).</summary>
    public static Uri BoundAddress(this WebApplication app) =>
        new(app.Urls.FirstOrDefault() ?? throw new InvalidOperationException("the host is not listening"));
}

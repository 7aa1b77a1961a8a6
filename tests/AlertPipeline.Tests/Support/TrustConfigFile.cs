namespace AlertPipeline.Tests.Support;

/// <summary>The appsettings.json a trust's operator writes on any machine that runs commands against the trust's PostgreSQL.</summary>
internal static class TrustConfigFile
{
    /// <summary>Writes it into <paramref name="folder"/> and returns its path, for <c>--config</c>.</summary>
    public static async Task<string> WriteAsync(string folder, string connectionString)
    {
        var path = Path.Combine(folder, "appsettings.json");
        await File.WriteAllTextAsync(path, System.Text.Json.JsonSerializer.Serialize(new
        {
            Trust = new { DslEmail = "dsl@trust.example" },
            Storage = new { Provider = "postgres", ConnectionString = connectionString },
        }));
        return path;
    }
}

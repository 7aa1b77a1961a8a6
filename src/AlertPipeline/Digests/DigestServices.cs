namespace AlertPipeline.Digests;

internal static class DigestServices
{
    /// <summary>Digest building and the digest check (scheduled by the host when this process responds).</summary>
    public static IServiceCollection AddDigests(this IServiceCollection services) =>
        services.AddSingleton<DigestReports>().AddSingleton<DigestScheduler>();
}

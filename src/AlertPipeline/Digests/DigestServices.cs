using AlertPipeline.Alerts;
using AlertPipeline.Notifications;

namespace AlertPipeline.Digests;

internal static class DigestServices
{
    /// <summary>Digest building and the digest check (scheduled by the host when this process responds).</summary>
    public static IServiceCollection AddDigests(this IServiceCollection services) =>
        services.AddSingleton<DigestReports>().AddSingleton<DigestScheduler>().AddSingleton<IComposedNotification, DigestNotifications>();
}

/// <summary>Daily digests and weekly summaries, composed when sent.</summary>
internal sealed class DigestNotifications(DigestReports digests) : IComposedNotification
{
    public bool Handles(string kind) => kind is NotificationKinds.DailyDigest or NotificationKinds.WeeklySummary;

    public NotificationMessage? Compose(string notificationId, string kind, string subject, string consoleBaseUrl) =>
        digests.Compose(notificationId, kind, subject, consoleBaseUrl);
}

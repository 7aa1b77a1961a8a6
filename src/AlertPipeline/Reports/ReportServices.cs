using AlertPipeline.ConsoleUi;
using AlertPipeline.Devices;
using AlertPipeline.Hosting;
using AlertPipeline.Reports.GovernorSummary;
using Microsoft.Extensions.Options;
using Quartz;

namespace AlertPipeline.Reports;

internal static class ReportServices
{
    /// <summary>The governor summary: its options, builder, email and scheduler (the responder sends what it enqueues).</summary>
    public static IServiceCollection AddGovernorSummaries(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GovernorSummaryOptions>().Bind(configuration.GetSection(GovernorSummaryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GovernorSummaryOptions>, GovernorSummaryOptionsValidator>();
        services.AddSingleton<GovernorReportBuilder>();
        services.AddSingleton<GovernorSummaryMail>();
        services.AddSingleton<Notifications.IComposedNotification, GovernorSummaryNotifications>();
        services.AddSingleton<GovernorSummaryScheduler>();
        services.AddOptions<AnnualReview.AnnualReviewOptions>().Bind(configuration.GetSection(AnnualReview.AnnualReviewOptions.Section));
        services.AddSingleton<AnnualReview.AnnualReviewBuilder>();
        services.AddSingleton<AnnualReview.RiskProfileStore>();
        return services;
    }

    /// <summary>
    /// What the reports read beside alerts.db, for the offline commands (the host's console registers the same):
    /// the roster for year groups and device activity for coverage.
    /// </summary>
    public static IServiceCollection AddReportSources(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section));
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton<Roster>();
        services.AddOptions<Detection.DetectionOptions>().Bind(configuration.GetSection(Detection.DetectionOptions.Section));
        services.AddSingleton<DeviceActivity>();
        return services;
    }

    public static void ScheduleGovernorSummaries(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var options = new GovernorSummaryOptions();
        configuration.GetSection(GovernorSummaryOptions.Section).Bind(options);
        quartz.ScheduleDueWork<GovernorSummaryScheduler>("governor-summary-check", options.CheckInterval);
    }
}

/// <summary>Governor summaries, composed (with their PDF) when sent.</summary>
internal sealed class GovernorSummaryNotifications(GovernorSummaryMail mail) : Notifications.IComposedNotification
{
    public bool Handles(string kind) => kind == GovernorSummaryScheduler.Kind;

    public Notifications.NotificationMessage? Compose(string notificationId, string kind, string subject, string consoleBaseUrl) =>
        mail.Compose(notificationId, subject, consoleBaseUrl);
}

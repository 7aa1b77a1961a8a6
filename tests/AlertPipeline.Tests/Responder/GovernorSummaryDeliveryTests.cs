using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Tests.Reports;
using AlertPipeline.Tests.Support;
using Quartz;

namespace AlertPipeline.Tests.Responder;

/// <summary>The monthly governor summary: the Quartz job on a fake clock, the real SMTP server, the PDF read back with pdftotext.</summary>
[Collection(ResponderCollection.Name)]
public sealed class GovernorSummaryDeliveryTests
{
    private const string Governor = "chair.governors@oakfield.example";
    private const string Slt = "slt@oakfield.example";

    [Fact]
    public async Task MonthlySummary_FirstOfTheMonthAtSendTime_EmailedToGovernorsWithThePdfAttached()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new FakeClock(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(
            ResponderConfig.For(smtp,
                ("GovernorSummaries:SendAt", "07:00"),
                ("GovernorSummaries:CheckInterval", "01:00:00"),
                ("GovernorSummaries:Schools:oakfield:Frequency", "monthly"),
                ("GovernorSummaries:Schools:oakfield:Recipients:0:Name", "Chair of governors"),
                ("GovernorSummaries:Schools:oakfield:Recipients:0:Email", Governor),
                ("GovernorSummaries:Schools:oakfield:Recipients:1:Name", "Deputy head (SLT lead)"),
                ("GovernorSummaries:Schools:oakfield:Recipients:1:Email", Slt)),
            configureServices: ResponderConfig.Clock(clock));
        GovernorSummaryTests.SaveNovember(host);
        await RunJobAsync(host, clock); // 20 November: October's summary is the latest due (an empty month)
        await EscalationTests.WaitForOutboxDrainedAsync(host);
        Assert.All(smtp.Messages().Where(m => m.Kind == GovernorSummaryScheduler.Kind), m => Assert.Contains("October 2026", m.Subject, StringComparison.Ordinal));

        clock.Advance(new DateTimeOffset(2026, 12, 1, 6, 59, 0, TimeSpan.Zero) - clock.GetUtcNow());
        await RunJobAsync(host, clock);
        await EscalationTests.WaitForOutboxDrainedAsync(host);
        Assert.DoesNotContain(smtp.Messages(), m => m.Subject.Contains("November", StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromMinutes(1)); // 1 December, 07:00 UK time
        await RunJobAsync(host, clock);
        var mails = await Eventually.ReturnsAsync(
            () => smtp.Messages().Where(m => m.Subject.Contains("November 2026", StringComparison.Ordinal)).ToList(), m => m.Count >= 2, "the November summaries");
        Assert.Equal([Governor, Slt], mails.Select(m => m.To).Order(StringComparer.Ordinal));
        var mail = mails.First(m => m.To == Governor);
        Assert.Equal("[AlertPipeline] Governor summary: Oakfield Academy, November 2026", mail.Subject);
        using (var mime = MimeKit.MimeMessage.Load(mail.File))
        {
            Assert.NotNull(mime.HtmlBody);
            Assert.Equal("application/pdf", Assert.Single(mime.Attachments).ContentType.MimeType);
        }

        Assert.True(mail.Attachments.TryGetValue("governor-summary-oakfield-2026-11-01-to-2026-11-30.pdf", out var pdf), "the PDF attached under its name");
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        var text = await PdfText.ExtractAsync(pdf);
        Assert.Contains("Oakfield Academy", text, StringComparison.Ordinal);
        Assert.Matches(@"Suicide\s+9\b", text);
        Assert.Matches(@"Bullying\s+6\b", text);
        Assert.DoesNotContain("oak.y8.awhite", text, StringComparison.Ordinal);

        // Running again later that day, or after a restart, sends nothing more.
        clock.Advance(TimeSpan.FromHours(3));
        await RunJobAsync(host, clock);
        await EscalationTests.WaitForOutboxDrainedAsync(host);
        Assert.Equal(2, smtp.Messages().Count(m => m.Subject.Contains("November 2026", StringComparison.Ordinal)));
    }

    private static async Task RunJobAsync(TestHost host, FakeClock clock)
    {
        var runs = host.App.Services.GetRequiredService<GovernorSummaryScheduler>();
        var now = clock.GetUtcNow();
        var scheduler = await host.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(GovernorSummaryScheduler.JobKey);
        await Eventually.TrueAsync(() => runs.LastRunAt >= now, "a governor summary run at the current time");
    }
}

using AlertPipeline.Alerts;
using System.Net;
using System.Text.Json.Nodes;
using AlertPipeline.Notifications;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;

namespace AlertPipeline.Tests.Responder;

/// <summary>Alerts reach a person out of hours: nothing urgent is held, the on-call rota is told, resolving cancels what is held.</summary>
[Collection(ResponderCollection.Name)]
public sealed class OutOfHoursTests
{
    // Saturday 5 December 2026, 19:00 UK time (GMT): school closed until Monday 08:00.
    private static readonly DateTimeOffset SaturdayEvening = new(2026, 12, 5, 19, 0, 0, TimeSpan.Zero);

    // Sunday 22 November 2026, 22:00 UK time.
    private static readonly DateTimeOffset SundayNight = new(2026, 11, 22, 22, 0, 0, TimeSpan.Zero);

    // Wednesday 23 December 2026, 10:00 UK time: a school day of the week and hour, but the Christmas holiday.
    private static readonly DateTimeOffset ChristmasHolidayMorning = new(2026, 12, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task UrgentAlert_SaturdayEveningSchoolWithNoHoursConfigured_SentAtOnceNotHeldUntilMonday()
    {
        await using var smtp = await SmtpServer.StartAsync();
        // The shipped defaults only: riverside in the demo trust has no hours, no OutOfHoursAtOnce, no rota.
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Notifications:Smtp:Host"] = "127.0.0.1",
            ["Notifications:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, configureServices: ResponderConfig.Clock(new FakeClock(SaturdayEvening)));
        host.UseKey("riverside");

        await host.PostEventsAsync(Some.Event("i want to die", school: "riverside", occurredAt: SaturdayEvening.AddMinutes(-1)));

        var mail = await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 1, "the urgent alert's email on a Saturday evening");
        Assert.Equal("dsl@riverside.example", mail[0].To);
        Assert.Contains("URGENT", mail[0].Subject, StringComparison.Ordinal);
        var row = Assert.Single(Outbox(host).List(), r => r.Kind == NotificationKinds.Alert && r.Recipient == "dsl@riverside.example");
        Assert.True(row.NextAttemptAt < SaturdayEvening.AddMinutes(1), $"held until {row.NextAttemptAt:O}");
    }

    [Fact]
    public async Task UrgentAlert_OutOfHoursWithRota_DslAndOnCallOfThatDayAreTold_HolidayCoverWinsOverWeekly()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new FakeClock(SaturdayEvening);
        var config = ResponderConfig.For(smtp,
            ("Trust:Schools:oakfield:OnCall:0:Days", "Sat-Sun"),
            ("Trust:Schools:oakfield:OnCall:0:Name", "B. Jones"),
            ("Trust:Schools:oakfield:OnCall:0:Email", "weekend-oncall@oakfield.example"),
            ("Trust:Schools:oakfield:OnCall:1:Days", "Mon-Fri"),
            ("Trust:Schools:oakfield:OnCall:1:Name", "D. Evans"),
            ("Trust:Schools:oakfield:OnCall:1:Email", "weeknight-oncall@oakfield.example"),
            ("Trust:Schools:oakfield:OnCall:2:From", "2026-12-19"),
            ("Trust:Schools:oakfield:OnCall:2:To", "2027-01-03"),
            ("Trust:Schools:oakfield:OnCall:2:Name", "E. Hughes"),
            ("Trust:Schools:oakfield:OnCall:2:Email", "holiday-oncall@oakfield.example"),
            ("Trust:Schools:oakfield:Holidays:0:Name", "Christmas"),
            ("Trust:Schools:oakfield:Holidays:0:From", "2026-12-19"),
            ("Trust:Schools:oakfield:Holidays:0:To", "2027-01-03"));
        await using var host = await TestHost.StartAsync(config, configureServices: ResponderConfig.Clock(clock));
        host.UseKey();

        await host.PostEventsAsync(Some.Event("i want to die", userLogin: "oak.y9.first", occurredAt: SaturdayEvening.AddMinutes(-1)));
        var saturday = await Eventually.ReturnsAsync(() => AlertMail(smtp), m => m.Count >= 2, "the DSL's and the weekend on-call's email");
        Assert.Equal([ResponderConfig.Dsl, "weekend-oncall@oakfield.example"], saturday.Select(m => m.To).Order(StringComparer.Ordinal));

        clock.Advance(ChristmasHolidayMorning - SaturdayEvening);
        await host.PostEventsAsync(Some.Event("i want to die", userLogin: "oak.y9.second", occurredAt: ChristmasHolidayMorning.AddMinutes(-1)));
        // Advancing the clock also ran digests and escalations of the first alert: only alert emails count here.
        var holiday = await Eventually.ReturnsAsync(() => AlertMail(smtp), m => m.Count >= 4, "the DSL's and the holiday cover's email");
        Assert.Equal([ResponderConfig.Dsl, "holiday-oncall@oakfield.example"], holiday.Skip(2).Select(m => m.To).Order(StringComparer.Ordinal));
        await Task.Delay(500); // Five dispatcher polls: nobody else (the weekday rota) is told of it.
        Assert.Equal(4, AlertMail(smtp).Count);
    }

    [Fact]
    public async Task Resolve_AlertHeldForSchoolHours_HeldNotificationCancelledAndNeverSent()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new FakeClock(SundayNight);
        await using var host = await TestHost.StartAsync(
            ResponderConfig.For(smtp, ("Trust:Schools:oakfield:NotifyAtOnce", "medium")),
            configureServices: ResponderConfig.Clock(clock));
        host.UseKey();

        await host.PostEventsAsync(Some.Event("being bullied", occurredAt: SundayNight.AddMinutes(-1)));
        var held = await Eventually.ReturnsAsync(() => Outbox(host).List().Where(r => r.Kind == NotificationKinds.Alert).ToList(), r => r.Count == 1, "the held medium notification");
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero), held[0].NextAttemptAt);

        var result = host.App.Services.GetRequiredService<IAlertTriage>().Resolve(held[0].AlertId!, "a.patel", TriageOutcomes.NoFurtherAction, null, "seen on the Sunday");
        Assert.Equal(TriageResultKind.Done, result.Kind);
        Assert.Equal(NotificationOutbox.Cancelled, Assert.Single(Outbox(host).List(), r => r.Kind == NotificationKinds.Alert).Status);

        clock.Advance(TimeSpan.FromHours(11)); // Monday 09:00: school is open (the weekly summary may go out; no alert email).
        await Task.Delay(500); // Five dispatcher polls.
        Assert.Empty(AlertMail(smtp));
    }

    [Fact]
    public async Task SmtpServerRefusesConnections_SystemAlertWithinTheConfiguredTime_NamesTheCause_ClosedWhenItDeliversAgain()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await smtp.StopAsync(); // Nothing listens on the port: every connection is refused.
        await using var hooks = await WebhookReceiver.StartAsync();
        var config = ResponderConfig.For(smtp,
            ("Notifications:ChannelDownAlertAfter", "00:00:02"),
            ("Trust:DslWebhooks:0:Url", hooks.Url("/trust-chat")),
            ("Trust:DslWebhooks:0:Format", "json"));
        await using var host = await TestHost.StartAsync(config);
        host.UseKey();
        var started = DateTimeOffset.UtcNow;

        await host.PostEventsAsync(Some.Event("i want to die"));

        var systemAlerts = host.App.Services.GetRequiredService<SystemAlerts>();
        var down = await Eventually.ReturnsAsync(() => systemAlerts.Open(), a => a.Any(s => s.Kind == SystemAlerts.ChannelDownKind), "the channel-down system alert");
        var alert = Assert.Single(down, s => s.Kind == SystemAlerts.ChannelDownKind);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(20), "raised within seconds of the configured 2 s");
        Assert.Contains($"email via SMTP 127.0.0.1:{smtp.Port}", alert.Detail, StringComparison.Ordinal);
        Assert.Contains("connection refused", alert.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Failure sending mail", alert.Detail, StringComparison.Ordinal);
        Assert.Contains("connection refused", Assert.Single(Outbox(host).List(), r => r.Kind == NotificationKinds.Alert).LastError, StringComparison.Ordinal);
        Assert.Equal(1, (int)(await host.HealthAsync())["systemAlerts"]!);

        // The trust DSL hears of it on a channel that works (chat), not by the email that cannot be sent.
        var notice = await Eventually.ReturnsAsync(() => hooks.Received, r => r.Any(p => p.Path == "/trust-chat"), "the trust DSL's chat notice");
        Assert.Contains("connection refused", notice.First(p => p.Path == "/trust-chat").Body.ToJsonString(), StringComparison.Ordinal);

        await smtp.StartAgainAsync();
        await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Any(x => x.Kind == NotificationKinds.Alert), "the alert's email once the server is back");
        await Eventually.TrueAsync(() => systemAlerts.Open().All(s => s.Kind != SystemAlerts.ChannelDownKind), "the system alert closed once the channel delivers");
    }

    [Fact]
    public async Task ProductionConfig_OneSchool_ContainsExactlyItAndRefusesEventsOfOthersAtIngest()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "trust.json");
        await File.WriteAllTextAsync(file, """
            {
              "Trust": {
                "Name": "Real Trust",
                "DslEmail": "safeguarding@realtrust.example",
                "Schools": { "oakfield": { "Name": "Oakfield (real)", "Dsl": { "Email": "dsl@real-oakfield.example" } } }
              }
            }
            """);
        await using var host = await TestHost.StartAsync(configFile: file);
        host.UseKey("*");

        using var response = await host.PostEventsAsync(Some.Event("i want to die", school: "oakfield"), Some.Event("i want to die", school: "riverside"));

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(1, (int)body["accepted"]!);
        var error = Assert.Single(body["errors"]!.AsArray())!;
        Assert.Equal(1, (int)error["index"]!);
        Assert.Equal("schoolId", (string?)error["field"]);
        Assert.Equal("'riverside' is not a school of this trust (the configuration's Trust:Schools)", (string?)error["error"]);

        var eml = await Eventually.ReturnsAsync(
            () => Directory.Exists(host.OutboxDirectory) ? Directory.GetFiles(host.OutboxDirectory, "*.eml") : [],
            f => f.Length > 0, "the real school's .eml");
        var mail = ReceivedMail.Load(Assert.Single(eml));
        Assert.Equal("dsl@real-oakfield.example", mail.To);
        Assert.DoesNotContain("dsl@oakfield.example", mail.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(host.App.Services.GetRequiredService<AlertPipeline.Schools.SchoolDirectory>().Configured, s => s.SchoolId is "riverside" or "hillcrest");
    }

    private static List<ReceivedMail> AlertMail(SmtpServer smtp) => smtp.Messages().Where(m => m.Kind == NotificationKinds.Alert).ToList();

    private static NotificationOutbox Outbox(TestHost host) => host.App.Services.GetRequiredService<NotificationOutbox>();
}

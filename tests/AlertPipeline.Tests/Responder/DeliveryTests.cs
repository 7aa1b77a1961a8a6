using System.Text.Json.Nodes;
using AlertPipeline.Notifications;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Responder;

/// <summary>Notifications through real peers: an SMTP server (aiosmtpd) and an HTTP webhook receiver (Kestrel).</summary>
[Collection(ResponderCollection.Name)]
public sealed class DeliveryTests
{
    // Monday 23 November 2026, 11:00 UK time: school is open.
    private static readonly DateTimeOffset InHours = new(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);

    // Sunday 22 November 2026, 22:00 UK time: school is closed until Monday 08:00.
    private static readonly DateTimeOffset SundayNight = new(2026, 11, 22, 22, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task UrgentAlert_DslWithEmailAndWebhooks_ArrivesOnEveryChannelWithoutPupilText()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var hooks = await WebhookReceiver.StartAsync();
        var config = ResponderConfig.For(smtp,
            ("Trust:Schools:oakfield:Dsl:Webhooks:0:Url", hooks.Url("/teams")),
            ("Trust:Schools:oakfield:Dsl:Webhooks:0:Format", "teams"),
            ("Trust:Schools:oakfield:Dsl:Webhooks:1:Url", hooks.Url("/slack")),
            ("Trust:Schools:oakfield:Dsl:Webhooks:1:Format", "slack"),
            ("Trust:Schools:oakfield:Dsl:Webhooks:2:Url", hooks.Url("/sms-gateway")),
            ("Trust:Schools:oakfield:Dsl:Webhooks:2:Format", "json"));
        await using var host = await TestHost.StartAsync(config, configureServices: ResponderConfig.Clock(new FakeClock(InHours)));
        host.UseKey();

        await host.PostEventsAsync(Some.Event("i want to die", occurredAt: InHours.AddMinutes(-2)));

        var mail = Assert.Single(await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 1, "the DSL's email"));
        var alertId = mail.AlertId;
        Assert.Equal(ResponderConfig.Dsl, mail.To);
        Assert.Equal("[AlertPipeline] URGENT: suicide alert at Oakfield Academy", mail.Subject);
        Assert.Contains("Monday 23 November 2026 10:58 (UK time)", mail.Body, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:5080/alerts/{alertId}", mail.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("want to die", mail.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("oak.y9.jsmith", mail.Body, StringComparison.Ordinal);

        var posts = await Eventually.ReturnsAsync(() => hooks.Received, r => r.Count >= 3, "three webhook posts");
        Assert.Equal(3, posts.Count);
        var teams = posts.Single(p => p.Path == "/teams").Body;
        Assert.Equal("MessageCard", (string?)teams["@type"]);
        Assert.Contains(teams["sections"]![0]!["facts"]!.AsArray(), f => (string?)f!["name"] == "Severity" && (string?)f["value"] == "URGENT");
        Assert.Equal($"http://127.0.0.1:5080/alerts/{alertId}", (string?)teams["potentialAction"]![0]!["targets"]![0]!["uri"]);
        var slack = posts.Single(p => p.Path == "/slack").Body;
        Assert.StartsWith("[AlertPipeline] URGENT: suicide alert at Oakfield Academy", (string?)slack["text"], StringComparison.Ordinal);
        Assert.Equal("header", (string?)slack["blocks"]![0]!["type"]);
        var json = posts.Single(p => p.Path == "/sms-gateway");
        Assert.Equal(alertId, (string?)json.Body["alertId"]);
        Assert.Equal("urgent", (string?)json.Body["severity"]);
        Assert.Equal("Oakfield Academy", (string?)json.Body["school"]);
        Assert.Equal("suicide", (string?)json.Body["categories"]![0]);
        Assert.Equal(json.Body["notificationId"]!.GetValue<string>(), json.IdempotencyKey);
        Assert.All(posts, p => Assert.DoesNotContain("want to die", p.Body.ToJsonString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task IncludePupilDetail_SchoolOptsIn_NotificationCarriesLoginAndMatchedText()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(
            ResponderConfig.For(smtp, ("Trust:Schools:oakfield:IncludePupilDetail", "true")),
            configureServices: ResponderConfig.Clock(new FakeClock(InHours)));
        host.UseKey();

        await host.PostEventsAsync(Some.Event("i want to die", occurredAt: InHours.AddMinutes(-2)));

        var mail = (await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 1, "the DSL's email"))[0];
        Assert.Contains("oak.y9.jsmith on OAK-LT-0042", mail.Body, StringComparison.Ordinal);
        Assert.Contains("i want to die", mail.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmtpOutage_AlertsRaisedWhileDownAndHostRestarted_EachNotificationArrivesExactlyOnce()
    {
        await using var smtp = await SmtpServer.StartAsync();
        using var data = new TempDirectory();
        // The real clock runs the retries here, so school hours must not hold anything back at any time of day.
        var config = ResponderConfig.For(smtp,
            ("Trust:Schools:oakfield:OutOfHoursAtOnce", "low"), ("Trust:Schools:riverside:OutOfHoursAtOnce", "low"));
        await smtp.StopAsync();

        var host = await TestHost.StartAsync(config, data.Path);
        host.UseKey("*");
        var texts = new[] { "i want to die", "how to make a pipe bomb", "buy weed", "how to kill myself tonight" };
        await host.PostEventsAsync(texts.Select(t => Some.Event(t, school: "oakfield")).Concat(texts.Select(t => Some.Event(t, school: "riverside"))).ToArray());
        await Eventually.ReturnsAsync(() => Outbox(host).List().Where(r => r.Kind == "alert").ToList(), rows => rows.Count == 8 && rows.All(r => r.Attempts >= 2),
            "every notification tried at least twice while the server is down");
        Assert.All(Outbox(host).List().Where(r => r.Kind == "alert"), r => Assert.Equal(NotificationOutbox.Pending, r.Status));
        Assert.Empty(smtp.Messages());
        await host.DisposeAsync(); // A restart in the middle of the outage: the outbox is all that remembers.

        await smtp.StartAgainAsync();
        await using var restarted = await TestHost.StartAsync(config, data.Path);
        await Eventually.TrueAsync(() => Outbox(restarted).List().Where(r => r.Kind == "alert").All(r => r.Status == NotificationOutbox.Sent), "every notification sent");
        await Task.Delay(TimeSpan.FromSeconds(1)); // Any duplicate would be sent by now: the dispatcher polls every 100 ms.

        var alertMail = smtp.Messages().Where(m => m.Kind == "alert").ToList();
        Assert.Equal(8, alertMail.Count);
        Assert.Equal(8, alertMail.Select(m => m.NotificationId).Distinct().Count());
        Assert.Equal(4, alertMail.Count(m => m.To == ResponderConfig.Dsl));
        Assert.Equal(4, alertMail.Count(m => m.To == "dsl@riverside.example"));
    }

    [Fact]
    public async Task StoreFailsAfterTheServerAccepted_MessageRecordedLaterNeverSentTwice()
    {
        await using var smtp = await SmtpServer.StartAsync();
        // The outbox fails its next five writes after the first send, as a database restarting under the responder does:
        // the record of the send, the retry it would have fallen into and the next passes of the loop.
        FlakyOutbox? flaky = null;
        await using var host = await TestHost.StartAsync(ResponderConfig.For(smtp), configureServices: services =>
        {
            ResponderConfig.Clock(new FakeClock(InHours))(services);
            services.AddSingleton<INotificationOutbox>(sp => flaky = new FlakyOutbox(sp.GetRequiredService<NotificationOutbox>()));
        });
        host.UseKey();

        await host.PostEventsAsync(Some.Event("i want to die", occurredAt: InHours.AddMinutes(-2)));
        await Eventually.TrueAsync(() => flaky?.Failed == 5, "the store's outage to pass");
        await Eventually.TrueAsync(() => Outbox(host).List().Where(r => r.Kind == "alert").All(r => r.Status == NotificationOutbox.Sent), "every notification recorded as sent");
        await Task.Delay(TimeSpan.FromSeconds(1)); // A resend would happen within this: the dispatcher polls every 100 ms.

        var alertMail = smtp.Messages().Where(m => m.Kind == "alert").ToList();
        Assert.Equal(alertMail.Select(m => m.NotificationId).Distinct().Count(), alertMail.Count);
        Assert.Equal(Outbox(host).List().Count(r => r.Kind == "alert"), alertMail.Count);
        Assert.All(Outbox(host).List().Where(r => r.Kind == "alert"), r => Assert.Equal(1, r.Attempts));
    }

    /// <summary>An outbox whose writes fail five times in a row once the first message has been handed to the server.</summary>
    private sealed class FlakyOutbox(INotificationOutbox inner) : INotificationOutbox
    {
        private int _failuresLeft = 5;
        private bool _armed;

        public int Failed => 5 - Volatile.Read(ref _failuresLeft);

        public IReadOnlyList<DueNotification> Claim(int max)
        {
            Fail();
            return inner.Claim(max);
        }

        public int ReleaseOwnClaims()
        {
            Fail();
            return inner.ReleaseOwnClaims();
        }

        public void MarkSent(string notificationId)
        {
            Volatile.Write(ref _armed, true);
            Fail();
            inner.MarkSent(notificationId);
        }

        public void MarkRetry(string notificationId, DateTimeOffset next, string error)
        {
            Fail();
            inner.MarkRetry(notificationId, next, error);
        }

        public void MarkFailed(string notificationId, string error)
        {
            Fail();
            inner.MarkFailed(notificationId, error);
        }

        public IReadOnlyList<OutboxRow> List(string? alertId = null) => inner.List(alertId);

        private void Fail()
        {
            if (Volatile.Read(ref _armed) && Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new InvalidOperationException("the database is restarting (test)");
            }
        }
    }

    [Fact]
    public async Task OutOfHours_MediumHeldUntilSchoolOpens_CriticalSentAtOnce()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new FakeClock(SundayNight);
        await using var host = await TestHost.StartAsync(
            ResponderConfig.For(smtp, ("Trust:Schools:oakfield:NotifyAtOnce", "medium")),
            configureServices: ResponderConfig.Clock(clock));
        host.UseKey();

        await host.PostEventsAsync(
            Some.Event("being bullied", occurredAt: SundayNight.AddMinutes(-1)),
            Some.Event("how to kill myself tonight", occurredAt: SundayNight.AddMinutes(-1)));

        var critical = await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 1, "the critical alert's email");
        Assert.Contains("CRITICAL", Assert.Single(critical).Subject, StringComparison.Ordinal);
        // The critical row is marked sent just after the server accepts it; then only the held one is pending.
        var pending = await Eventually.ReturnsAsync(() => Outbox(host).List().Where(r => r.Status == NotificationOutbox.Pending).ToList(), r => r.Count == 1, "one held notification");
        var held = Assert.Single(pending);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero), held.NextAttemptAt); // Monday 08:00 GMT
        Assert.Equal("medium", host.Alerts.Get(held.AlertId!)!.Severity.ToString().ToLowerInvariant());

        clock.Advance(TimeSpan.FromHours(9) + TimeSpan.FromMinutes(59)); // Monday 07:59
        await Task.Delay(500); // Ten dispatcher polls: the held notification must stay held.
        Assert.Single(smtp.Messages());

        clock.Advance(TimeSpan.FromMinutes(1)); // Monday 08:00: school opens.
        var both = await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 2, "the held medium alert's email");
        Assert.Contains("MEDIUM", both[1].Subject, StringComparison.Ordinal);
        Assert.Equal(ResponderConfig.Dsl, both[1].To);
    }

    [Fact]
    public async Task WebhookGone_PermanentFailure_RaisesSystemAlertRowHealthAndEmailNotice()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var hooks = await WebhookReceiver.StartAsync();
        var config = ResponderConfig.For(smtp,
            ("Trust:Schools:oakfield:Dsl:Webhooks:0:Url", hooks.Url("/gone/teams")),
            ("Trust:Schools:oakfield:Dsl:Webhooks:0:Format", "teams"));
        await using var host = await TestHost.StartAsync(config, configureServices: ResponderConfig.Clock(new FakeClock(InHours)));
        host.UseKey();

        await host.PostEventsAsync(Some.Event("i want to die", occurredAt: InHours.AddMinutes(-2)));

        var notice = await Eventually.ReturnsAsync(() => smtp.Messages().Where(m => m.Kind == "system").ToList(), m => m.Count >= 2, "system-alert notices");
        Assert.Equal([ResponderConfig.Dsl, ResponderConfig.TrustDsl], notice.Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.Contains("SYSTEM ALERT", notice[0].Subject, StringComparison.Ordinal);
        Assert.Contains("webhook answered 410", notice[0].Body, StringComparison.Ordinal);

        var failed = Assert.Single(Outbox(host).List(), r => r.Channel == "webhook:teams");
        Assert.Equal(NotificationOutbox.Failed, failed.Status);
        var system = Assert.Single(host.App.Services.GetRequiredService<SystemAlerts>().Open());
        Assert.Equal(failed.NotificationId, system.NotificationId);
        Assert.Equal("oakfield", system.SchoolId);
        var health = await host.HealthAsync();
        Assert.Equal(1, (int)health["systemAlerts"]!);
        Assert.Contains(Alerts.AlertHistory.List(host.Alerts, failed.AlertId!), h => h.Action == "notification-failed");
        Assert.Contains(smtp.Messages(), m => m.Kind == "alert" && m.To == ResponderConfig.Dsl); // Email still went.

        // Once IT has fixed the hook, the system alert is closed and stops counting in /health.
        var (exit, output, _) = await AlertPipeline.Tests.Cli.CliTests.RunAsync(["alerts", "system", "--resolve", system.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--by", "it.admin", "--data-dir", host.DataDirectory]);
        Assert.Equal((0, $"system alert {system.Id} resolved by it.admin"), (exit, output.Trim()));
        Assert.Empty(host.App.Services.GetRequiredService<SystemAlerts>().Open());
        Assert.Equal(0, (int)(await host.HealthAsync())["systemAlerts"]!);
    }

    [Fact]
    public async Task DslMailboxUnknown_Smtp550_FailsAtOnceWithSystemAlertWhileTheTrustDslStillHears()
    {
        await using var smtp = await SmtpServer.StartAsync(rejectNobody: true);
        var config = ResponderConfig.For(smtp, ("Trust:Schools:oakfield:Dsl:Email", "nobody.dsl@oakfield.example"));
        await using var host = await TestHost.StartAsync(config, configureServices: ResponderConfig.Clock(new FakeClock(InHours)));
        host.UseKey();

        await host.PostEventsAsync(Some.Event("i want to die", occurredAt: InHours.AddMinutes(-2)));

        var failed = await Eventually.ReturnsAsync(() => Outbox(host).List().Where(r => r.Recipient == "nobody.dsl@oakfield.example" && r.Status == NotificationOutbox.Failed).ToList(),
            r => r.Count >= 1, "the refused email marked failed");
        Assert.Equal(1, Assert.Single(failed).Attempts); // no retries for hours against a mailbox that does not exist
        Assert.Contains("550", failed[0].LastError, StringComparison.Ordinal);
        // The row is marked failed a moment before the system alert is written (two statements): wait for both.
        var system = Assert.Single(await Eventually.ReturnsAsync(() => host.App.Services.GetRequiredService<SystemAlerts>().Open(), a => a.Count >= 1, "the system alert"));
        Assert.Equal(failed[0].NotificationId, system.NotificationId);
        var notice = await Eventually.ReturnsAsync(() => smtp.Messages().Where(m => m.Kind == "system").ToList(), m => m.Count >= 1, "the system-alert notice");
        Assert.Contains(notice, m => m.To == ResponderConfig.TrustDsl);
        Assert.DoesNotContain(smtp.Messages(), m => m.To.StartsWith("nobody", StringComparison.Ordinal));
    }

    private static NotificationOutbox Outbox(TestHost host) => host.App.Services.GetRequiredService<NotificationOutbox>();
}

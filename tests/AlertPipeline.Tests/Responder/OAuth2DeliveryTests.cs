using AlertPipeline.Alerts;
using AlertPipeline.Notifications;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Responder;

/// <summary>The whole pipeline sending with OAuth2 (XOAUTH2): real aiosmtpd, a Kestrel token endpoint, the host's outbox.</summary>
[Collection(ResponderCollection.Name)]
public sealed class OAuth2DeliveryTests
{
    private const string Mailbox = "alerts@northbridge.example";

    [Fact]
    public async Task UrgentAlert_ServerRefusesTheTokens_OutboxKeepsItNamingTheSettingThenDeliversOnceAccepted()
    {
        await using var smtp = await SmtpServer.StartAsync(xoauth2: true);
        await using var endpoint = await TokenEndpoint.StartAsync();
        var config = ResponderConfig.For(smtp,
            ("Notifications:Smtp:Security", "None"),
            ("Notifications:Smtp:Auth", "oauth2"),
            ("Notifications:Smtp:UserName", Mailbox),
            ("Notifications:Smtp:OAuth2:TokenEndpoint", endpoint.Url),
            ("Notifications:Smtp:OAuth2:ClientId", "app-1"),
            ("Notifications:Smtp:OAuth2:ClientSecret", "s3cret"));
        // The real clock runs the retries (an urgent alert is sent at any hour).
        await using var host = await TestHost.StartAsync(config);
        host.UseKey();

        await host.PostEventsAsync(Some.Event("i want to die"));

        // The app is not yet allowed to send as the mailbox: every token is refused.
        var row = await Eventually.ReturnsAsync(
            () => Outbox(host).List().SingleOrDefault(r => r.Kind == NotificationKinds.Alert), r => r is { Attempts: >= 2 }, "the alert's notification tried twice");
        Assert.Equal(NotificationOutbox.Pending, row!.Status);
        Assert.StartsWith($"authentication: OAuth2: the SMTP server refused the token (XOAUTH2) for Notifications:Smtp:UserName '{Mailbox}'", row.LastError, StringComparison.Ordinal);
        Assert.Empty(smtp.Messages());
        Assert.All(smtp.SignIns(), s => Assert.False(s.Accepted));

        // IT grants the permission: from now on the provider's tokens are good. The kept notification goes out, once.
        smtp.AcceptTokens([.. Enumerable.Range(1, 1000).Select(i => $"tok-{i}")]);
        var mail = Assert.Single(await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 1, "the DSL's email"));
        Assert.Equal(ResponderConfig.Dsl, mail.To);
        Assert.Equal(row.NotificationId, mail.NotificationId);
        await Eventually.TrueAsync(() => Outbox(host).List().Single(r => r.NotificationId == row.NotificationId).Status == NotificationOutbox.Sent, "the row marked sent");
        var accepted = smtp.SignIns().Last(s => s.Accepted);
        Assert.Equal(Mailbox, accepted.User);
        Assert.Contains(endpoint.Requests, r => r.Issued == accepted.Token); // the server saw the token the endpoint issued
    }

    private static NotificationOutbox Outbox(TestHost host) => host.App.Services.GetRequiredService<NotificationOutbox>();
}

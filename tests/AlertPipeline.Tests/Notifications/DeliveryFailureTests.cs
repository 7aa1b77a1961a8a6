using AlertPipeline.Notifications;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Notifications;

/// <summary>The cause of a failed send, named from real failures (no SMTP library mocked): DNS, refused, TLS, authentication.</summary>
public sealed class DeliveryFailureTests
{
    [Fact]
    public async Task Describe_NothingListensOnThePort_SaysConnectionRefused()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await smtp.StopAsync();

        var cause = await CauseAsync(new SmtpSettings { Host = "127.0.0.1", Port = smtp.Port });

        Assert.StartsWith("connection refused:", cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_HostNameDoesNotResolve_SaysDns()
    {
        // .invalid never resolves (RFC 2606), with or without a network.
        var cause = await CauseAsync(new SmtpSettings { Host = "mail.alertpipeline.invalid", Port = 25 });

        Assert.StartsWith("DNS:", cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_TlsRequiredButServerOffersNone_SaysTls()
    {
        await using var smtp = await SmtpServer.StartAsync(); // aiosmtpd without a certificate: no STARTTLS.

        var cause = await CauseAsync(new SmtpSettings { Host = "127.0.0.1", Port = smtp.Port, EnableSsl = true });

        Assert.StartsWith("TLS:", cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_ServerRefusesTheCredentials_SaysAuthentication()
    {
        await using var smtp = await SmtpServer.StartAsync(refuseCredentials: true);

        var cause = await CauseAsync(new SmtpSettings { Host = "127.0.0.1", Port = smtp.Port, Security = "None", UserName = "alerts@school.example", Password = "expired" });

        Assert.StartsWith("authentication:", cause, StringComparison.Ordinal);
        Assert.Contains("535", cause, StringComparison.Ordinal);
    }

    private static async Task<string> CauseAsync(SmtpSettings smtp)
    {
        // Generous: each failure here is immediate; a short timeout would only turn a server slowed by the loaded suite
        // into a "timeout" cause instead of the one under test.
        smtp.Timeout = TimeSpan.FromSeconds(60);
        using var sender = new SmtpEmailSender(Options.Create(new NotificationOptions { Smtp = smtp }), TimeProvider.System);
        using var mail = NotificationEmail.PlainText("alertpipeline@example.org", "dsl@example.org", "test", "body", "nt_test", urgent: false);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(mail, "nt_test", CancellationToken.None));
        return DeliveryFailure.Describe(failure);
    }
}

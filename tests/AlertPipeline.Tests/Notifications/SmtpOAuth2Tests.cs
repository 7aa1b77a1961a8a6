using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AlertPipeline.Notifications;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertPipeline.Tests.Notifications;

/// <summary>
/// SMTP sign-in with OAuth2 (XOAUTH2, ADR 0025) against real parts: aiosmtpd requiring AUTH XOAUTH2 and checking the
/// bearer token, and a Kestrel token endpoint speaking the identity provider's protocol.
/// </summary>
public sealed class SmtpOAuth2Tests
{
    private const string Mailbox = "alerts@northbridge.example";

    [Fact]
    public async Task Send_ClientCredentials_ArrivesSignedInWithTheIssuedTokenRequestedOnce()
    {
        await using var smtp = await SmtpServer.StartAsync(xoauth2: true);
        await using var endpoint = await TokenEndpoint.StartAsync();
        smtp.AcceptTokens("tok-1");
        var (sender, tokens) = Sender(smtp, ClientCredentials(endpoint), TimeProvider.System);
        using (sender)
        using (tokens)
        {
            for (var i = 0; i < 3; i++)
            {
                using var mail = Mail($"nt_{i}");
                await sender.SendAsync(mail, $"nt_{i}", CancellationToken.None);
            }
        }

        Assert.Equal(["nt_0", "nt_1", "nt_2"], smtp.Messages().Select(m => m.Header("Message-ID").Trim('<', '>').Split('@')[0]));
        var request = Assert.Single(endpoint.Requests);
        Assert.Equal("client_credentials", request.Form["grant_type"]);
        Assert.Equal("app-1", request.Form["client_id"]);
        Assert.Equal("s3cret", request.Form["client_secret"]);
        Assert.Equal("https://outlook.office365.com/.default", request.Form["scope"]);
        // One pooled connection carried all three: one sign-in, with the token the endpoint issued.
        Assert.Equal([(true, Mailbox, "tok-1")], smtp.SignIns());
    }

    [Fact]
    public async Task Send_ServerRefusesTheCachedToken_FetchesOneFreshTokenAndDelivers()
    {
        await using var smtp = await SmtpServer.StartAsync(xoauth2: true);
        await using var endpoint = await TokenEndpoint.StartAsync();
        smtp.AcceptTokens("tok-2"); // tok-1 was revoked after it was issued
        var (sender, tokens) = Sender(smtp, ClientCredentials(endpoint), TimeProvider.System);
        using (sender)
        using (tokens)
        using (var mail = Mail("nt_revoked"))
        {
            await sender.SendAsync(mail, "nt_revoked", CancellationToken.None);
        }

        Assert.Single(smtp.Messages());
        Assert.Equal([(false, Mailbox, "tok-1"), (true, Mailbox, "tok-2")], smtp.SignIns());
        Assert.Equal(2, endpoint.Requests.Count);
    }

    [Fact]
    public async Task Send_TokenNearItsExpiry_FetchedAgainBeforeItExpires()
    {
        await using var smtp = await SmtpServer.StartAsync(xoauth2: true);
        await using var endpoint = await TokenEndpoint.StartAsync();
        smtp.AcceptTokens("tok-1", "tok-2");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (sender, tokens) = Sender(smtp, ClientCredentials(endpoint), clock); // expires_in 3600, renewed 5 minutes early
        using (sender)
        using (tokens)
        {
            foreach (var (id, after) in new[] { ("nt_a", TimeSpan.Zero), ("nt_b", TimeSpan.FromMinutes(54)), ("nt_c", TimeSpan.FromMinutes(2)) })
            {
                clock.Advance(after); // Each pause outlives the pool's idle limit: each send opens a connection and signs in.
                using var mail = Mail(id);
                await sender.SendAsync(mail, id, CancellationToken.None);
            }
        }

        Assert.Equal(3, smtp.Messages().Count);
        Assert.Equal(["tok-1", "tok-1", "tok-2"], smtp.SignIns().Select(s => s.Token));
        Assert.Equal(2, endpoint.Requests.Count);
    }

    [Fact]
    public async Task Send_GoogleServiceAccount_SignedJwtExchangedForATokenAndTheMailboxSignsIn()
    {
        await using var smtp = await SmtpServer.StartAsync(xoauth2: true);
        await using var endpoint = await TokenEndpoint.StartAsync();
        using var key = RSA.Create(2048);
        endpoint.ServiceAccountKey = key;
        smtp.AcceptTokens("tok-1");
        using var dir = new TempDirectory();
        var keyFile = Path.Combine(dir.Path, "service-account.json");
        await File.WriteAllTextAsync(keyFile, new JsonObject
        {
            ["type"] = "service_account",
            ["client_email"] = "alertpipeline@northbridge-mail.iam.gserviceaccount.com",
            ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
            ["token_uri"] = endpoint.Url,
        }.ToJsonString());
        var oauth = new SmtpOAuth2Settings { Grant = "service_account", ServiceAccountKeyFile = keyFile };
        var (sender, tokens) = Sender(smtp, oauth, TimeProvider.System);
        using (sender)
        using (tokens)
        using (var mail = Mail("nt_google"))
        {
            await sender.SendAsync(mail, "nt_google", CancellationToken.None);
        }

        Assert.Single(smtp.Messages());
        Assert.Equal([(true, Mailbox, "tok-1")], smtp.SignIns());
        var request = Assert.Single(endpoint.Requests);
        Assert.Equal("tok-1", request.Issued); // the endpoint checked the RS256 signature with the account's public key
        var claims = TokenEndpoint.Claims(request.Form["assertion"]);
        Assert.Equal("alertpipeline@northbridge-mail.iam.gserviceaccount.com", (string?)claims["iss"]);
        Assert.Equal(Mailbox, (string?)claims["sub"]);
        Assert.Equal("https://mail.google.com/", (string?)claims["scope"]);
        Assert.Equal(3600, (long)claims["exp"]! - (long)claims["iat"]!);
    }

    [Fact]
    public async Task Send_TokenEndpointRefusesTheSecret_FailsNamingTheSettingsAndNeverSignsIn()
    {
        await using var smtp = await SmtpServer.StartAsync(xoauth2: true);
        await using var endpoint = await TokenEndpoint.StartAsync();
        endpoint.ClientSecret = "rotated";
        var (sender, tokens) = Sender(smtp, ClientCredentials(endpoint), TimeProvider.System);
        Exception failure;
        using (sender)
        using (tokens)
        using (var mail = Mail("nt_secret"))
        {
            failure = await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(mail, "nt_secret", CancellationToken.None));
        }

        var cause = DeliveryFailure.Describe(failure);
        Assert.StartsWith("authentication: OAuth2: the token endpoint", cause, StringComparison.Ordinal);
        Assert.Contains("401", cause, StringComparison.Ordinal);
        Assert.Contains("invalid_client", cause, StringComparison.Ordinal);
        Assert.Contains("Notifications:Smtp:OAuth2:ClientSecret", cause, StringComparison.Ordinal);
        Assert.Empty(smtp.SignIns());
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task Send_ServerRefusesEveryToken_FailsNamingTheMailboxAfterOneRefresh()
    {
        await using var smtp = await SmtpServer.StartAsync(xoauth2: true);
        await using var endpoint = await TokenEndpoint.StartAsync();
        var (sender, tokens) = Sender(smtp, ClientCredentials(endpoint), TimeProvider.System);
        Exception failure;
        using (sender)
        using (tokens)
        using (var mail = Mail("nt_refused"))
        {
            failure = await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(mail, "nt_refused", CancellationToken.None));
        }

        var cause = DeliveryFailure.Describe(failure);
        Assert.StartsWith("authentication: OAuth2: the SMTP server refused the token (XOAUTH2) for Notifications:Smtp:UserName 'alerts@northbridge.example'", cause, StringComparison.Ordinal);
        Assert.Contains("535", cause, StringComparison.Ordinal);
        Assert.Equal([(false, Mailbox, "tok-1"), (false, Mailbox, "tok-2")], smtp.SignIns());
    }

    [Theory]
    [InlineData("Auth", "kerberos", "Notifications:Smtp:Auth must be password or oauth2 (was 'kerberos').")]
    [InlineData("UserName", "", "Notifications:Smtp:UserName must be the mailbox the app sends as when Notifications:Smtp:Auth is oauth2 (was '').")]
    [InlineData("ClientId", "", "Notifications:Smtp:OAuth2:ClientId must be the app registration's client id (was empty).")]
    [InlineData("ClientSecret", "", "Notifications:Smtp:OAuth2: set exactly one of ClientSecret and ClientSecretFile (were both empty).")]
    [InlineData("ClientSecretFile", "/nonexistent/secret", "Notifications:Smtp:OAuth2: set exactly one of ClientSecret and ClientSecretFile (were both set).")]
    [InlineData("TokenEndpoint", "http://login.example.org/token", "Notifications:Smtp:OAuth2:TokenEndpoint must be an absolute https URL (http only on a loopback address) (was 'http://login.example.org/token').")]
    [InlineData("Grant", "password", "Notifications:Smtp:OAuth2:Grant must be client_credentials (Microsoft 365) or service_account (Google Workspace) (was 'password').")]
    [InlineData("ServiceAccountKeyFile", "/nonexistent/key.json", "Notifications:Smtp:OAuth2:ServiceAccountKeyFile must name the service account's JSON key file (was '/nonexistent/key.json', which does not exist).")]
    public void Validate_OAuth2SettingWrong_FailsNamingTheKeyAndValue(string setting, string value, string expected)
    {
        var smtp = new SmtpSettings
        {
            Host = "smtp.office365.com",
            Port = 587,
            Auth = "oauth2",
            UserName = Mailbox,
            OAuth2 = new SmtpOAuth2Settings { TokenEndpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token", ClientId = "app-1", ClientSecret = "s3cret" },
        };
        switch (setting)
        {
            case "Auth": smtp.Auth = value; break;
            case "UserName": smtp.UserName = value; break;
            case "ClientId": smtp.OAuth2.ClientId = value; break;
            case "ClientSecret": smtp.OAuth2.ClientSecret = value; break;
            case "ClientSecretFile": smtp.OAuth2.ClientSecretFile = value; break;
            case "TokenEndpoint": smtp.OAuth2.TokenEndpoint = value; break;
            case "Grant": smtp.OAuth2.Grant = value; break;
            case "ServiceAccountKeyFile": smtp.OAuth2.Grant = "service_account"; smtp.OAuth2.TokenEndpoint = ""; smtp.OAuth2.ServiceAccountKeyFile = value; break;
        }

        var result = new NotificationOptionsValidator().Validate(null, new NotificationOptions { Smtp = smtp });

        Assert.Equal([expected], result.Failures ?? []);
    }

    [Fact]
    public void Validate_MicrosoftDefaults_Succeed()
    {
        var smtp = new SmtpSettings
        {
            Host = "smtp.office365.com",
            Port = 587,
            Security = "StartTls",
            Auth = "oauth2",
            UserName = Mailbox,
            OAuth2 = new SmtpOAuth2Settings { TokenEndpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token", ClientId = "app-1", ClientSecret = "s3cret" },
        };

        Assert.True(new NotificationOptionsValidator().Validate(null, new NotificationOptions { Smtp = smtp }).Succeeded);
        Assert.Equal("https://outlook.office365.com/.default", smtp.OAuth2.EffectiveScope);
    }

    private static SmtpOAuth2Settings ClientCredentials(TokenEndpoint endpoint) =>
        new() { TokenEndpoint = endpoint.Url, ClientId = "app-1", ClientSecret = "s3cret" };

    private static (SmtpEmailSender Sender, SmtpTokenSource Tokens) Sender(SmtpServer smtp, SmtpOAuth2Settings oauth, TimeProvider clock)
    {
        var options = Options.Create(new NotificationOptions
        {
            Smtp = new SmtpSettings { Host = "127.0.0.1", Port = smtp.Port, Security = "None", Auth = "oauth2", UserName = Mailbox, OAuth2 = oauth, Timeout = TimeSpan.FromSeconds(60) },
        });
        var http = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var tokens = new SmtpTokenSource(options, http, clock);
        return (new SmtpEmailSender(options, clock, tokens), tokens);
    }

    private static MimeKit.MimeMessage Mail(string id) =>
        NotificationEmail.PlainText("alertpipeline@northbridge.example", "dsl@oakfield.example", "test", "body", id, urgent: false);
}

using System.Net;
using System.Text.RegularExpressions;
using AlertPipeline.Audit;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

/// <summary>Sessions, sign-in and the live stream against the real host over real HTTP (issue 18, security).</summary>
public sealed partial class SessionSecurityTests
{
    [Fact]
    public async Task LiveStream_AccountDisabledWhileOpen_EndsAndSendsNoFurtherAlert()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Users:StreamRecheckInterval"] = "00:00:00.200",
            ["Console:FeedPollInterval"] = "00:00:00.100",
        });
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var response = await dsl.Http.GetAsync("/api/v1/events/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());
        var before = ConsoleData.SaveAlert(host, screenshot: false);
        await ReadUntilAsync(reader, before.AlertId);

        host.App.Services.GetRequiredService<UserStore>().Disable("dsl.oak");
        var after = ConsoleData.SaveAlert(host, screenshot: false);
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains("event: session-ended", rest, StringComparison.Ordinal);
        Assert.DoesNotContain(after.AlertId, rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiveStream_PasswordChangedElsewhere_EndsWithoutAnyAlert()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Users:StreamRecheckInterval"] = "00:00:00.200" });
        var user = ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var response = await dsl.Http.GetAsync("/api/v1/events/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());

        host.App.Services.GetRequiredService<UserStore>().ChangePassword("dsl.oak", ConsoleSession.Password, "a-brand-new-password");

        Assert.Contains("event: session-ended", await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60)), StringComparison.Ordinal);
        Assert.NotEqual(user.SecurityStamp, host.App.Services.GetRequiredService<UserStore>().FindById(user.UserId)!.SecurityStamp);
    }

    [Fact]
    public async Task PasswordChange_ThroughTheForm_EndsTheAccountsOtherSessionsButNotTheNewOne()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var laptop = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var phone = ConsoleSession.Anonymous(host);
        Assert.Equal(HttpStatusCode.OK, (await laptop.Http.GetAsync("/api/v1/alerts")).StatusCode);

        var change = await PostPasswordAsync(phone, "dsl.oak", ConsoleSession.Password, "a-brand-new-password");

        Assert.Equal(HttpStatusCode.Redirect, change.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.Http.GetAsync("/api/v1/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.Http.GetAsync("/api/v1/alerts")).StatusCode);
    }

    [Fact]
    public async Task Session_SecurityStampRotated_EndsAtTheNextRequest()
    {
        await using var host = await TestHost.StartAsync();
        var user = ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);

        Assert.True(host.App.Services.GetRequiredService<UserStore>().RotateSecurityStamp(user.UserId));

        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
    }

    [Fact]
    public async Task PasswordForm_SharesTheSignInLimitPerAddress()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Users:SignInAttemptsPerMinute"] = "3" });
        using var session = ConsoleSession.Anonymous(host);

        var answers = new List<HttpStatusCode>
        {
            (await session.PostSignInAsync("guess.one", "not-the-password")).StatusCode,
            (await session.PostSignInAsync("guess.two", "not-the-password")).StatusCode,
            (await PostPasswordAsync(session, "guess.three", "not-the-password", "another-long-password")).StatusCode,
            (await PostPasswordAsync(session, "guess.four", "not-the-password", "another-long-password")).StatusCode,
        };

        Assert.All(answers.Take(3), status => Assert.NotEqual(HttpStatusCode.TooManyRequests, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[3]);
    }

    [Fact]
    public async Task PasswordForm_WrongCurrentPassword_IsAuditedAsAFailedSignIn()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var session = ConsoleSession.Anonymous(host);

        var response = await PostPasswordAsync(session, "dsl.oak", "not-the-password", "another-long-password");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(host.App.Services.GetRequiredService<AuditLog>().Read(),
            e => e.Action == AuditActions.SignInFailed && e.Actor == "dsl.oak" && e.Detail!.StartsWith("password change: wrong password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignIn_UnknownWrongDisabledOrLocked_AllGetTheSameAnswer()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        ConsoleSession.CreateUser(host, "dsl.gone", ConsoleRoles.Dsl, "oakfield");
        host.App.Services.GetRequiredService<UserStore>().Disable("dsl.gone");
        using var session = ConsoleSession.Anonymous(host);

        var unknown = await FailureAsync(session, "dsl.nobody", "not-the-password");
        var wrong = await FailureAsync(session, "dsl.oak", "not-the-password");
        var disabled = await FailureAsync(session, "dsl.gone", ConsoleSession.Password);
        for (var i = 0; i < 4; i++)
        {
            await FailureAsync(session, "dsl.oak", "not-the-password");
        }

        var locked = await FailureAsync(session, "dsl.oak", ConsoleSession.Password);
        var passwordFormLocked = ErrorText(await (await PostPasswordAsync(session, "dsl.oak", ConsoleSession.Password, "another-long-password")).Content.ReadAsStringAsync());

        Assert.All(new[] { wrong, disabled, locked, passwordFormLocked }, answer => Assert.Equal(unknown, answer));
        Assert.Contains(host.App.Services.GetRequiredService<AuditLog>().Read(), e => e.Action == AuditActions.SignInFailed && e.Detail!.StartsWith("locked out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lockout_DrivenFromAnotherAddress_DoesNotLockTheOwnerOut_AndAdminCanUnlock()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Proxy:KnownProxies:0"] = "127.0.0.1" });
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        ConsoleSession.CreateUser(host, "admin", ConsoleRoles.Admin);
        using var attacker = From(ConsoleSession.Anonymous(host), "203.0.113.66");
        using var owner = From(ConsoleSession.Anonymous(host), "198.51.100.7");
        for (var i = 0; i < 5; i++)
        {
            await attacker.PostSignInAsync("dsl.oak", "not-the-password");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostSignInAsync("dsl.oak", ConsoleSession.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostSignInAsync("dsl.oak", ConsoleSession.Password)).StatusCode);

        using var admin = await ConsoleSession.SignInAsync(host, "admin", ConsoleSession.Password);
        var page = await admin.Http.GetStringAsync("/accounts");
        Assert.Matches("dsl\\.oak</td>.*?active; locked after failed passwords from 1 address", Regex.Replace(page, "\\s+", " "));
        Assert.Contains("/api/v1/users/dsl.oak/unlock", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/api/v1/users/dsl.oak/unlock")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await attacker.PostSignInAsync("dsl.oak", ConsoleSession.Password)).StatusCode);
        Assert.Contains(host.App.Services.GetRequiredService<AuditLog>().Read(), e => e.Actor == "admin" && e.Detail == "unlocked dsl.oak");
    }

    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/%09/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("/%5Cevil.example")]
    [InlineData("/%2F/evil.example")]
    [InlineData("/%252F/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("evil.example")]
    public async Task SignIn_ReturnUrlLeavingTheSite_GoesToTheStartPageInstead(string returnUrl)
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var session = ConsoleSession.Anonymous(host);

        var response = await SignInWithReturnAsync(session, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/alerts", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignIn_LocalReturnUrl_IsFollowed()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var session = ConsoleSession.Anonymous(host);

        var response = await SignInWithReturnAsync(session, "/alerts?status=all&severity=urgent");

        Assert.Equal("/alerts?status=all&severity=urgent", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task BehindAKnownTlsProxy_CookiesAreSecureAndHstsIsSent()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Proxy:KnownProxies:0"] = "127.0.0.1" });
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        // The proxy speaks plain HTTP to the host, so a cookie jar would hold back the Secure cookies: carried by hand.
        using var proxy = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = host.Http.BaseAddress };
        proxy.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        proxy.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.7");

        var form = await proxy.GetAsync("/sign-in");
        var csrf = Assert.Single(Cookie(form, "ap.csrf"));
        var post = new HttpRequestMessage(HttpMethod.Post, "/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["name"] = "dsl.oak", ["password"] = ConsoleSession.Password,
                ["__RequestVerificationToken"] = ConsoleSession.FormToken(await form.Content.ReadAsStringAsync()),
            }),
        };
        post.Headers.Add("Cookie", csrf.Split(';')[0]);
        var signIn = await proxy.SendAsync(post);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains("secure", csrf, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", Assert.Single(Cookie(signIn, "ap.console")), StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("max-age=", form.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedHeaders_FromAnUnlistedPeer_AreIgnored()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var session = ConsoleSession.Anonymous(host);
        session.Http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var signIn = await session.PostSignInAsync("dsl.oak", ConsoleSession.Password);

        Assert.DoesNotContain(Cookie(signIn, "ap.console"), c => c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.False(signIn.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task IdleTimeout_LiveUpdates_DoNotRenewTheSession_ButThePersonsRequestsDo()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(clock));
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        clock.Advance(TimeSpan.FromHours(5)); // past half of the 8-hour idle timeout: any renewing request renews now

        var background = new HttpRequestMessage(HttpMethod.Get, "/api/v1/alerts");
        background.Headers.Add(SignInEndpoints.BackgroundHeader, "live");
        var live = await dsl.Http.SendAsync(background);
        var person = await dsl.Http.GetAsync("/api/v1/alerts");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Empty(Cookie(live, "ap.console"));
        Assert.Single(Cookie(person, "ap.console"));
    }

    [Fact]
    public async Task IdleTimeout_PassedWhileOnlyLiveUpdatesCame_EndsTheSession()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(clock));
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        for (var hour = 0; hour < 9; hour++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            var background = new HttpRequestMessage(HttpMethod.Get, "/api/v1/alerts");
            background.Headers.Add(SignInEndpoints.BackgroundHeader, "live");
            await dsl.Http.SendAsync(background);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
    }

    private static ConsoleSession From(ConsoleSession session, string address)
    {
        session.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return session;
    }

    private static IEnumerable<string> Cookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Where(v => v.StartsWith(name + "=", StringComparison.Ordinal)) : [];

    private static async Task<string> FailureAsync(ConsoleSession session, string name, string password)
    {
        var response = await session.PostSignInAsync(name, password);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return ErrorText(await response.Content.ReadAsStringAsync());
    }

    private static string ErrorText(string page) => ErrorParagraph().Match(page) is { Success: true } m ? m.Groups[1].Value : "(no error shown)";

    private static async Task<HttpResponseMessage> PostPasswordAsync(ConsoleSession session, string name, string current, string replacement)
    {
        var page = await session.Http.GetStringAsync("/sign-in");
        return await session.Http.PostAsync("/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name, ["current"] = current, ["new"] = replacement, ["confirm"] = replacement,
            ["__RequestVerificationToken"] = ConsoleSession.FormToken(page),
        }));
    }

    private static async Task<HttpResponseMessage> SignInWithReturnAsync(ConsoleSession session, string returnUrl)
    {
        var page = await session.Http.GetStringAsync("/sign-in");
        return await session.Http.PostAsync("/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "dsl.oak", ["password"] = ConsoleSession.Password, ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = ConsoleSession.FormToken(page),
        }));
    }

    private static async Task ReadUntilAsync(StreamReader reader, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return;
            }
        }

        throw new InvalidOperationException($"the stream ended before '{text}'");
    }

    [GeneratedRegex("<p class=\"error\" role=\"alert\">([^<]*)</p>")]
    private static partial Regex ErrorParagraph();
}

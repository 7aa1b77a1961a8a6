using System.Net;
using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.Hosting;
using AlertPipeline.Tests.Console;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.Playwright;

namespace AlertPipeline.Tests.Users;

/// <summary>
/// The real host, a real OpenID Connect provider (oidc-provider on Node) and Debian's Chromium: staff sign in through
/// the console's "Sign in with …" button exactly as they would with Microsoft or Google.
/// </summary>
public sealed class OidcConsoleFixture : IAsyncLifetime
{
    public const string Provider = "school";

    private readonly BrowserFixture _browser = new();
    private OidcProvider? _provider;

    internal TestHost Host { get; private set; } = null!;

    public IBrowser Browser => _browser.Browser;

    /// <summary>People at the provider: login → the claims it sends.</summary>
    internal static readonly Dictionary<string, object> Accounts = new()
    {
        ["dsl"] = new { email = "j.bloggs@oakfield.sch.uk", email_verified = true, groups = new[] { "g-dsl-oakfield", "g-staff" } },
        ["trust"] = new { email = "a.head@oakfield.sch.uk", email_verified = true, groups = new[] { "g-dsl-oakfield", "g-trust-dsl" } },
        ["stranger"] = new { email = "caretaker@oakfield.sch.uk", email_verified = true, groups = new[] { "g-staff" } },
        ["outsider"] = new { email = "someone@gmail.com", email_verified = true, groups = new[] { "g-dsl-oakfield" } },
        ["unverified"] = new { email = "new.starter@oakfield.sch.uk", email_verified = false, groups = new[] { "g-dsl-oakfield" } },
        ["two-jobs"] = new { email = "it.dsl@oakfield.sch.uk", email_verified = true, groups = new[] { "g-dsl-oakfield", "g-it" } },
        ["governor"] = new { email = "chair@oakfield.sch.uk", email_verified = true, groups = Array.Empty<string>() },
        ["leaver"] = new { email = "leaver@oakfield.sch.uk", email_verified = true, groups = new[] { "g-dsl-oakfield" } },
        ["mover"] = new { email = "mover@oakfield.sch.uk", email_verified = true, groups = Array.Empty<string>() },
    };

    public async Task InitializeAsync()
    {
        await _browser.InitializeAsync();
        var port = OidcProvider.FreePort();
        var key = $"Users:Oidc:Providers:{Provider}";
        Host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            [$"{key}:DisplayName"] = "Oakfield school account",
            [$"{key}:Authority"] = $"http://localhost:{port}",
            [$"{key}:ClientId"] = OidcProvider.ClientId,
            [$"{key}:ClientSecret"] = OidcProvider.ClientSecret,
            [$"{key}:Domains:0"] = "oakfield.sch.uk",
            [$"{key}:Groups:g-dsl-oakfield"] = "dsl:oakfield",
            [$"{key}:Groups:g-trust-dsl"] = "trust-dsl",
            [$"{key}:Groups:g-it"] = "it",
        });
        var redirect = Host.App.BoundAddress().ToString().TrimEnd('/') + $"/sign-in/oidc/{Provider}/callback";
        _provider = await OidcProvider.StartAsync(port, redirect, Accounts);
    }

    internal string Address => Host.Http.BaseAddress!.ToString().TrimEnd('/');

    internal IReadOnlyList<AuditEntry> Audit => Host.App.Services.GetRequiredService<AuditLog>().Read();

    internal UserStore Users => Host.App.Services.GetRequiredService<UserStore>();

    /// <summary>A fresh browser (no cookies at the console or the provider) that signs in as <paramref name="login"/> at the provider.</summary>
    internal async Task<IPage> SignInAsync(string login, string start = "/alerts")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB" });
        // Generous: four round trips through two servers and a browser, on two cores shared with the rest of the suite.
        context.SetDefaultTimeout(60_000);
        // The provider's development pages @import a web font from fonts.googleapis.com. With no route to the internet
        // (CI) that request hangs rather than fails, holding the render-blocking stylesheet, so the login page was
        // neither painted nor clickable for up to a minute: the cause of the sign-in hop that timed out in a full run.
        // Everything these tests need is on loopback; anything else is refused at once, as a school's filter would.
        await context.RouteAsync(url => !IsLoopback(url), route => route.AbortAsync());
        var page = await context.NewPageAsync();
        await page.GotoAsync(Address + start);
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Oakfield school account" }).ClickAsync();
        // The provider's own login page, on its own site. Only the address is awaited, as on the way back: FillAsync
        // waits for the field itself, and the page's load event once took over 60 s in a full run (a clean clone).
        // Not WaitForURLAsync with Commit, which waits for that load event after all when the address already matches.
        await PageAddress.WaitAsync(page, url => url.StartsWith("http://localhost:", StringComparison.Ordinal), "the provider's login page");
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", "any password: the provider's development login page");
        await page.ClickAsync("button[type=submit]");
        // Back at the console, past the same-site hop; only the address matters here (the callers read the page next,
        // and Playwright waits for what they read), so the page's own load event is not awaited.
        await PageAddress.WaitAsync(page, url => url.StartsWith(Address, StringComparison.Ordinal) && !url.Contains("/sign-in/continue", StringComparison.Ordinal),
            "the console, past the same-site hop");
        return page;
    }

    private static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Scheme is not ("http" or "https"));

    internal static async Task<JsonElement?> SessionAsync(IPage page)
    {
        var response = await page.APIRequest.GetAsync(page.Url[..page.Url.IndexOf('/', 8)] + "/api/v1/session");
        return response.Status == 200 ? JsonSerializer.Deserialize<JsonElement>(await response.TextAsync()) : null;
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await Host.DisposeAsync();
        await _browser.DisposeAsync();
    }
}

public sealed class OidcSignInBrowserTests(OidcConsoleFixture fixture) : IClassFixture<OidcConsoleFixture>
{
    [Fact]
    public async Task SignIn_DslGroupAtProvider_LandsOnOwnSchoolsQueueWithAuditedSession()
    {
        var page = await fixture.SignInAsync("dsl", start: "/alerts");

        await PageAddress.WaitAsync(page, url => new Uri(url).AbsolutePath == "/alerts", "the alert queue");
        Assert.Contains("j.bloggs@oakfield.sch.uk · dsl · oakfield", await page.InnerTextAsync(".who"), StringComparison.Ordinal);
        var session = await OidcConsoleFixture.SessionAsync(page);
        Assert.Equal("dsl", session!.Value.GetProperty("role").GetString());
        Assert.Equal(["oakfield"], session.Value.GetProperty("schools").EnumerateArray().Select(s => s.GetString()));
        // The same cookie as a local sign-in: HTTP-only, SameSite=Strict; the provider's tokens are not kept in it.
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "ap.console");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        var account = fixture.Users.Find("j.bloggs@oakfield.sch.uk")!;
        Assert.Equal((OidcConsoleFixture.Provider, true), (account.Provider, account.Mapped));
        Assert.Contains(fixture.Audit, e => e.Action == AuditActions.SignIn && e.Actor == "j.bloggs@oakfield.sch.uk" && e.Role == "dsl"
            && e.Detail!.StartsWith($"via {OidcConsoleFixture.Provider} from ", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignIn_TrustDslAndSchoolDslGroups_GetsTrustDslWhichCoversIt()
    {
        var page = await fixture.SignInAsync("trust");

        var session = await OidcConsoleFixture.SessionAsync(page);
        Assert.Equal("trust-dsl", session!.Value.GetProperty("role").GetString());
        Assert.Equal(0, session.Value.GetProperty("schools").GetArrayLength());
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("stranger", "no role for caretaker@oakfield.sch.uk")]
    [InlineData("outsider", "someone@gmail.com is not in an allowed domain")]
    [InlineData("unverified", "has not verified new.starter@oakfield.sch.uk")]
    [InlineData("two-jobs", "groups give more than one role (dsl, it)")]
    public async Task SignIn_NoRoleOrNotAllowed_RefusedWithPlainMessageAndAuditedReason(string login, string reason)
    {
        var page = await fixture.SignInAsync(login);

        Assert.Contains("/sign-in", page.Url, StringComparison.Ordinal);
        Assert.Contains("has no access to this console", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Null(await OidcConsoleFixture.SessionAsync(page));
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "ap.console");
        Assert.Contains(fixture.Audit, e => e.Action == AuditActions.SignInFailed && e.Detail!.Contains(reason, StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignIn_RoleAssignedByAdministrator_GetsThatRoleAndNoPasswordSignIn()
    {
        using var admin = await AdminAsync();
        var added = await admin.PostJsonAsync("/api/v1/users", new { name = "chair@oakfield.sch.uk", role = "governor", signIn = OidcConsoleFixture.Provider });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.DoesNotContain("password", await added.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var page = await fixture.SignInAsync("governor", start: "/");

        await PageAddress.WaitAsync(page, url => new Uri(url).AbsolutePath == "/summary", "the governor summary");
        Assert.Equal("governor", (await OidcConsoleFixture.SessionAsync(page))!.Value.GetProperty("role").GetString());
        // The account has no password here: the local form refuses it with the usual answer, and says why only in the log.
        using var local = ConsoleSession.Anonymous(fixture.Host);
        Assert.Equal(HttpStatusCode.Unauthorized, (await local.PostSignInAsync("chair@oakfield.sch.uk", "")).StatusCode);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Session_AccountDisabledThenEnabled_EndsAtNextRequestThenSignsInAgain()
    {
        var page = await fixture.SignInAsync("leaver");
        Assert.NotNull(await OidcConsoleFixture.SessionAsync(page));
        using var admin = await AdminAsync();

        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/api/v1/users/leaver@oakfield.sch.uk/disable", new { })).StatusCode);

        Assert.Null(await OidcConsoleFixture.SessionAsync(page));
        var again = await fixture.SignInAsync("leaver");
        Assert.Contains("/sign-in", again.Url, StringComparison.Ordinal);
        Assert.Contains(fixture.Audit, e => e.Action == AuditActions.SignInFailed && e.Detail!.Contains("the account is disabled", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/api/v1/users/leaver@oakfield.sch.uk/enable", new { })).StatusCode);
        var back = await fixture.SignInAsync("leaver");
        Assert.Equal("dsl", (await OidcConsoleFixture.SessionAsync(back))!.Value.GetProperty("role").GetString());
        await Task.WhenAll(page.Context.CloseAsync(), again.Context.CloseAsync(), back.Context.CloseAsync());
    }

    private async Task<ConsoleSession> AdminAsync()
    {
        if (fixture.Users.Find("oidc.admin") is null)
        {
            ConsoleSession.CreateUser(fixture.Host, "oidc.admin", ConsoleRoles.Admin);
        }

        return await ConsoleSession.SignInAsync(fixture.Host, "oidc.admin", ConsoleSession.Password);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// A person using the console over real HTTP: a cookie jar, no automatic redirects (so a test sees a 302 to the
/// sign-in page as a 302), and the anti-forgery token the pages would give the browser.
/// </summary>
internal sealed partial class ConsoleSession : IDisposable
{
    private ConsoleSession(Uri address)
    {
        Http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public HttpClient Http { get; }

    public string? CsrfToken { get; private set; }

    public static ConsoleSession Anonymous(TestHost host) => new(PipelineHost(host));

    /// <summary>Signs in through the sign-in form exactly as a browser does; throws unless it succeeds.</summary>
    public static Task<ConsoleSession> SignInAsync(TestHost host, string name, string password) => SignInAsync(host.App, name, password);

    public static Task<ConsoleSession> SignInAsync(WebApplication app, string name, string password) =>
        SignInAsync(app.BoundAddress(), name, password);

    /// <summary>Signs in to the console at <paramref name="address"/> (e.g. a <see cref="HostProcess"/>).</summary>
    public static async Task<ConsoleSession> SignInAsync(Uri address, string name, string password)
    {
        var session = new ConsoleSession(address);
        var response = await session.PostSignInAsync(name, password);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in as {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var me = await session.Http.GetFromJsonAsync<JsonElement>("/api/v1/session");
        session.CsrfToken = me.GetProperty("csrfToken").GetString();
        return session;
    }

    public static UserAccount CreateUser(TestHost host, string name, string role, params string[] schools) =>
        host.App.Services.GetRequiredService<UserStore>().Create(name, role, schools, Password, mustChangePassword: false);

    public const string Password = "correct-horse-battery";

    public async Task<HttpResponseMessage> PostSignInAsync(string name, string password)
    {
        var page = await Http.GetStringAsync("/sign-in");
        return await Http.PostAsync("/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name,
            ["password"] = password,
            ["__RequestVerificationToken"] = FormToken(page),
        }));
    }

    public static string FormToken(string html) => TokenField().Match(html) is { Success: true } m
        ? WebUtility.HtmlDecode(m.Groups[1].Value)
        : throw new InvalidOperationException("the page has no anti-forgery field");

    /// <summary>POSTs JSON with the session's anti-forgery header, as console.js does.</summary>
    public Task<HttpResponseMessage> PostJsonAsync(string path, object? body = null, bool withToken = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body ?? new { }) };
        if (withToken && CsrfToken is not null)
        {
            request.Headers.Add(AntiforgeryFilter.HeaderName, CsrfToken);
        }

        return Http.SendAsync(request);
    }

    public void Dispose() => Http.Dispose();

    private static Uri PipelineHost(TestHost host) => host.App.BoundAddress();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Users;

/// <summary>
/// Password reset, re-enable, role change and removal, from the console's accounts API and from the command line,
/// against the real host: each is audited and ends the person's open sessions where it should.
/// </summary>
public sealed class AccountLifecycleTests
{
    [Fact]
    public async Task ResetPassword_FromConsole_EndsSessionsAndOneTimePasswordOpensOnlyThePasswordForm()
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var (admin, dsl) = (sessions.Admin, sessions.Dsl);

        var response = await admin.PostJsonAsync("/api/v1/users/dsl.oak/reset-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var password = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("password").GetString()!;
        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
        using var again = ConsoleSession.Anonymous(host);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.PostSignInAsync("dsl.oak", ConsoleSession.Password)).StatusCode);
        var withOneTime = await again.PostSignInAsync("dsl.oak", password);
        Assert.Equal(HttpStatusCode.OK, withOneTime.StatusCode);
        Assert.Contains("Choose a new password", await withOneTime.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertAudited(host, "admin", "reset the password of dsl.oak");
    }

    [Fact]
    public async Task ChangeRole_FromConsole_EndsSessionAndNextSignInCarriesTheNewRole()
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var (admin, dsl) = (sessions.Admin, sessions.Dsl);

        var response = await admin.PostJsonAsync("/api/v1/users/dsl.oak/role", new { role = "dsl", schools = "oakfield,riverside" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
        using var again = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var session = await again.Http.GetFromJsonAsync<JsonElement>("/api/v1/session");
        Assert.Equal(["oakfield", "riverside"], session.GetProperty("schools").EnumerateArray().Select(s => s.GetString()));
        AssertAudited(host, "admin", "changed the role of dsl.oak to dsl oakfield,riverside");
    }

    [Theory]
    [InlineData("dsl", "narnia", "school 'narnia' is not configured")]
    [InlineData("superuser", "", "role 'superuser' is not one of")]
    [InlineData("governor", "oakfield", "not tied to schools")]
    public async Task ChangeRole_InvalidRoleOrUnknownSchool_RefusedNamingTheProblemAndSessionKept(string role, string schools, string message)
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var (admin, dsl) = (sessions.Admin, sessions.Dsl);

        var response = await admin.PostJsonAsync("/api/v1/users/dsl.oak/role", new { role, schools });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
    }

    [Fact]
    public async Task Remove_FromConsole_EndsSessionAndTheNameNoLongerSignsIn()
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var (admin, dsl) = (sessions.Admin, sessions.Dsl);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/api/v1/users/dsl.oak/remove")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
        using var again = ConsoleSession.Anonymous(host);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.PostSignInAsync("dsl.oak", ConsoleSession.Password)).StatusCode);
        Assert.Null(host.App.Services.GetRequiredService<UserStore>().Find("dsl.oak"));
        AssertAudited(host, "admin", "removed dsl.oak");
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostJsonAsync("/api/v1/users/admin/remove")).StatusCode);
    }

    [Fact]
    public async Task Enable_FromConsoleAfterDisable_SignsInAgainWhileTheOldSessionStaysEnded()
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var (admin, dsl) = (sessions.Admin, sessions.Dsl);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/api/v1/users/dsl.oak/disable")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/api/v1/users/dsl.oak/enable")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
        using var again = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        Assert.Equal(HttpStatusCode.OK, (await again.Http.GetAsync("/api/v1/alerts")).StatusCode);
        AssertAudited(host, "admin", "enabled dsl.oak");
    }

    [Fact]
    public async Task LifecycleApi_NotAdministrator_Forbidden()
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var dsl = sessions.Dsl;

        foreach (var verb in new[] { "enable", "remove", "reset-password", "role" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await dsl.PostJsonAsync($"/api/v1/users/admin/{verb}", new { role = "dsl", schools = "oakfield" })).StatusCode);
        }
    }

    /// <summary>The same four changes from the command line, against the data directory of a host that is running.</summary>
    [Theory]
    [InlineData("reset-password", "reset the password of dsl.oak", "One-time password (shown once)")]
    [InlineData("remove", "removed dsl.oak", "Removed dsl.oak")]
    [InlineData("role", "changed the role of dsl.oak to it", "dsl.oak is now it")]
    public async Task UsersCommand_ChangeWhileHostRuns_EndsTheOpenSessionAndIsAudited(string sub, string audited, string said)
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var dsl = sessions.Dsl;
        string[] args = sub == "role"
            ? ["users", "role", "dsl.oak", "--role", "it", "--data-dir", host.DataDirectory]
            : ["users", sub, "dsl.oak", "--data-dir", host.DataDirectory];

        var (code, output, error) = await CliTests.RunAsync(args);

        Assert.True(code == 0, error);
        Assert.Contains(said, output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
        AssertAudited(host, "cli:" + Environment.UserName, audited);
    }

    [Fact]
    public async Task UsersCommand_EnableAfterDisable_SignsInAgainAndIsAudited()
    {
        await using var host = await TestHost.StartAsync();
        using var sessions = await AdminAndDslAsync(host);
        var dsl = sessions.Dsl;
        Assert.Equal(0, (await CliTests.RunAsync(["users", "disable", "dsl.oak", "--data-dir", host.DataDirectory])).Code);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);

        var (code, _, error) = await CliTests.RunAsync(["users", "enable", "dsl.oak", "--data-dir", host.DataDirectory]);

        Assert.True(code == 0, error);
        using var again = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        Assert.Equal(HttpStatusCode.OK, (await again.Http.GetAsync("/api/v1/alerts")).StatusCode);
        AssertAudited(host, "cli:" + Environment.UserName, "enabled dsl.oak");
    }

    [Theory]
    [InlineData(new[] { "users", "enable", "nobody" }, "no account 'nobody'")]
    [InlineData(new[] { "users", "role", "dsl.oak", "--role", "dsl", "--school", "narnia" }, "school 'narnia' is not configured")]
    [InlineData(new[] { "users", "add", "--name", "x@oakfield.sch.uk", "--role", "it", "--sign-in", "microsoft" }, "sign-in provider 'microsoft' is not configured")]
    public async Task UsersCommand_BadInput_FailsNamingTheProblem(string[] args, string message)
    {
        using var directory = new TempDirectory();
        Assert.Equal(0, (await CliTests.RunAsync(["users", "add", "--name", "dsl.oak", "--role", "dsl", "--school", "oakfield", "--data-dir", directory.Path])).Code);

        var (code, _, error) = await CliTests.RunAsync([.. args, "--data-dir", directory.Path]);

        Assert.NotEqual(0, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private sealed record Sessions(ConsoleSession Admin, ConsoleSession Dsl) : IDisposable
    {
        public void Dispose()
        {
            Admin.Dispose();
            Dsl.Dispose();
        }
    }

    private static async Task<Sessions> AdminAndDslAsync(TestHost host)
    {
        ConsoleSession.CreateUser(host, "admin", ConsoleRoles.Admin);
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var admin = await ConsoleSession.SignInAsync(host, "admin", ConsoleSession.Password);
        var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
        return new Sessions(admin, dsl);
    }

    private static void AssertAudited(TestHost host, string actor, string detail) =>
        Assert.Contains(host.App.Services.GetRequiredService<AuditLog>().Read(), e =>
            e.Action == AuditActions.AccountChange && e.Actor == actor && e.Detail!.Contains(detail, StringComparison.Ordinal));
}

using System.Net;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

/// <summary>An account cannot be created for a school the trust does not configure, from the CLI or the API.</summary>
public sealed class UnknownSchoolTests
{
    [Fact]
    public async Task UsersAdd_SchoolNotConfigured_RefusedNamingTheConfiguredSchools()
    {
        using var dir = new TempDirectory();

        var (code, output, error) = await CliTests.RunAsync(["users", "add", "--name", "dsl.narnia", "--role", "dsl", "--school", "narnia", "--data-dir", dir.Path]);
        var (_, list, _) = await CliTests.RunAsync(["users", "list", "--data-dir", dir.Path]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("error: users add: school 'narnia' is not configured (Trust:Schools: ", error, StringComparison.Ordinal);
        Assert.Contains("oakfield", error, StringComparison.Ordinal);
        Assert.DoesNotContain("dsl.narnia", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostUsers_SchoolNotConfigured_400AndNoAccount()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "root.admin", ConsoleRoles.Admin);
        using var admin = await ConsoleSession.SignInAsync(host, "root.admin", ConsoleSession.Password);

        var response = await admin.PostJsonAsync("/api/v1/users", new { name = "dsl.narnia", role = "dsl", schools = "oakfield,narnia" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("school 'narnia' is not configured", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.App.Services.GetRequiredService<UserStore>().List(), u => u.Name == "dsl.narnia");
    }
}

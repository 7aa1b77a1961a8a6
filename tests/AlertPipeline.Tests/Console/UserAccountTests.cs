using System.Net;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Console;

public sealed class UserAccountTests
{
    [Fact]
    public async Task SignIn_ManyAttemptsFromOneAddress_AreRefusedWith429WhateverTheAccount()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Users:SignInAttemptsPerMinute"] = "3" });
        using var session = ConsoleSession.Anonymous(host);

        // Three different accounts: lockout (per account) would never trigger; the per-address limit does.
        var answers = new List<HttpStatusCode>();
        foreach (var name in new[] { "guess.one", "guess.two", "guess.three", "guess.four" })
        {
            answers.Add((await session.PostSignInAsync(name, "not-the-password")).StatusCode);
        }

        Assert.All(answers.Take(3), status => Assert.NotEqual(HttpStatusCode.TooManyRequests, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[3]);
    }

    [Fact]
    public void SignIn_ThresholdWrongPasswords_LocksEvenTheRightPasswordUntilTheLockExpires()
    {
        using var directory = new TempDirectory();
        var clock = new FakeClock(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var users = NewStore(directory, clock);
        users.Create("dsl.oak", ConsoleRoles.Dsl, ["oakfield"], ConsoleSession.Password, mustChangePassword: false);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(SignInOutcome.Invalid, users.SignIn("dsl.oak", "wrong-password-guess").Outcome);
        }

        Assert.Equal(SignInOutcome.LockedOut, users.SignIn("dsl.oak", "wrong-password-guess").Outcome);
        Assert.Equal(SignInOutcome.LockedOut, users.SignIn("dsl.oak", ConsoleSession.Password).Outcome);
        clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInOutcome.Success, users.SignIn("dsl.oak", ConsoleSession.Password).Outcome);
    }

    [Fact]
    public void Create_Password_IsStoredOnlyAsAHash()
    {
        using var directory = new TempDirectory();
        var users = NewStore(directory, TimeProvider.System);
        users.Create("it.support", ConsoleRoles.It, [], "a-very-memorable-secret", mustChangePassword: false);

        var bytes = File.ReadAllBytes(Path.Combine(directory.Path, "system.db"))
            .Concat(File.Exists(Path.Combine(directory.Path, "system.db-wal")) ? File.ReadAllBytes(Path.Combine(directory.Path, "system.db-wal")) : []).ToArray();
        Assert.DoesNotContain("a-very-memorable-secret", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(SignInOutcome.Success, users.SignIn("IT.Support", "a-very-memorable-secret").Outcome);
    }

    [Theory]
    [InlineData("dsl", "", "needs at least one school")]
    [InlineData("governor", "oakfield", "not tied to schools")]
    [InlineData("superuser", "", "is not one of")]
    public void Create_InvalidRoleOrSchools_ExplainsWhy(string role, string schools, string message)
    {
        using var directory = new TempDirectory();
        var users = NewStore(directory, TimeProvider.System);
        var error = Assert.Throws<UserAccountException>(() =>
            users.Create("someone", role, schools.Split(',', StringSplitOptions.RemoveEmptyEntries), ConsoleSession.Password, false));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureAdministrator_FirstRunOnly_CreatesAdminWithOneTimePassword()
    {
        using var directory = new TempDirectory();
        var users = NewStore(directory, TimeProvider.System);

        var first = users.EnsureAdministrator();

        Assert.NotNull(first);
        Assert.Equal(SignInOutcome.MustChangePassword, users.SignIn("admin", first.Value.Password).Outcome);
        Assert.Null(users.EnsureAdministrator());
    }

    [Fact]
    public async Task OneTimePassword_SignIn_RequiresANewPasswordBeforeAnySession()
    {
        await using var host = await TestHost.StartAsync();
        var (_, password) = host.App.Services.GetRequiredService<UserStore>().EnsureAdministrator()!.Value;
        using var browser = ConsoleSession.Anonymous(host);

        var signIn = await browser.PostSignInAsync("admin", password);
        var page = await signIn.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("Choose a new password", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/v1/users")).StatusCode);

        var change = await browser.Http.PostAsync("/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "admin", ["current"] = password, ["new"] = "my-own-long-password", ["confirm"] = "my-own-long-password",
            ["__RequestVerificationToken"] = ConsoleSession.FormToken(page),
        }));

        Assert.Equal(HttpStatusCode.Redirect, change.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/v1/users")).StatusCode);
    }

    [Fact]
    public async Task Session_AccountDisabledMeanwhile_EndsAtTheNextRequest()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);

        host.App.Services.GetRequiredService<UserStore>().Disable("dsl.oak");

        Assert.Equal(HttpStatusCode.Unauthorized, (await dsl.Http.GetAsync("/api/v1/alerts")).StatusCode);
    }

    [Fact]
    public async Task UsersAdd_PasswordFromStdin_CreatesAccountThatCanSignIn()
    {
        using var directory = new TempDirectory();
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await AlertPipeline.Cli.CliApp.RunAsync(
            ["users", "add", "--name", "dsl.hill", "--role", "dsl", "--school", "hillcrest", "--password-stdin", "--data-dir", directory.Path],
            new StringReader("a-password-from-stdin\n"), output, error);

        Assert.True(code == 0, error.ToString());
        Assert.DoesNotContain("a-password-from-stdin", output.ToString(), StringComparison.Ordinal);
        var list = new StringWriter();
        Assert.Equal(0, await AlertPipeline.Cli.CliApp.RunAsync(["users", "list", "--data-dir", directory.Path], TextReader.Null, list, error));
        Assert.Contains("dsl.hill", list.ToString(), StringComparison.Ordinal);
        Assert.Equal(SignInOutcome.Success, NewStore(directory, TimeProvider.System).SignIn("dsl.hill", "a-password-from-stdin").Outcome);
    }

    private static UserStore NewStore(TempDirectory directory, TimeProvider clock)
    {
        var storage = Options.Create(new StorageOptions { DataDirectory = directory.Path });
        return new UserStore(TestStores.For(storage), clock, Options.Create(new UserOptions()));
    }
}

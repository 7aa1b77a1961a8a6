using AlertPipeline.ConsoleUi.Lists;
using AlertPipeline.Detection;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

/// <summary>
/// One real host (real SQLite, real HTTP, its own copy of the keyword lists) with a signed-in session for each
/// role the role matrix knows, plus anonymous.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly Dictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);

    internal TestHost Host { get; private set; } = null!;

    internal const string OwnSchool = "oakfield";

    internal ConsoleSession As(string role) => _sessions[role];

    public async Task InitializeAsync()
    {
        var lists = ConsoleData.CopyLists(_directory.Path);
        Host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Detection:KeywordsDirectory"] = lists }, _directory.Path);
        ConsoleSession.CreateUser(Host, "dsl.oak", ConsoleRoles.Dsl, OwnSchool);
        ConsoleSession.CreateUser(Host, "dsl.riv", ConsoleRoles.Dsl, "riverside");
        ConsoleSession.CreateUser(Host, "trust", ConsoleRoles.TrustDsl);
        ConsoleSession.CreateUser(Host, "it", ConsoleRoles.It);
        ConsoleSession.CreateUser(Host, "governor", ConsoleRoles.Governor);
        ConsoleSession.CreateUser(Host, "admin", ConsoleRoles.Admin);
        foreach (var (role, name) in new[] { ("dsl-own", "dsl.oak"), ("dsl-other", "dsl.riv"), ("trust-dsl", "trust"), ("it", "it"), ("governor", "governor"), ("admin", "admin") })
        {
            _sessions[role] = await ConsoleSession.SignInAsync(Host, name, ConsoleSession.Password);
        }

        _sessions["anonymous"] = ConsoleSession.Anonymous(Host);

        // A list change made through the console, so version history has a diff to show.
        var editor = Host.App.Services.GetRequiredService<KeywordEditor>();
        var change = editor.Edit("suicide/want to die", null, null, "edited by the test fixture", "fixture", "give the history a diff", null);
        Assert.Null(change.Error);
        Assert.Contains(Host.App.Services.GetRequiredService<DetectorHolder>().Current.Set.Entries, e => e.Notes == "edited by the test fixture");
    }

    public async Task DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }

        await Host.DisposeAsync();
        _directory.Dispose();
    }
}

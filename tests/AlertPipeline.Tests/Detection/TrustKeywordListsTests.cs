using AlertPipeline.ConsoleUi.Lists;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Detection;

/// <summary>
/// On a trust the keyword lists are the trust's, not one machine's: an edit made in the console of one process is in
/// force in every other process of the trust, and a process started later starts with it. Before, each process kept
/// its own copy in its own data directory, so a term IT added in the console on the respond machine never reached the
/// detect machines.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TrustKeywordListsTests(PostgresCluster cluster)
{
    private const string Entry = "suicide/want to die";
    private const string NewTerm = "zorblax quuxly";

    private static Dictionary<string, string?> Trust(string connectionString, string? keywords = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Detection:ReloadInterval"] = "00:00:01",
        };
        if (keywords is not null)
        {
            settings["Detection:KeywordsDirectory"] = keywords;
        }

        return settings;
    }

    [Fact]
    public async Task ConsoleEdit_OnOneProcess_InForceOnTheOtherAndOnOneStartedLater()
    {
        var connectionString = await cluster.CreateDatabaseAsync("trustlists");
        await using var respond = await TestHost.StartAsync(Trust(connectionString));
        await using var detect = await TestHost.StartAsync(Trust(connectionString));
        var detectLists = detect.App.Services.GetRequiredService<DetectorHolder>();
        var start = detectLists.Current.Version;
        Assert.Equal(start, respond.App.Services.GetRequiredService<DetectorHolder>().Current.Version);
        Assert.False(detectLists.Current.Scan(NewTerm, SourceKinds.Any).Flagged);

        var change = respond.App.Services.GetRequiredService<KeywordEditor>().Edit(Entry, NewTerm, null, null, "it.admin", "trust-wide term", start);

        Assert.Null(change.Error);
        await Eventually.TrueAsync(() => detectLists.Current.Version == change.Version, "the other process to take the console's version");
        Assert.True(detectLists.Current.Scan(NewTerm, SourceKinds.Any).Flagged);
        Assert.Contains(NewTerm, File.ReadAllText(Path.Combine(detectLists.Directory, "suicide.csv")), StringComparison.Ordinal);
        detect.UseKey();
        var e = Some.Event($"i think {NewTerm} tonight");
        await detect.PostEventsAsync(e);
        var alerts = detect.App.Services.GetRequiredService<AlertPipeline.Alerts.IAlertStore>();
        var alert = await Eventually.ReturnsAsync(() => alerts.OfEvent(new("oakfield", e["deviceId"]!.GetValue<string>(), e["eventId"]!.GetValue<string>())),
            a => a is not null, "the other process to alert on the new term");
        Assert.Equal(change.Version, alert!.ListVersion);

        // A process started afterwards, from the install's seed, starts on the trust's version.
        await using var later = await TestHost.StartAsync(Trust(connectionString));
        Assert.Equal(change.Version, later.App.Services.GetRequiredService<DetectorHolder>().Current.Version);

        // One version recorded for the edit, by whom and why, in the trust's history; no process re-recorded it.
        var history = respond.App.Services.GetRequiredService<KeywordVersionStore>().History();
        Assert.Equal((change.Version, "it.admin", "trust-wide term"), (history[0].Version, history[0].Actor, history[0].Reason));
        Assert.Single(history, h => h.Version == change.Version);
    }

    [Fact]
    public async Task ConsoleEdit_AfterAnotherProcessChangedTheLists_RefusedAsStaleNotLost()
    {
        var connectionString = await cluster.CreateDatabaseAsync("trustlistsstale");
        await using var a = await TestHost.StartAsync(Trust(connectionString));
        await using var b = await TestHost.StartAsync(Trust(connectionString));
        var start = a.App.Services.GetRequiredService<DetectorHolder>().Current.Version;
        var first = a.App.Services.GetRequiredService<KeywordEditor>().Edit(Entry, NewTerm, null, null, "it.one", "first", start);
        Assert.Null(first.Error);

        // B's user loaded the lists before A's edit: B takes in the trust's version first, so the edit is refused, not
        // made on top of the stale copy (which would have silently undone A's edit for the trust).
        var second = b.App.Services.GetRequiredService<KeywordEditor>().Edit(Entry, null, "critical", null, "it.two", "second", start);

        Assert.Equal(409, second.Status);
        Assert.Equal(first.Version, b.App.Services.GetRequiredService<DetectorHolder>().Current.Version);
    }

    [Fact]
    public async Task Start_ConfiguredFolderOutsideTheInstall_MirroredIntoTheDataDirectoryNotEditedInPlace()
    {
        var connectionString = await cluster.CreateDatabaseAsync("trustlistsfolder");
        using var mounted = new TempDirectory(); // as the compose file mounts the lists read-only at /config/keywords
        KeywordsCommandTests.CopyDirectory(CliTests.SeedLists(), mounted.Path);
        var seeded = Directory.GetFiles(mounted.Path).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        await using var host = await TestHost.StartAsync(Trust(connectionString, mounted.Path));
        var lists = host.App.Services.GetRequiredService<DetectorHolder>();

        var change = host.App.Services.GetRequiredService<KeywordEditor>().Edit(Entry, NewTerm, null, null, "it.admin", "edit", lists.Current.Version);

        Assert.Null(change.Error);
        Assert.StartsWith(host.DataDirectory, lists.Directory, StringComparison.Ordinal);
        Assert.Equal(seeded, Directory.GetFiles(mounted.Path).ToDictionary(f => Path.GetFileName(f), File.ReadAllText));
    }

    [Fact]
    public async Task Reload_TrustDatabaseDownForSeveralTicks_HostKeepsDetectingAndTakesLaterEdits()
    {
        // The reload tick reads the trust's latest version; when PostgreSQL restarted under it, the exception stopped
        // the reload service and with it the host, so detection stopped (the trust fault test lost 86 of 236 alerts).
        var connectionString = await cluster.CreateDatabaseAsync("trustlistsdown");
        await using var detect = await TestHost.StartAsync(Trust(connectionString));
        await using var respond = await TestHost.StartAsync(Trust(connectionString));
        var lifetime = detect.App.Services.GetRequiredService<IHostApplicationLifetime>();

        await cluster.RestartAsync(TimeSpan.FromSeconds(4)); // four reload ticks with the database down

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host stopped when the database went away");
        var lists = detect.App.Services.GetRequiredService<DetectorHolder>();
        var change = await Eventually.ReturnsAsync(
            () => respond.App.Services.GetRequiredService<KeywordEditor>().Edit(Entry, NewTerm, null, null, "it.admin", "after the outage", null),
            c => c.Error is null, "the console to edit once the database is back");
        await Eventually.TrueAsync(() => lists.Current.Version == change.Version, "the detect host to take the edit after the outage");
        detect.UseKey();
        var e = Some.Event($"i think {NewTerm} tonight");
        await detect.PostEventsAsync(e);
        var alerts = detect.App.Services.GetRequiredService<AlertPipeline.Alerts.IAlertStore>();
        await Eventually.TrueAsync(() => alerts.OfEvent(new("oakfield", e["deviceId"]!.GetValue<string>(), e["eventId"]!.GetValue<string>())) is not null,
            "the detect host to alert on the new term");
    }
}

using AlertPipeline.Schools;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Events;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;
using AlertPipeline.ConsoleUi;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Storage;

/// <summary>
/// What every alert store and outbox must do, written once and run against each provider (a real SQLite file and a
/// real PostgreSQL): idempotent writes under concurrent writers, and each notification claimed by one responder.
/// Each <see cref="Open"/> is a separate store object with its own connections, as a second process would have.
/// </summary>
public abstract class AlertStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);

    private protected FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>Opens the store as another process would; <paramref name="responder"/> names that process (its data directory).</summary>
    private protected abstract (IAlertStore Store, INotificationOutbox Outbox) Open(string responder);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Save_SameEventsFromEightConcurrentWriters_OneAlertAndOneNotificationSetEach()
    {
        var batch = Enumerable.Range(0, 40).Select(i => NewAlert($"e-{i}", Severity.High)).ToList();
        var stores = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() => Open($"detect-{w}").Store)));

        // Each writer saves the whole batch in its own order, all at once: a redelivery racing the first delivery.
        var results = await Task.WhenAll(stores.Select((store, w) => Task.Run(() =>
            store.Save([.. batch.OrderBy(a => (a.Alert.AlertId.GetHashCode(StringComparison.Ordinal) * (w + 1)) % 97)], []))));

        Assert.Equal(40, results.Sum(r => r.Count));
        Assert.Equal(40, stores[0].Count());
        Assert.Equal(80, Open("check").Outbox.List().Count);
        Assert.All(batch, a => Assert.NotNull(stores[3].Get(a.Alert.AlertId)));
    }

    [Fact]
    public async Task Save_SameMergeFromFourConcurrentWriters_CountedOnceAndSeverityRaised()
    {
        var (store, outbox) = Open("detect-a");
        var (alert, notifications) = NewAlert("first", Severity.High);
        Assert.Single(store.Save([(alert, notifications)], []));
        var later = new EventKey("oakfield", "dev-1", "second");
        var raise = OutboxNotification.For(alert.AlertId, new Schools.Target("deputy@oakfield.example", NotificationChannels.Email), NotificationKinds.Alert);
        var merge = new AlertMerge(alert.AlertId, later, Start.AddMinutes(1), Severity.Critical, ["suicide", "self-harm"], null, [raise]);
        var writers = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() => Open($"detect-{w}").Store)));

        await Task.WhenAll(writers.Select(w => Task.Run(() => w.Save([], [merge]))));

        var stored = store.Get(alert.AlertId)!;
        Assert.Equal(2, stored.EventCount);
        Assert.Equal(Severity.Critical, stored.Severity);
        Assert.Equal(["suicide", "self-harm"], stored.Categories);
        Assert.Equal(Start.AddMinutes(1), stored.LastEventAt);
        Assert.Equal(3, outbox.List(alert.AlertId).Count); // the two of the alert and the deputy's for the raise
        Assert.Equal([new EventKey("oakfield", "dev-1", "first"), later], store.KnownEvents([new EventKey("oakfield", "dev-1", "first"), later, new EventKey("oakfield", "dev-2", "first")]).OrderBy(k => k.EventId));
        Assert.Equal(alert.AlertId, store.OfEvent(later)?.AlertId);
    }

    // On PostgreSQL a batch's merges go to the server in one round trip (one statement a merge): each must still see
    // the ones before it, and an event already folded in, earlier or twice in the same batch, must change nothing.
    [Fact]
    public void Save_SeveralMergesOfOneAlertInOneBatch_EachFoldedInOrderOnceWithItsVersionAndText()
    {
        var (store, outbox) = Open("detect");
        var (alert, notifications) = NewAlert("first", Severity.High);
        store.Save([(alert, notifications)], []);
        AlertMerge Merge(string eventId, int minute, Severity severity, Alert? longer = null, params OutboxNotification[] told) =>
            new(alert.AlertId, new EventKey("oakfield", "dev-1", eventId), Start.AddMinutes(minute), severity, ["suicide"], longer, told);
        store.Save([], [Merge("second", 1, Severity.High)]);
        var longer = alert with { Text = "a much longer text that says more about the concern", NormalizedText = "a much longer text", Snippet = "a much longer" };
        var deputy = OutboxNotification.For(alert.AlertId, new Schools.Target("deputy@oakfield.example", NotificationChannels.Email), NotificationKinds.Alert);

        store.Save([],
        [
            Merge("second", 1, Severity.Critical, longer, deputy), // folded in by the earlier save: nothing changes
            Merge("third", 2, Severity.High),
            Merge("fourth", 4, Severity.Critical, longer, deputy),
            Merge("third", 2, Severity.High), // twice in one batch: once
            Merge("fifth", 3, Severity.High),
        ]);

        var stored = store.Get(alert.AlertId)!;
        Assert.Equal(5, stored.EventCount);
        Assert.Equal(Severity.Critical, stored.Severity);
        Assert.Equal(Start.AddMinutes(4), stored.LastEventAt);
        Assert.Equal(longer.Text, stored.Text);
        Assert.Equal(5, AlertHistory.Version(store, alert.AlertId));
        Assert.Equal(["event second folded in (high)", "event third folded in (high)", "event fifth folded in (high)", "event fourth folded in (critical)"],
            AlertHistory.List(store, alert.AlertId).Where(h => h.Action == "merged").Select(h => h.Detail));
        Assert.Equal(3, outbox.List(alert.AlertId).Count); // the alert's two and the deputy's, once
    }

    [Fact]
    public void Claim_TwoResponders_EachNotificationClaimedByExactlyOne()
    {
        var (store, first) = Open("respond-a");
        var second = Open("respond-b").Outbox;
        store.Save([.. Enumerable.Range(0, 15).Select(i => NewAlert($"e-{i}", Severity.High))], []); // 30 notifications

        var a = first.Claim(20);
        var b = second.Claim(20);

        Assert.Equal(20, a.Count);
        Assert.Equal(10, b.Count);
        Assert.Empty(a.Select(n => n.NotificationId).Intersect(b.Select(n => n.NotificationId)));
        Assert.Empty(first.Claim(20));
        Assert.Empty(second.Claim(20));
    }

    [Fact]
    public async Task Claim_SixRespondersAtOnce_EveryNotificationClaimedOnce()
    {
        var store = Open("detect").Store;
        store.Save([.. Enumerable.Range(0, 200).Select(i => NewAlert($"e-{i}", Severity.High))], []);
        var responders = Enumerable.Range(0, 6).Select(r => Open($"respond-{r}").Outbox).ToList();

        var claimed = await Task.WhenAll(responders.Select(r => Task.Run(() =>
        {
            var mine = new List<string>();
            while (r.Claim(5) is { Count: > 0 } batch)
            {
                mine.AddRange(batch.Select(n => n.NotificationId));
            }

            return mine;
        })));

        var all = claimed.SelectMany(c => c).ToList();
        Assert.Equal(400, all.Count);
        Assert.Equal(400, all.Distinct().Count());
    }

    [Fact]
    public void Claim_ResponderDiesMidBatch_RowsComeBackAfterTheLeaseOnly()
    {
        var (store, dead) = Open("respond-a");
        var survivor = Open("respond-b").Outbox;
        store.Save([NewAlert("e-1", Severity.Urgent)], []);
        Assert.Equal(2, dead.Claim(100).Count);

        Clock.Advance(OutboxClaims.Lease - TimeSpan.FromSeconds(1));
        Assert.Empty(survivor.Claim(100));

        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, survivor.Claim(100).Count);
    }

    [Fact]
    public void ReleaseOwnClaims_RestartedResponder_ResendsItsBatchAtOnce()
    {
        var (store, before) = Open("respond-a");
        store.Save([NewAlert("e-1", Severity.Urgent)], []);
        Assert.Equal(2, before.Claim(100).Count);
        var other = Open("respond-b").Outbox;
        var restarted = Open("respond-a").Outbox;

        Assert.Equal(0, other.ReleaseOwnClaims());
        Assert.Empty(other.Claim(100));
        Assert.Equal(2, restarted.ReleaseOwnClaims());
        Assert.Equal(2, restarted.Claim(100).Count);
    }

    [Fact]
    public void Claim_AfterSentRetryAndFailed_OnlyTheRetryComesBackAtItsTime()
    {
        var (store, outbox) = Open("respond-a");
        store.Save([NewAlert("e-1", Severity.High), NewAlert("e-2", Severity.High)], []);
        var rows = outbox.Claim(100);
        Assert.Equal(4, rows.Count);

        outbox.MarkSent(rows[0].NotificationId);
        outbox.MarkFailed(rows[1].NotificationId, "550 user unknown");
        outbox.MarkRetry(rows[2].NotificationId, Start.AddMinutes(1), "connection refused");
        outbox.MarkRetry(rows[3].NotificationId, Start.AddHours(1), "connection refused");

        Assert.Empty(outbox.Claim(100));
        Clock.Advance(TimeSpan.FromMinutes(1));
        var again = Assert.Single(outbox.Claim(100));
        Assert.Equal(rows[2].NotificationId, again.NotificationId);
        Assert.Equal(1, again.Attempts);
        var listed = outbox.List().ToDictionary(r => r.NotificationId);
        Assert.Equal(NotificationOutbox.Sent, listed[rows[0].NotificationId].Status);
        Assert.Equal(NotificationOutbox.Failed, listed[rows[1].NotificationId].Status);
        Assert.Equal("550 user unknown", listed[rows[1].NotificationId].LastError);
    }

    [Fact]
    public void Claim_CriticalWrittenAfterHigh_CriticalFirst()
    {
        var (store, outbox) = Open("respond-a");
        store.Save([NewAlert("high", Severity.High)], []);
        Clock.Advance(TimeSpan.FromSeconds(1));
        store.Save([NewAlert("critical", Severity.Critical)], []);

        var rows = outbox.Claim(1);

        Assert.Equal(Alert.IdFor(new EventKey("oakfield", "dev-1", "critical"), "r"), Assert.Single(rows).AlertId);
    }

    [Fact]
    public async Task Triage_AcknowledgeThenResolve_HistoryVersionsAndChangesInOrder()
    {
        var (store, outbox) = Open("respond-a");
        var (alert, notifications) = NewAlert("e-1", Severity.Critical);
        store.Save([(alert, notifications)], []);
        var triage = new StoreAlertTriage(Open("console").Store, Clock);

        Clock.Advance(TimeSpan.FromMinutes(2));
        var acknowledged = triage.Acknowledge(alert.AlertId, "a.patel");
        Clock.Advance(TimeSpan.FromMinutes(3));
        var resolved = triage.Resolve(alert.AlertId, "a.patel", TriageOutcomes.Referred, "CPOMS-1", "spoke to pupil");

        Assert.Equal((TriageResultKind.Done, AlertStatus.Acknowledged), (acknowledged.Kind, acknowledged.Status));
        Assert.Equal((TriageResultKind.Done, AlertStatus.Resolved), (resolved.Kind, resolved.Status));
        Assert.True(resolved.HistoryId > acknowledged.HistoryId);
        Assert.Equal(AlertStatus.Resolved, store.Get(alert.AlertId)!.Status);
        var history = AlertHistory.List(store, alert.AlertId);
        Assert.Equal(["created", "acknowledged", "resolved"], history.Select(h => h.Action));
        Assert.Equal(Start.AddMinutes(5), history[2].At);
        Assert.Contains("CPOMS-1", history[2].Detail, StringComparison.Ordinal);
        Assert.Equal(3, AlertHistory.Version(store, alert.AlertId));
        Assert.All(outbox.List(alert.AlertId), row => Assert.Equal(NotificationOutbox.Cancelled, row.Status));

        var relayed = new List<AlertChange>();
        var feed = new AlertChangeFeed(Open("relay").Store);
        Assert.Equal(3, await feed.RelayAsync(100, changes => { relayed.AddRange(changes); return Task.CompletedTask; }));
        Assert.Equal([(1L, "created", AlertStatus.New), (2L, "acknowledged", AlertStatus.Acknowledged), (3L, "resolved", AlertStatus.Resolved)],
            relayed.Select(c => (c.Version, c.Change, c.Status)));
        Assert.All(relayed, c => Assert.Equal((alert.AlertId, Severity.Critical, "oakfield", "pupil-1"), (c.AlertId, c.Severity, c.SchoolId, c.UserLogin)));
        Assert.Equal(0, await feed.RelayAsync(100, _ => throw new InvalidOperationException("nothing is left to publish")));
        Assert.Equal(0, feed.Backlog());
    }

    [Fact]
    public async Task Triage_EightAcknowledgeAtOnce_OneDoneOthersConflictOneHistoryEntry()
    {
        var store = Open("detect").Store;
        var (alert, notifications) = NewAlert("e-1", Severity.Urgent);
        store.Save([(alert, notifications)], []);
        var consoles = await Task.WhenAll(Enumerable.Range(0, 8).Select(c => Task.Run(() => new StoreAlertTriage(Open($"console-{c}").Store, Clock))));

        var results = await Task.WhenAll(consoles.Select((t, c) => Task.Run(() => t.Acknowledge(alert.AlertId, $"dsl-{c}"))));

        Assert.Single(results, r => r.Kind == TriageResultKind.Done);
        Assert.Equal(7, results.Count(r => r.Kind == TriageResultKind.Conflict));
        Assert.Single(AlertHistory.List(store, alert.AlertId), h => h.Action == "acknowledged");
        Assert.Equal(2, AlertHistory.Version(store, alert.AlertId));
    }

    [Fact]
    public void Triage_UnknownAlertOrResolvedTwice_NotFoundAndConflictChangeNothing()
    {
        var store = Open("detect").Store;
        var (alert, notifications) = NewAlert("e-1", Severity.High);
        store.Save([(alert, notifications)], []);
        var triage = new StoreAlertTriage(store, Clock);

        Assert.Equal(TriageResultKind.NotFound, triage.Acknowledge("al_missing", "a.patel").Kind);
        Assert.Equal(TriageResultKind.Done, triage.Resolve(alert.AlertId, "a.patel", TriageOutcomes.FalsePositive, null, null).Kind);
        var again = triage.Resolve(alert.AlertId, "b.jones", TriageOutcomes.NoFurtherAction, null, null);

        Assert.Equal((TriageResultKind.Conflict, AlertStatus.Resolved), (again.Kind, again.Status));
        Assert.Equal(2, AlertHistory.Version(store, alert.AlertId));
    }

    [Fact]
    public async Task Relay_MergeThatRaisesSeverity_RelayedAsRaisedWithTheNextVersion()
    {
        var store = Open("detect").Store;
        var (alert, notifications) = NewAlert("first", Severity.High);
        store.Save([(alert, notifications)], []);
        store.Save([], [new AlertMerge(alert.AlertId, new EventKey("oakfield", "dev-1", "second"), Start.AddMinutes(1), Severity.High, ["suicide"], null, [])]);
        store.Save([], [new AlertMerge(alert.AlertId, new EventKey("oakfield", "dev-1", "third"), Start.AddMinutes(2), Severity.Critical, ["suicide"], null, [])]);

        var relayed = new List<AlertChange>();
        await new AlertChangeFeed(store).RelayAsync(100, changes => { relayed.AddRange(changes); return Task.CompletedTask; });

        Assert.Equal([(1L, "created", Severity.High), (2L, "merged", Severity.High), (3L, "raised", Severity.Critical)],
            relayed.Select(c => (c.Version, c.Change, c.Severity)));
    }

    [Fact]
    public async Task Relay_PublisherFails_NothingMarkedAndTheNextRunPublishesTheSameVersions()
    {
        var store = Open("detect").Store;
        store.Save([NewAlert("e-1", Severity.High), NewAlert("e-2", Severity.Medium)], []);
        var feed = new AlertChangeFeed(Open("relay").Store);

        await Assert.ThrowsAsync<InvalidOperationException>(() => feed.RelayAsync(100, _ => throw new InvalidOperationException("broker down")));
        Assert.Equal(2, feed.Backlog());

        var relayed = new List<AlertChange>();
        Assert.Equal(2, await feed.RelayAsync(100, changes => { relayed.AddRange(changes); return Task.CompletedTask; }));
        Assert.All(relayed, c => Assert.Equal(1, c.Version));
        Assert.Equal(0, feed.Backlog());
    }

    [Fact]
    public void Queries_FiltersScopeAndPupil_TheConsoleSeesTheSameOnEitherEngine()
    {
        var store = Open("detect").Store;
        store.Save([
            AlertOf("e-1", "oakfield", "Oak.Y9.JSmith", ["suicide"], Severity.Critical),
            AlertOf("e-2", "oakfield", "oak.y7.bjones", ["bullying", "violence"], Severity.Medium),
            AlertOf("e-3", "elmwood", "elm.y8.jsmithson", ["bullying"], Severity.High),
            AlertOf("e-4", "oakfield", "oak.check", ["suicide"], Severity.Critical, isTest: true),
        ], []);
        var queries = new AlertQueries(Open("console").Store);
        new StoreAlertTriage(store, Clock).Resolve(Id("e-2", "oakfield"), "a.patel", TriageOutcomes.FalsePositive, null, null);

        string[] Ids(AlertFilter filter, IReadOnlyList<string>? scope = null) => [.. queries.Page(filter, scope).Alerts.Select(a => a.UserLogin)];

        Assert.Equal(["Oak.Y9.JSmith", "elm.y8.jsmithson", "oak.y7.bjones"], Ids(new AlertFilter(Status: "all")));
        Assert.Equal(["elm.y8.jsmithson", "oak.y7.bjones"], Ids(new AlertFilter(Category: "bullying")));
        Assert.Equal(["Oak.Y9.JSmith", "elm.y8.jsmithson"], Ids(new AlertFilter(Pupil: "JSMITH")));
        Assert.Equal(["Oak.Y9.JSmith", "elm.y8.jsmithson"], Ids(new AlertFilter(Status: AlertFilter.Open)));
        Assert.Equal(["elm.y8.jsmithson"], Ids(new AlertFilter(Severity: "high"), ["elmwood"]));
        Assert.Empty(Ids(new AlertFilter(), []));
        Assert.Equal(3, queries.Page(new AlertFilter(Limit: 1), null).Total);
        Assert.Equal(2, queries.AlertIdsForPupil("jsmith", null).Count);

        var (row, updated) = queries.Position();
        Assert.True(row >= 4);
        Assert.Equal(3, queries.Changes(0, 0).Count); // never the monitoring check's test alert
        Assert.Empty(queries.Changes(row, updated + 1));
        Clock.Advance(TimeSpan.FromMinutes(1));
        new StoreAlertTriage(store, Clock).Acknowledge(Id("e-1", "oakfield"), "a.patel");
        Assert.Equal(["Oak.Y9.JSmith"], queries.Changes(row, updated + 1).Select(c => c.Alert.UserLogin));

        store.Save([AlertOf("e-5", "oakfield", "Oak.Y9.JSmith", ["self-harm"], Severity.High)], []);
        Assert.Equal([Id("e-5", "oakfield")], queries.PupilTimeline(store.Get(Id("e-1", "oakfield"))!).Select(a => a.AlertId));
    }

    [Fact]
    public void TermCounts_FalsePositiveResolved_CountedPerRuleOnEitherEngine()
    {
        var store = Open("detect").Store;
        store.Save([
            AlertOf("e-1", "oakfield", "oak.a", ["bullying"], Severity.Medium, rule: "list/bullying/loser"),
            AlertOf("e-2", "oakfield", "oak.b", ["bullying"], Severity.Medium, rule: "list/bullying/loser"),
            AlertOf("e-3", "oakfield", "oak.c", ["suicide"], Severity.High, rule: "model/suicide"),
        ], []);
        var triage = new StoreAlertTriage(store, Clock);
        triage.Resolve(Id("e-1", "oakfield"), "a.patel", TriageOutcomes.FalsePositive, null, null);
        triage.Resolve(Id("e-2", "oakfield"), "a.patel", TriageOutcomes.ConcernConfirmed, null, null);
        triage.AddNote(Id("e-3", "oakfield"), "a.patel", "not JSON {");

        var counts = new ConsoleUi.Lists.TermCounts(new AlertQueries(Open("console").Store)).All();

        var loser = Assert.Single(counts, c => c.Rule == "list/bullying/loser");
        Assert.Equal((2L, 1L, 2L, (string?)null), (loser.Alerts, loser.FalsePositives, loser.Resolved, loser.Band));
        var model = Assert.Single(counts, c => c.Rule == "model/suicide");
        Assert.Equal((1L, 0L, "high"), (model.Alerts, model.Resolved, model.Band));
    }

    [Fact]
    public void SystemAlerts_NotificationGaveUp_OpenAlertHistoryAndNoticeInTheSameStore()
    {
        var (store, outbox) = Open("respond-a");
        var (alert, notifications) = NewAlert("e-1", Severity.Critical);
        store.Save([(alert, notifications)], []);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Trust:DslEmail"] = "trust-dsl@northbridge.example",
            ["Trust:Schools:oakfield:Dsl:Email"] = "dsl@oakfield.example",
        }).Build();
        using var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddSchools(configuration).BuildServiceProvider();
        using var signal = new NotificationSignal();
        var system = new SystemAlerts(Open("respond-b").Store, services.GetRequiredService<SchoolDirectory>(), signal, Clock);
        var failed = new DueNotification(notifications[1].NotificationId, alert.AlertId, notifications[1].Recipient, notifications[1].Channel, 4);

        var raised = system.NotificationGaveUp(failed, "oakfield", "404 from the hook");
        var again = system.NotificationGaveUp(failed, "oakfield", "404 from the hook");

        Assert.NotNull(raised);
        Assert.Null(again);
        Assert.Equal(raised.Id, Assert.Single(system.Open()).Id);
        Assert.Contains(AlertHistory.List(store, alert.AlertId), h => h.Action == SystemAlerts.NotificationFailed);
        var notices = outbox.List().Where(r => r.Kind == NotificationKinds.System).Select(r => r.Recipient).Order().ToList();
        Assert.Equal(["dsl@oakfield.example", "trust-dsl@northbridge.example"], notices);
        Assert.True(system.Resolve(raised.Id, "it.admin"));
        Assert.Empty(system.Open());
    }

    [Fact]
    public void Retention_FalsePositiveOverNoConcernDays_PupilDataRemovedOnEitherEngine()
    {
        var store = Open("detect").Store;
        store.Save([AlertOf("e-1", "oakfield", "jake.smith", ["suicide"], Severity.High), AlertOf("e-2", "oakfield", "amy.jones", ["suicide"], Severity.High)], []);
        var triage = new StoreAlertTriage(store, Clock);
        triage.AddNote(Id("e-1", "oakfield"), "a.patel", "Spoke to Jake Smith: a film title");
        triage.Resolve(Id("e-1", "oakfield"), "a.patel", TriageOutcomes.FalsePositive, "CPOMS-7", "Jake's film homework");
        using var dir = new TempDirectory();
        var storage = Options.Create(new StorageOptions { DataDirectory = dir.Path });
        var retention = new AlertPipeline.Retention.RetentionRunner(Open("respond").Store, new AlertPipeline.Ingest.Screenshots.ScreenshotStore(storage, TestStores.For(storage), Clock), new AlertPipeline.Audit.AuditLog(TestStores.For(storage), Clock),
            Options.Create(new AlertPipeline.Retention.RetentionOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<AlertPipeline.Retention.RetentionRunner>.Instance);

        Clock.Advance(TimeSpan.FromDays(89));
        Assert.Equal((0, 0), retention.Run(Clock.GetUtcNow()));
        Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal((1, 0), retention.Run(Clock.GetUtcNow()));
        Assert.Equal((0, 0), retention.Run(Clock.GetUtcNow()));

        var minimised = store.Get(Id("e-1", "oakfield"))!;
        Assert.Equal((AlertPipeline.Retention.RetentionRunner.Removed, AlertPipeline.Retention.RetentionRunner.Removed, string.Empty), (minimised.UserLogin, minimised.DeviceId, minimised.Snippet));
        Assert.StartsWith("(removed on", minimised.Text, StringComparison.Ordinal);
        Assert.All(minimised.Matches, m => Assert.Equal((string.Empty, 0, "list/x", "suicide"), (m.Text, m.Length, m.Rule, m.Category)));
        var history = AlertHistory.List(store, minimised.AlertId);
        Assert.Null(Assert.Single(history, h => h.Action == "note").Detail);
        var resolved = System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(history, h => h.Action == "resolved").Detail!)!;
        Assert.Equal(("false-positive", "CPOMS-7"), ((string)resolved["outcome"]!, (string)resolved["reference"]!));
        Assert.DoesNotContain(history, h => h.Detail?.Contains("Jake", StringComparison.Ordinal) == true);
        Assert.Equal(AlertPipeline.Retention.RetentionRunner.MinimisedAction, history[^1].Action);
        Assert.Equal(4, AlertHistory.Version(store, minimised.AlertId));
        Assert.Equal("amy.jones", store.Get(Id("e-2", "oakfield"))!.UserLogin); // open: never touched
    }

    private static string Id(string eventId, string school) => Alert.IdFor(new EventKey(school, "dev-1", eventId), "r");

    private (Alert Alert, IReadOnlyList<OutboxNotification> Notifications) AlertOf(
        string eventId, string school, string login, List<string> categories, Severity severity, bool isTest = false, string rule = "list/x")
    {
        var at = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromSeconds(1));
        var matches = categories.Select(c => new AlertMatch("term", c, severity.ToName(), 0, 4, "term", rule)).ToList();
        var alert = new Alert(Id(eventId, school), eventId, "r", school, "dev-1", login, at,
            "search", null, null, null, "text", "text", categories, severity, matches, "v1", AlertStatus.New, at, at)
        { IsTest = isTest };
        return (alert, []);
    }

    private (Alert Alert, IReadOnlyList<OutboxNotification> Notifications) NewAlert(string eventId, Severity severity)
    {
        var at = Clock.GetUtcNow();
        var alert = new Alert(Alert.IdFor(new EventKey("oakfield", "dev-1", eventId), "r"), eventId, "r", "oakfield", "dev-1", "pupil-1", at,
            "search", null, null, null, "text", "text", ["suicide"], severity, [], "v1", AlertStatus.New, at, at);
        return (alert,
        [
            OutboxNotification.For(alert.AlertId, new Schools.Target("dsl@oakfield.example", NotificationChannels.Email), NotificationKinds.Alert),
            OutboxNotification.For(alert.AlertId, new Schools.Target("https://hooks.example/dsl", "webhook:json"), NotificationKinds.Alert),
        ]);
    }
}

/// <summary>The contract on a real alerts.db; each writer opens the file as another process would.</summary>
public sealed class SqliteAlertStoreContractTests : AlertStoreContract
{
    private readonly TempDirectory _dir = new();

    public override Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private protected override (IAlertStore Store, INotificationOutbox Outbox) Open(string responder)
    {
        var store = new AlertStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }));
        // The owner stands for another responder process (in production one per data directory, named by it).
        return (store, new NotificationOutbox(store, Clock, responder));
    }
}

/// <summary>The contract on a real PostgreSQL (a throwaway cluster, or ALERTPIPELINE_TEST_PG); one database per class.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAlertStoreContractTests(PostgresCluster cluster) : AlertStoreContract
{
    private readonly List<PostgresDatabase> _opened = [];
    private readonly TempDirectory _dir = new();
    private string _connectionString = string.Empty;

    public override async Task InitializeAsync() => _connectionString = await cluster.CreateDatabaseAsync("contract");

    public override Task DisposeAsync()
    {
        lock (_opened)
        {
            _opened.ForEach(d => d.Dispose());
        }

        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Relay_FourRespondersRelayAtOnce_EachChangeRelayedOnceAndInVersionOrder()
    {
        var (store, _) = Open("detect");
        var alerts = Enumerable.Range(0, 60).Select(i => NewAlertFor($"e-{i}")).ToList();
        store.Save(alerts, []);
        var triage = new StoreAlertTriage(store, Clock);
        foreach (var (alert, _) in alerts)
        {
            triage.Acknowledge(alert.AlertId, "a.patel");
        }

        var published = new System.Collections.Concurrent.ConcurrentQueue<(int Relay, AlertChange Change)>();
        var feeds = Enumerable.Range(0, 4).Select(r => new AlertChangeFeed(Open($"respond-{r}").Store)).ToList();

        // Small batches and a slow publisher: the four overlap for the whole run.
        await Task.WhenAll(feeds.Select((feed, r) => Task.Run(async () =>
        {
            for (var idle = 0; idle < 20;)
            {
                var n = await feed.RelayAsync(7, async changes =>
                {
                    await Task.Delay(20);
                    foreach (var c in changes)
                    {
                        published.Enqueue((r, c));
                    }
                });
                idle = n == 0 ? idle + 1 : 0;
                await Task.Delay(5);
            }
        })));

        var all = published.Select(p => p.Change).ToList();
        Assert.Equal(120, all.Count);
        Assert.Equal(120, all.Select(c => (c.AlertId, c.Version)).Distinct().Count());
        Assert.All(all.GroupBy(c => c.AlertId), g => Assert.Equal([1L, 2L], g.Select(c => c.Version)));
    }

    private (Alert Alert, IReadOnlyList<OutboxNotification> Notifications) NewAlertFor(string eventId)
    {
        var at = Clock.GetUtcNow();
        var alert = new Alert(Alert.IdFor(new EventKey("oakfield", "dev-1", eventId), "r"), eventId, "r", "oakfield", "dev-1", "pupil-1", at,
            "search", null, null, null, "text", "text", ["suicide"], Severity.High, [], "v1", AlertStatus.New, at, at);
        return (alert, []);
    }

    private protected override (IAlertStore Store, INotificationOutbox Outbox) Open(string responder)
    {
        var database = new PostgresDatabase(_connectionString);
        lock (_opened)
        {
            _opened.Add(database);
        }

        var store = new PostgresAlertStore(database, Clock);
        var storage = Options.Create(new StorageOptions { DataDirectory = Path.Combine(_dir.Path, responder) });
        return (store, new PostgresNotificationOutbox(store, Clock, storage));
    }
}

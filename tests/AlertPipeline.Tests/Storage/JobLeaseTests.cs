using AlertPipeline.Kernel;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertPipeline.Tests.Storage;

/// <summary>Cluster job leases on a real PostgreSQL: each responder is a separate lease object with its own data directory and connections, as on its own machine.</summary>
[Collection(PostgresCollection.Name)]
public sealed class JobLeaseTests(PostgresCluster cluster) : IAsyncLifetime
{
    private static readonly DateTimeOffset Due = new(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Due);
    private readonly List<PostgresDatabase> _opened = [];
    private string _connectionString = string.Empty;

    public async Task InitializeAsync() => _connectionString = await cluster.CreateDatabaseAsync("leases");

    public Task DisposeAsync()
    {
        lock (_opened)
        {
            _opened.ForEach(d => d.Dispose());
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task TryClaim_TwentyRespondersAtOnceForOneDueTime_ExactlyOneWins()
    {
        var responders = await Task.WhenAll(Enumerable.Range(0, 20).Select(r => Task.Run(() => Responder($"respond-{r}"))));

        var won = await Task.WhenAll(responders.Select(l => Task.Run(() => l.TryClaim("escalation", Due, Due, Due.AddMinutes(10)))));

        Assert.Single(won, w => w);
    }

    [Fact]
    public void TryClaim_NextDueTimeOrOtherJob_ClaimedAfresh()
    {
        var a = Responder("respond-a");
        var b = Responder("respond-b");

        Assert.True(a.TryClaim("escalation", Due, Due, Due.AddMinutes(10)));
        Assert.False(b.TryClaim("escalation", Due, Due, Due.AddMinutes(10)));
        Assert.True(b.TryClaim("digests", Due, Due, Due.AddMinutes(10)));
        Assert.True(b.TryClaim("escalation", Due.AddSeconds(30), Due.AddSeconds(30), Due.AddMinutes(10)));
    }

    [Fact]
    public void TryClaim_WinnerDiedBeforeCompleting_OneOtherTakesOverOnlyAfterTheLease()
    {
        var dead = Responder("respond-a");
        var b = Responder("respond-b");
        var c = Responder("respond-c");
        Assert.True(dead.TryClaim("retention", Due, Due, Due.AddMinutes(10)));

        Assert.False(b.TryClaim("retention", Due, Due.AddMinutes(9), Due.AddMinutes(19)));
        Assert.True(b.TryClaim("retention", Due, Due.AddMinutes(11), Due.AddMinutes(21)));
        Assert.False(c.TryClaim("retention", Due, Due.AddMinutes(12), Due.AddMinutes(22)));
    }

    [Fact]
    public void TryClaim_RunCompleted_NeverTakenOverEvenAfterTheLease()
    {
        var a = Responder("respond-a");
        var b = Responder("respond-b");
        Assert.True(a.TryClaim("digests", Due, Due, Due.AddMinutes(10)));
        a.Complete("digests", Due);

        Assert.False(b.TryClaim("digests", Due, Due.AddHours(3), Due.AddHours(4)));
        Assert.False(a.TryClaim("digests", Due, Due.AddHours(3), Due.AddHours(4)));
    }

    [Fact]
    public void DueAt_FiringsWithinOneInterval_ShareOneDueTimeAndTheNextIntervalDiffers()
    {
        var every = TimeSpan.FromSeconds(30);

        var first = DueWorkJob<Escalation.EscalationRunner>.DueAt(Due.AddSeconds(1), every);
        var late = DueWorkJob<Escalation.EscalationRunner>.DueAt(Due.AddSeconds(29.999), every);
        var next = DueWorkJob<Escalation.EscalationRunner>.DueAt(Due.AddSeconds(30), every);

        Assert.Equal(Due, first);
        Assert.Equal(Due, late);
        Assert.Equal(Due.AddSeconds(30), next);
    }

    private PostgresJobLeases Responder(string name)
    {
        var database = new PostgresDatabase(_connectionString);
        lock (_opened)
        {
            _opened.Add(database);
        }

        return new PostgresJobLeases(database, Options.Create(new StorageOptions { DataDirectory = Path.Combine(Path.GetTempPath(), name) }), _clock);
    }
}

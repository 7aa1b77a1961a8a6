using AlertPipeline.Schools;
using System.Globalization;
using AlertPipeline.Audit;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Audit;

/// <summary>
/// Every change made from the command line is in the audit log, as the console's are: one test per command, each
/// reading <c>audit.db</c> through the same <see cref="AuditLog"/> the console's audit page reads.
/// </summary>
public sealed class CliAuditTests
{
    [Fact]
    public async Task AlertsAck_Done_WritesTriageRowWithWhoAlertAndSchool()
    {
        await using var host = await TestHost.StartAsync();
        var alertId = await OneAlertAsync(host);

        var (code, _, error) = await CliTests.RunAsync(["alerts", "ack", alertId, "--by", "a.patel", "--data-dir", host.DataDirectory]);

        Assert.True(code == 0, error);
        var row = Assert.Single(Audit(host).Read(alertId), e => e.Action == AuditActions.Triage);
        Assert.Equal(("a.patel", "cli", "oakfield"), (row.Actor, row.Role, row.SchoolId));
        Assert.StartsWith("acknowledge [cli as ", row.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertsResolve_Done_WritesTriageRowWithOutcomeAndReference()
    {
        await using var host = await TestHost.StartAsync();
        var alertId = await OneAlertAsync(host);

        await CliTests.RunAsync(["alerts", "resolve", alertId, "--by", "a.patel", "--outcome", "referred", "--reference", "CPOMS-123", "--data-dir", host.DataDirectory]);

        var row = Assert.Single(Audit(host).Read(alertId), e => e.Action == AuditActions.Triage);
        Assert.Equal("a.patel", row.Actor);
        Assert.StartsWith("resolve {\"outcome\":\"referred\",\"reference\":\"CPOMS-123\",\"note\":null}", row.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertsAck_AlreadyAcknowledged_WritesNoSecondRow()
    {
        await using var host = await TestHost.StartAsync();
        var alertId = await OneAlertAsync(host);

        await CliTests.RunAsync(["alerts", "ack", alertId, "--by", "a.patel", "--data-dir", host.DataDirectory]);
        await CliTests.RunAsync(["alerts", "ack", alertId, "--by", "b.jones", "--data-dir", host.DataDirectory]);

        Assert.Equal("a.patel", Assert.Single(Audit(host).Read(alertId), e => e.Action == AuditActions.Triage).Actor);
    }

    [Fact]
    public async Task AlertsSystemResolve_Done_WritesSystemAlertRow()
    {
        await using var host = await TestHost.StartAsync();
        var raised = host.App.Services.GetRequiredService<SystemAlerts>()
            .NotificationGaveUp(new DueNotification("nt_audit", null, "dsl@oakfield.example", NotificationChannels.Email, 11), "oakfield", "550 mailbox unavailable")!;

        var (code, _, error) = await CliTests.RunAsync(["alerts", "system", "--resolve", raised.Id.ToString(CultureInfo.InvariantCulture), "--by", "it.admin", "--data-dir", host.DataDirectory]);

        Assert.True(code == 0, error);
        var row = Assert.Single(Audit(host).Read(), e => e.Action == AuditActions.SystemAlertChange);
        Assert.Equal("it.admin", row.Actor);
        Assert.StartsWith($"resolved system alert {raised.Id}", row.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysAddAndRevoke_EachWritesApiKeyRowNamingTheKey()
    {
        using var dir = new TempDirectory();

        var (_, added, _) = await CliTests.RunAsync(["keys", "add", "--school", "oakfield", "--device", "OAK-LT-7", "--data-dir", dir.Path]);
        var keyId = added.Split(' ')[1];
        await CliTests.RunAsync(["keys", "revoke", keyId, "--data-dir", dir.Path]);

        var rows = Audit(dir.Path).Read().Where(e => e.Action == AuditActions.ApiKeyChange).OrderBy(e => e.Id).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal($"added key {keyId} for school oakfield, device OAK-LT-7", rows[0].Detail);
        Assert.Equal("oakfield", rows[0].SchoolId);
        Assert.Equal($"revoked key {keyId}", rows[1].Detail);
        Assert.All(rows, r => Assert.Equal(("cli:" + Environment.UserName, "cli"), (r.Actor, r.Role)));
    }

    [Fact]
    public async Task KeywordsImport_Done_WritesKeywordChangeRowWithWhoAndWhy()
    {
        using var dir = new TempDirectory();
        var lists = Path.Combine(dir.Path, "lists");
        KeywordsCommandTests.CopyDirectory(CliTests.SeedLists(), lists);
        var senso = Path.Combine(dir.Path, "senso.csv");
        await File.WriteAllTextAsync(senso, "Phrase,Context,Action,Severity,Screenshot,Match\nvape shop near me,KEYWORD,BLOCK,MEDIUM,FALSE,ALONE\n");

        var (code, _, error) = await CliTests.RunAsync(["keywords", "import", "--senso", senso, "--category", "drugs", "--by", "it.admin", "--reason", "Senso migration", "--lists", lists, "--data-dir", dir.Path]);

        Assert.True(code == 0, error);
        var row = Assert.Single(Audit(dir.Path).Read(), e => e.Action == AuditActions.KeywordChange);
        Assert.Equal("it.admin", row.Actor);
        Assert.Contains("imported 1 entries into drugs and 0 allow phrases from senso.csv: Senso migration", row.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunningHost_ListsReloaded_WritesKeywordChangeRowWithBothVersions()
    {
        using var dir = new TempDirectory();
        var lists = Path.Combine(dir.Path, "lists");
        KeywordsCommandTests.CopyDirectory(CliTests.SeedLists(), lists);
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Detection:KeywordsDirectory"] = lists,
            ["Detection:ReloadInterval"] = "01:00:00", // this test reloads by hand; the timer must not get there first
        });
        var holder = host.App.Services.GetRequiredService<DetectorHolder>();
        var before = holder.Current.Version;

        await File.AppendAllTextAsync(Path.Combine(lists, "drugs.csv"), "\nzorblax,word,high,any,,test entry\n");
        Assert.True(holder.Reload());

        var row = Assert.Single(Audit(host).Read(), e => e.Action == AuditActions.KeywordChange);
        Assert.Equal(("system", "system"), (row.Actor, row.Role));
        Assert.Contains($"{before} -> {holder.Current.Version}", row.Detail, StringComparison.Ordinal);
    }

    private static async Task<string> OneAlertAsync(TestHost host)
    {
        host.UseKey();
        await host.PostEventsAsync(Some.ConcerningEvent());
        return (await Eventually.ReturnsAsync(() => host.Alerts.List(new()), a => a.Count == 1, "the alert"))[0].AlertId;
    }

    private static AuditLog Audit(TestHost host) => host.App.Services.GetRequiredService<AuditLog>();

    private static AuditLog Audit(string dataDirectory) => new(TestStores.For(dataDirectory), TimeProvider.System);
}

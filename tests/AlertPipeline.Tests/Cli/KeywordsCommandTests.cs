using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Cli;

public sealed class KeywordsCommandTests
{
    [Fact]
    public async Task KeywordsTest_ObfuscatedIntent_ExplainsMatchRuleAndSeverity()
    {
        var (code, output, _) = await CliTests.RunAsync(["keywords", "test", "i w@nt to d1e", "--lists", CliTests.SeedLists()]);

        Assert.Equal(0, code);
        Assert.Contains("FLAGGED", output, StringComparison.Ordinal);
        Assert.Contains("suicide", output, StringComparison.Ordinal);
        Assert.Contains("normalised:  i want to die", output, StringComparison.Ordinal);
        Assert.Contains("rule suicide/", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeywordsTest_BenignHistory_IsNotFlagged()
    {
        var (code, output, _) = await CliTests.RunAsync(["keywords", "test", "The Battle of the Somme killed 19,240 British soldiers", "--lists", CliTests.SeedLists()]);

        Assert.Equal(0, code);
        Assert.Contains("result:      not flagged", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeywordsImport_SensoFile_AppendsEntriesAndRecordsWhoAndWhy()
    {
        using var dir = new TempDirectory();
        var lists = Path.Combine(dir.Path, "lists");
        CopyDirectory(CliTests.SeedLists(), lists);
        var senso = Path.Combine(dir.Path, "senso.csv");
        await File.WriteAllTextAsync(senso, "Phrase,Context,Action,Severity,Screenshot,Match\nvape shop near me,KEYWORD,BLOCK,MEDIUM,FALSE,ALONE\n");

        var (code, output, error) = await CliTests.RunAsync(["keywords", "import", "--senso", senso, "--category", "drugs", "--by", "it.admin", "--reason", "Senso migration", "--lists", lists, "--data-dir", dir.Path]);
        var (_, tested, _) = await CliTests.RunAsync(["keywords", "test", "vape shop near me", "--lists", lists]);
        var (_, history, _) = await CliTests.RunAsync(["keywords", "history", "--data-dir", dir.Path]);

        Assert.True(code == 0, error);
        Assert.Contains("Imported 1 entries into drugs", output, StringComparison.Ordinal);
        Assert.Contains("FLAGGED MEDIUM — drugs", tested, StringComparison.Ordinal);
        Assert.Contains("it.admin", history, StringComparison.Ordinal);
        Assert.Contains("Senso migration", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeywordsImport_UnknownCategory_NamesTheAllowedOnes()
    {
        var (code, _, error) = await CliTests.RunAsync(["keywords", "import", "--senso", "x.csv", "--category", "sweets", "--by", "a", "--reason", "b"]);

        Assert.Equal(2, code);
        Assert.Contains("--category must be one of illegal, bullying", error, StringComparison.Ordinal);
        Assert.Contains("(was 'sweets')", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunningHost_ListFileChanged_NewVersionUsedWithoutRestartAndRecorded()
    {
        using var dir = new TempDirectory();
        var lists = Path.Combine(dir.Path, "lists");
        CopyDirectory(CliTests.SeedLists(), lists);
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Detection:KeywordsDirectory"] = lists,
            ["Detection:ReloadInterval"] = "00:00:01",
        });
        host.UseKey();
        await host.PostEventsAsync(Some.Event("meet me at the zorblax later"));
        var holder = host.App.Services.GetRequiredService<AlertPipeline.Detection.DetectorHolder>();
        var before = holder.Current.Version;

        await File.AppendAllTextAsync(Path.Combine(lists, "drugs.csv"), "\nzorblax,word,high,any,,test entry\n");
        await Eventually.TrueAsync(() => holder.Current.Version != before, "the new list version to be swapped in");
        var e = Some.Event("meet me at the zorblax later");
        await host.PostEventsAsync(e);

        var alert = await Eventually.ReturnsAsync(() => host.Alerts.List(new()), a => a.Count > 0, "an alert from the new entry");
        Assert.Equal(e["eventId"]!.GetValue<string>(), Assert.Single(alert).EventId);
        Assert.Equal(holder.Current.Version, alert[0].ListVersion);
        var history = host.App.Services.GetRequiredService<AlertPipeline.Detection.Lists.KeywordVersionStore>().History();
        Assert.Equal(holder.Current.Version, history[0].Version);
        Assert.Contains("changed on disk", history[0].Reason, StringComparison.Ordinal);
    }

    internal static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}

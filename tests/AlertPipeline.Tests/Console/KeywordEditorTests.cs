using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertPipeline.ConsoleUi.Lists;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

/// <summary>IT list changes through the API: a real host on its own copy of the lists.</summary>
public sealed class KeywordEditorTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private TestHost _host = null!;
    private ConsoleSession _it = null!;
    private string _lists = null!;

    public async Task InitializeAsync()
    {
        _lists = ConsoleData.CopyLists(_directory.Path);
        _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Detection:KeywordsDirectory"] = _lists }, _directory.Path);
        ConsoleSession.CreateUser(_host, "it.support", ConsoleRoles.It);
        _it = await ConsoleSession.SignInAsync(_host, "it.support", ConsoleSession.Password);
    }

    public async Task DisposeAsync()
    {
        _it.Dispose();
        await _host.DisposeAsync();
        _directory.Dispose();
    }

    private Detector Detector => _host.App.Services.GetRequiredService<DetectorHolder>().Current;

    [Fact]
    public async Task EditSeverity_ByIt_GoesLiveIsRecordedWithWhoAndWhyAndShowsADiff()
    {
        var before = Detector.Version;

        var response = await _it.PostJsonAsync("/api/v1/keywords/entries", new { id = "gambling/bet365", severity = "high", reason = "pupils betting in lessons", version = before });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Severity.High, Detector.Scan("bet365 odds", SourceKinds.Search).Severity);
        var latest = _host.App.Services.GetRequiredService<KeywordVersionStore>().History(1)[0];
        Assert.Equal(("it.support", "pupils betting in lessons"), (latest.Actor, latest.Reason));
        var diff = await _it.Http.GetFromJsonAsync<JsonElement>($"/api/v1/keywords/versions/{latest.Version}/diff");
        var lines = diff.EnumerateArray().Single(f => f.GetProperty("file").GetString() == "gambling.csv").GetProperty("lines").EnumerateArray()
            .Select(l => l.GetProperty("kind").GetString() + l.GetProperty("text").GetString()).ToList();
        Assert.Contains("-bet365,word,medium,,,", lines);
        Assert.Contains("+bet365,word,high,,,,", lines); // gambling.csv has the optional unless column (schoolwork on casino words)
        Assert.Contains("# Gambling", File.ReadAllText(Path.Combine(_lists, "gambling.csv")), StringComparison.Ordinal); // comments kept
    }

    [Fact]
    public async Task Edit_InvalidSeverityOrStaleVersion_IsRefusedAndFilesUnchanged()
    {
        var file = File.ReadAllText(Path.Combine(_lists, "gambling.csv"));

        var invalid = await _it.PostJsonAsync("/api/v1/keywords/entries", new { id = "gambling/bet365", severity = "severe", reason = "typo" });
        var stale = await _it.PostJsonAsync("/api/v1/keywords/entries", new { id = "gambling/bet365", severity = "high", reason = "x", version = "000000000000" });
        var clash = await _it.PostJsonAsync("/api/v1/keywords/entries", new { id = "gambling/bet365", term = "betfair", reason = "would repeat an entry" });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, clash.StatusCode);
        Assert.Contains("not made", await clash.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(file, File.ReadAllText(Path.Combine(_lists, "gambling.csv")));
    }

    [Fact]
    public async Task DisableAndAllow_ByIt_StopTheTermAlerting()
    {
        Assert.True(Detector.Scan("bet365 odds", SourceKinds.Search).Flagged);
        Assert.True(Detector.Scan("the hunger games suicide scene", SourceKinds.Search).Flagged);

        Assert.Equal(HttpStatusCode.OK, (await _it.PostJsonAsync("/api/v1/keywords/entries/disable", new { id = "gambling/bet365", reason = "sponsor of the school team" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _it.PostJsonAsync("/api/v1/keywords/allow", new { phrase = "hunger games suicide scene", reason = "a game" })).StatusCode);

        Assert.False(Detector.Scan("bet365 odds", SourceKinds.Search).Flagged);
        Assert.False(Detector.Scan("the hunger games suicide scene", SourceKinds.Search).Flagged);
        Assert.Contains("# disabled by it.support", File.ReadAllText(Path.Combine(_lists, "gambling.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestText_ByIt_SaysWhatWouldFireAndWhy()
    {
        var result = await (await _it.PostJsonAsync("/api/v1/keywords/test", new { text = "i w@nt to d1e", source = "typed" })).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(result.GetProperty("flagged").GetBoolean());
        Assert.Equal("i want to die", result.GetProperty("normalized").GetString());
        Assert.Contains(result.GetProperty("matches").EnumerateArray(), m => m.GetProperty("category").GetString() == "suicide");
        Assert.False(string.IsNullOrEmpty(result.GetProperty("explanation").GetString()));
    }

    [Fact]
    public async Task TermCounts_FalsePositiveOutcome_IsCountedPerRuleWithoutPupils()
    {
        ConsoleSession.CreateUser(_host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(_host, "dsl.oak", ConsoleSession.Password);
        var first = ConsoleData.SaveAlert(_host, text: "bet365", category: "gambling", login: "oak.y7.ssmith", screenshot: false);
        ConsoleData.SaveAlert(_host, text: "bet365", category: "gambling", login: "oak.y7.ssmith", screenshot: false);
        await dsl.PostJsonAsync($"/api/v1/alerts/{first.AlertId}/resolve", new { outcome = "false-positive" });

        var json = await _it.Http.GetStringAsync("/api/v1/keywords/term-counts");
        var counts = JsonSerializer.Deserialize<JsonElement>(json).EnumerateArray().Single(c => c.GetProperty("rule").GetString() == "gambling/bet365");

        Assert.Equal(2, counts.GetProperty("alerts").GetInt64());
        Assert.Equal(1, counts.GetProperty("falsePositives").GetInt64());
        Assert.DoesNotContain("oak.y7.ssmith", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TermCounts_ModelBandFalsePositives_ListedFirstWithBandAndPrecision()
    {
        ConsoleSession.CreateUser(_host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(_host, "dsl.oak", ConsoleSession.Password);
        var wrong = ConsoleData.SaveAlert(_host, text: "this exam will be the death of me", category: "suicide", severity: Severity.High, modelOnly: true, screenshot: false);
        var right = ConsoleData.SaveAlert(_host, text: "i cant do this anymore", category: "suicide", severity: Severity.High, modelOnly: true, screenshot: false);
        var listed = ConsoleData.SaveAlert(_host, text: "bet365", category: "gambling", screenshot: false);
        await dsl.PostJsonAsync($"/api/v1/alerts/{wrong.AlertId}/resolve", new { outcome = "false-positive" });
        await dsl.PostJsonAsync($"/api/v1/alerts/{right.AlertId}/resolve", new { outcome = "concern-confirmed" });
        await dsl.PostJsonAsync($"/api/v1/alerts/{listed.AlertId}/resolve", new { outcome = "concern-confirmed" });

        var counts = JsonSerializer.Deserialize<JsonElement>(await _it.Http.GetStringAsync("/api/v1/keywords/term-counts")).EnumerateArray().ToList();

        var band = counts[0]; // most false positives first
        Assert.Equal("model/suicide", band.GetProperty("rule").GetString());
        Assert.Equal("high", band.GetProperty("band").GetString());
        Assert.Equal(2, band.GetProperty("alerts").GetInt64());
        Assert.Equal(1, band.GetProperty("falsePositives").GetInt64());
        Assert.Equal(0.5, band.GetProperty("precision").GetDouble(), 3);
        var rule = counts.Single(c => c.GetProperty("rule").GetString() == "gambling/bet365");
        Assert.Equal(JsonValueKind.Null, rule.GetProperty("band").ValueKind);
        Assert.Equal(1.0, rule.GetProperty("precision").GetDouble(), 3);
        var page = await _it.Http.GetStringAsync("/lists");
        Assert.Contains("model/suicide <span class=\"muted\">(high band)</span></td><td>2</td><td>2</td><td>1</td><td>0.50</td>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("death of me", page, StringComparison.Ordinal);
    }
}

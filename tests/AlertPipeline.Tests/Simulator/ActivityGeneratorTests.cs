using System.Globalization;
using System.Text.RegularExpressions;
using AlertPipeline.Simulator;

namespace AlertPipeline.Tests.Simulator;

public sealed class ActivityGeneratorTests
{
    private static readonly string[] Sources = ["search", "typed", "url", "title", "screen", "chat"];

    [Fact]
    public void Next_SameSeedAndClock_ProducesIdenticalEventsAndScreenshots()
    {
        var first = Some.Events(2000);
        var second = Some.Events(2000);

        Assert.Equal(first.Select(e => e.Event.ToJsonString()), second.Select(e => e.Event.ToJsonString()));
        Assert.Equal(first.Select(e => e.ExpectedCategory), second.Select(e => e.ExpectedCategory));
        Assert.All(first.Zip(second), pair => Assert.Equal(pair.First.Screenshot, pair.Second.Screenshot));
    }

    [Fact]
    public void Next_DifferentSeed_ProducesDifferentActivity()
    {
        var first = Some.Events(200, o => o.Seed = 1);
        var second = Some.Events(200, o => o.Seed = 2);

        Assert.NotEqual(first.Select(e => e.Text), second.Select(e => e.Text));
    }

    [Fact]
    public void Next_TenThousandEvents_ConcerningShareMatchesConfiguredWithinTolerance()
    {
        var events = Some.Events(10_000, o => o.ConcerningShare = 0.02);

        var share = events.Count(e => e.Concerning) / 10_000d;

        // Binomial standard deviation at n=10k, p=0.02 is 0.0014; 0.005 is over three of them.
        Assert.InRange(share, 0.015, 0.025);
    }

    [Fact]
    public void Next_HigherShare_ScalesConcerningEvents()
    {
        var events = Some.Events(5_000, o => { o.ConcerningShare = 0.3; o.Screenshots = false; });

        Assert.InRange(events.Count(e => e.Concerning) / 5_000d, 0.27, 0.33);
    }

    [Fact]
    public void Next_ZeroShare_GeneratesNoConcerningEvents()
    {
        Assert.DoesNotContain(Some.Events(5_000, o => o.ConcerningShare = 0), e => e.Concerning);
    }

    [Fact]
    public void Next_TenThousandEvents_EveryEventMeetsTheContract()
    {
        var now = Some.Now;
        var events = Some.Events(10_000, o => o.Screenshots = false);

        Assert.All(events, e =>
        {
            var json = e.Event;
            var eventId = (string)json["eventId"]!;
            Assert.InRange(eventId.Length, 1, 128);
            Assert.All(eventId, c => Assert.InRange(c, '!', '~'));
            Assert.Matches("^[A-Za-z0-9._-]{1,64}$", (string)json["schoolId"]!);
            Assert.InRange(((string)json["deviceId"]!).Length, 1, 128);
            Assert.InRange(((string)json["userLogin"]!).Length, 1, 256);
            var occurredAt = (string)json["occurredAt"]!;
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", occurredAt);
            var at = DateTimeOffset.Parse(occurredAt, CultureInfo.InvariantCulture);
            Assert.InRange(at, now.AddSeconds(-5), now);
            Assert.Contains((string)json["source"]!, Sources);
            Assert.InRange(((string)json["text"]!).Length, 0, 16_384);
            Assert.InRange(((string?)json["app"])?.Length ?? 0, 0, 256);
            Assert.InRange(((string?)json["url"])?.Length ?? 0, 0, 2048);
            Assert.False(json.ContainsKey("concerning"), "what the simulator knows must not travel with the event");
        });
    }

    [Fact]
    public void Next_TenThousandEvents_EventIdsAreUniqueAndNameTheRun()
    {
        var events = Some.Events(10_000, o => { o.RunId = "demo"; o.Screenshots = false; });

        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("sim-demo-00000001", events[0].EventId);
    }

    [Fact]
    public void RunId_NotConfigured_MadeFromClockAndSeed()
    {
        var generator = Some.Generator(o => { o.RunId = null; o.Seed = 7; });

        Assert.Equal("20261122100411s7", generator.RunId);
    }

    [Fact]
    public void Next_DefaultMix_CoversEverySourceAndCategory()
    {
        var events = Some.Events(10_000, o => o.Screenshots = false);

        Assert.Equal(Sources.Order(), events.Select(e => e.Source).Distinct().Order());
        Assert.Equal(ActivityCorpus.Categories.Order(), events.Where(e => e.Concerning).Select(e => e.ExpectedCategory!).Distinct().Order());
    }

    [Fact]
    public void Next_BenignEvents_IncludeTrapWordsAndHomeworkSites()
    {
        var benign = Some.Events(10_000, o => o.Screenshots = false).Where(e => !e.Concerning).ToList();

        Assert.Contains(benign, e => e.Text.Contains("suicide squad", StringComparison.Ordinal));
        Assert.Contains(benign, e => e.Text.Contains("kill", StringComparison.Ordinal));
        Assert.Contains(benign, e => e.Text.StartsWith("https://www.bbc.co.uk/bitesize/", StringComparison.Ordinal));
        Assert.Contains(benign, e => e.Text.StartsWith("https://www.google.com/search?q=", StringComparison.Ordinal));
        Assert.Contains(benign, e => e.Text.StartsWith("Microsoft Word - ", StringComparison.Ordinal));
    }

    [Fact]
    public void Next_ConcerningEvents_SomeAreObfuscated()
    {
        var concerning = Some.Events(10_000, o => { o.ConcerningShare = 0.2; o.Screenshots = false; }).Where(e => e.Concerning);

        Assert.Contains(concerning, e => Regex.IsMatch(e.Text, @"\b\w \w \w \w\b"));
        Assert.Contains(concerning, e => Regex.IsMatch(e.Text, "[a-z][0-9][a-z]"));
    }

    [Fact]
    public void Next_ConcerningEvents_CarryScreenshotAndBenignDoNot()
    {
        var events = Some.Events(1_000, o => o.ConcerningShare = 0.05);

        Assert.All(events, e => Assert.Equal(e.Concerning, e.Screenshot is not null));
        Assert.Contains(events, e => e.Concerning);
    }

    [Fact]
    public void Pupils_ThreeSchools_HaveRealisticIdentifiers()
    {
        var generator = Some.Generator(o => { o.SchoolCount = 3; o.PupilsPerSchool = 50; o.DevicesPerSchool = 60; });

        Assert.Equal(150, generator.Pupils.Count);
        Assert.Equal(["oakfield", "riverside", "hillcrest"], generator.Pupils.Select(p => p.SchoolId).Distinct());
        Assert.All(generator.Pupils.Where(p => p.SchoolId == "oakfield"), p =>
        {
            Assert.Matches(@"^oak\.y(7|8|9|10|11)\.[a-z]+\d*$", p.Login);
            Assert.Matches(@"^OAK-LT-\d{4}$", p.DeviceId);
        });
        Assert.Equal(150, generator.Pupils.Select(p => (p.SchoolId, p.Login)).Distinct().Count());
    }

    [Fact]
    public void Pupils_ExplicitSchoolIds_UsesThem()
    {
        var generator = Some.Generator(o => { o.SchoolIds.Add("st-johns"); o.PupilsPerSchool = 5; });

        Assert.All(generator.Pupils, p =>
        {
            Assert.Equal("st-johns", p.SchoolId);
            Assert.StartsWith("stj.", p.Login, StringComparison.Ordinal);
        });
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Ingest;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Ingest;

/// <summary><c>GET /api/v1/agent/triggers</c>: the screenshot triggers a device agent fetches (issue 19).</summary>
public sealed class AgentTriggersTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task GetTriggers_NoKey_401()
    {
        using var response = await _host.Http.GetAsync("/api/v1/agent/triggers");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task GetTriggers_WithKey_HighPlainTermsOfTheCurrentListVersionOnly()
    {
        _host.UseKey("oakfield", "OAK-CB-1");
        using var response = await _host.Http.GetAsync("/api/v1/agent/triggers");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var terms = body["terms"]!.AsArray().Select(t => (string)t!).ToList();
        var set = _host.App.Services.GetRequiredService<DetectorHolder>().Current.Set;
        Assert.Equal(set.Version, (string?)body["version"]);
        Assert.Equal("high", (string?)body["minimumSeverity"]);
        Assert.Contains("how to tie a noose", terms);
        Assert.Contains("kill myself", terms);
        Assert.Equal(terms.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), terms);

        // Medium terms and context-bound or regex entries stay on the server.
        var medium = set.Entries.First(e => e.Severity == Severity.Medium && e.Kind == MatchKind.Phrase && e.Requires is null);
        Assert.DoesNotContain(medium.Term, terms);
        var regex = set.Entries.First(e => e.Kind == MatchKind.Regex && e.Severity >= Severity.High);
        Assert.DoesNotContain(regex.Term.ToLowerInvariant(), terms);
        var contextual = set.Entries.First(e => e.Requires is not null && e.Severity >= Severity.High && e.Kind != MatchKind.Regex);
        Assert.DoesNotContain(contextual.Term.ToLowerInvariant() + (contextual.Kind == MatchKind.Prefix ? "*" : ""), terms);
        Assert.True(response.Headers.CacheControl is { Private: true, MaxAge.TotalSeconds: 3600 }, $"Cache-Control: {response.Headers.CacheControl}");
    }

    [Fact]
    public async Task GetTriggers_IfNoneMatchCurrentVersion_304WithoutBody()
    {
        _host.UseKey("oakfield");
        using var first = await _host.Http.GetAsync("/api/v1/agent/triggers");
        var etag = first.Headers.ETag!;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agent/triggers");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await _host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(string.Empty, await second.Content.ReadAsStringAsync());

        using var stale = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agent/triggers");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"an-older-version\""));
        using var third = await _host.Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public void Terms_PrefixEntry_EndsWithStar()
    {
        var set = new KeywordSet(
            [
                new KeywordEntry("Suicid", "suicide", Severity.High, MatchKind.Prefix, SourceKinds.Any),
                new KeywordEntry("sad", "suicide", Severity.Low, MatchKind.Word, SourceKinds.Any),
                new KeywordEntry("rope", "suicide", Severity.Urgent, MatchKind.Word, SourceKinds.Any, Requires: "means"),
            ],
            [], "v1");
        Assert.Equal(["suicid*"], AgentTriggers.Terms(set));
    }
}

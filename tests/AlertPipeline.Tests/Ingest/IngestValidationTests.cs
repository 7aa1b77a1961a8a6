using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Ingest;

/// <summary>
/// Issue 12, validation at the door: each bad item gets its own error, the good items of the batch are kept, and
/// nothing turns a batch into a 500. Each test names what it did on the old main.
/// </summary>
public sealed class IngestValidationTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _host.UseKey("oakfield");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    // Old main: 202, and the correlator then threw on that batch for ever.
    [Fact]
    public async Task PostEvents_OccurredAtYearOne_RejectedPerItemAndTheRestKept()
    {
        var good = Some.Event();
        var ancient = Some.Event();
        ancient["occurredAt"] = "0001-01-01T00:00:00+00:00";
        var stale = Some.Event(occurredAt: DateTimeOffset.UtcNow.AddDays(-400));

        var response = await Post(Array(ancient, good, stale), "application/json");

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(1, body["accepted"]!.GetValue<int>());
        var errors = Errors(body);
        Assert.Equal([(0, "occurredAt"), (2, "occurredAt")], errors.Select(e => (e.Index, e.Field)));
        Assert.Contains("outside the supported range", errors[0].Error, StringComparison.Ordinal);
        Assert.Contains("Ingest:MaxEventAge", errors[1].Error, StringComparison.Ordinal);
    }

    // Old main: the whole batch was an empty-bodied 500, retried for ever by the agent.
    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-ndjson")]
    public async Task PostEvents_LoneSurrogateAndInvalidUtf8_RepairedAndAccepted(string contentType)
    {
        var good = Some.Event("i want to die", userLogin: "oak.y8.other"); // another pupil: not grouped with the cut one
        var cut = Some.Event(text: "PLACEHOLDER");
        var bytes = Encoding.UTF8.GetBytes(cut.ToJsonString().Replace("PLACEHOLDER", "i want to die \\ud83d", StringComparison.Ordinal));
        var invalid = Encoding.UTF8.GetBytes(Some.Event(text: "caf#").ToJsonString()).Select(b => b == (byte)'#' ? (byte)0xC3 : b).ToArray();
        var body = contentType == "application/json"
            ? Concat("["u8.ToArray(), bytes, ","u8.ToArray(), invalid, ","u8.ToArray(), Encoding.UTF8.GetBytes(good.ToJsonString()), "]"u8.ToArray())
            : Concat(bytes, "\n"u8.ToArray(), invalid, "\n"u8.ToArray(), Encoding.UTF8.GetBytes(good.ToJsonString()));

        var response = await PostBytes(body, contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var json = await Json(response);
        Assert.Equal(3, json["accepted"]!.GetValue<int>());
        Assert.Equal([0, 1], json["repaired"]!.AsArray().Select(i => i!.GetValue<int>()));
        var cutId = (string)cut["eventId"]!;
        await Eventually.TrueAsync(() => _host.Alerts.List(new()).Any(a => a.EventId == cutId), "the repaired concerning event's alert");
        var text = _host.Alerts.List(new()).Single(a => a.EventId == cutId).Text;
        Assert.True(text.Contains('\uFFFD', StringComparison.Ordinal), $"the cut emoji is U+FFFD in '{text}' ({string.Join(" ", text.Select(c => ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)))})");
    }

    // Old main: one deep item failed the whole JSON array with 400 (NDJSON already rejected just the line).
    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-ndjson")]
    public async Task PostEvents_ItemNestedTooDeep_RejectedAloneInEveryFormat(string contentType)
    {
        var deep = Some.Event();
        JsonNode nest = new JsonObject();
        for (var i = 0; i < 40; i++)
        {
            nest = new JsonObject { ["n"] = nest };
        }

        deep["extra"] = nest;
        var good = Some.Event();

        var response = await Post(contentType == "application/json" ? Array(good, deep) : $"{good.ToJsonString()}\n{deep.ToJsonString()}\n", contentType);

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(1, body["accepted"]!.GetValue<int>());
        var error = Assert.Single(Errors(body));
        Assert.Equal(1, error.Index);
        Assert.Contains("depth", error.Error, StringComparison.OrdinalIgnoreCase);
    }

    // Old main: the first object was accepted and the second silently dropped.
    [Fact]
    public async Task PostEvents_NdjsonLineWithTwoObjects_RejectedByLine()
    {
        var first = Some.Event();
        var second = Some.Event();
        var good = Some.Event();

        var response = await Post($"{first.ToJsonString()} {second.ToJsonString()}\n{good.ToJsonString()}\n", "application/x-ndjson");

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(1, body["accepted"]!.GetValue<int>());
        var error = Assert.Single(Errors(body));
        Assert.Equal((0, "(event)"), (error.Index, error.Field));
        Assert.Contains("content after the event object", error.Error, StringComparison.Ordinal);
    }

    // Old main: only a count of duplicates, no index; with different text one of them was lost without a word.
    [Fact]
    public async Task PostEvents_SameIdTwiceInOneBatch_LaterOneNamedByIndex()
    {
        var first = Some.Event(text: "first text");
        var other = Some.Event();
        var again = Some.Event(text: "different text", eventId: (string)first["eventId"]!);

        var body = await Json(await Post(Array(first, other, again), "application/json"));

        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        var error = Assert.Single(Errors(body));
        Assert.Equal((2, "eventId"), (error.Index, error.Field));
        Assert.Contains("repeats item 0", error.Error, StringComparison.Ordinal);
    }

    // Old main: Content-Length: 0 gave an empty-bodied 500.
    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-ndjson")]
    public async Task PostEvents_EmptyBody_400WithMessage(string contentType)
    {
        var response = await PostBytes([], contentType);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("empty", (string)(await Json(response))["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_UnknownPath_404SaysWhat()
    {
        var response = await _host.Http.GetAsync("/api/v1/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("404 Not Found", (string)(await Json(response))["error"]!, StringComparison.Ordinal);
    }

    // Issue 12: identity is (school, device, eventId). Old main: the second school's event was a "duplicate" and its
    // concern never alerted.
    [Fact]
    public async Task PostEvents_AnotherSchoolReusesTheId_BothAlerted()
    {
        var id = Some.EventId();
        var riverside = Some.Event("i want to die", school: "riverside", eventId: id, deviceId: "RIV-1");
        var oakfield = Some.Event("i want to die", school: "oakfield", eventId: id);

        _host.UseKey("riverside");
        var first = await Json(await Post(Array(riverside), "application/json"));
        _host.UseKey("oakfield");
        var second = await Json(await Post(Array(oakfield), "application/json"));

        Assert.Equal(1, first["accepted"]!.GetValue<int>());
        Assert.Equal(1, second["accepted"]!.GetValue<int>());
        await Eventually.TrueAsync(() => _host.Alerts.List(new()).Count(a => a.EventId == id) == 2, "an alert for each school");
    }

    // A device-bound key may only speak for its own device, so it cannot pre-empt another device's ids either.
    [Fact]
    public async Task PostEvents_DeviceKeyForAnotherDevice_Rejected()
    {
        _host.UseKey("oakfield", device: "OAK-LT-0001");

        var body = await Json(await Post(Array(Some.Event(deviceId: "OAK-LT-0002")), "application/json"));

        Assert.Equal("deviceId", Errors(body).Single().Field);
    }

    private static string Array(params JsonObject[] events) => "[" + string.Join(",", events.Select(e => e.ToJsonString())) + "]";

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private Task<HttpResponseMessage> Post(string body, string contentType) => PostBytes(Encoding.UTF8.GetBytes(body), contentType);

    private Task<HttpResponseMessage> PostBytes(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return _host.Http.PostAsync("/api/v1/events", content);
    }

    private static async Task<JsonObject> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrWhiteSpace(text), $"{(int)response.StatusCode} with an empty body");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static List<(int Index, string Field, string Error)> Errors(JsonObject body) =>
        body["errors"]!.AsArray().Select(e => (e!["index"]!.GetValue<int>(), e["field"]!.GetValue<string>(), e["error"]!.GetValue<string>())).ToList();
}

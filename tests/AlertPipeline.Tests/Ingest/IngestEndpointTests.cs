using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Ingest;

public sealed class IngestEndpointTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _host.UseKey("oakfield");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task PostEvents_AllValid_Returns202WithCounts()
    {
        var response = await _host.PostEventsAsync(Some.Event(), Some.Event());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        Assert.Equal(0, body["rejected"]!.GetValue<int>());
    }

    [Fact]
    public async Task PostEvents_SomeInvalid_AcceptsGoodOnesAndNamesEachBadField()
    {
        var missingLogin = Some.Event();
        missingLogin.Remove("userLogin");
        var badSource = Some.Event(source: "keyboard");
        var noOffset = Some.Event();
        noOffset["occurredAt"] = "2026-11-22T09:00:00";
        var tooLong = Some.Event(text: new string('a', 16_385));
        var good = Some.Event();

        var response = await _host.PostEventsAsync(missingLogin, badSource, good, noOffset, tooLong);

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(1, body["accepted"]!.GetValue<int>());
        var errors = body["errors"]!.AsArray().Select(e => (Index: e!["index"]!.GetValue<int>(), Field: e["field"]!.GetValue<string>(), Error: e["error"]!.GetValue<string>())).ToList();
        Assert.Equal([(0, "userLogin"), (1, "source"), (3, "occurredAt"), (4, "text")], errors.Select(e => (e.Index, e.Field)));
        Assert.Contains("required", errors[0].Error, StringComparison.Ordinal);
        Assert.Contains("'keyboard'", errors[1].Error, StringComparison.Ordinal);
        Assert.Contains("16384", errors[3].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostEvents_SameEventIdTwice_SecondIsDuplicateAndProcessedOnce()
    {
        var e = Some.ConcerningEvent();

        var first = await Json(await _host.PostEventsAsync(e));
        var second = await Json(await _host.PostEventsAsync(e, e));

        Assert.Equal(1, first["accepted"]!.GetValue<int>());
        Assert.Equal(0, second["accepted"]!.GetValue<int>());
        Assert.Equal(1, second["duplicates"]!.GetValue<int>());
        Assert.Equal(1, second["errors"]![0]!["index"]!.GetValue<int>()); // The repeat within one batch is named (issue 12).
        var eventId = e["eventId"]!.GetValue<string>();
        await Eventually.TrueAsync(() => _host.Alerts.List(new()).Any(a => a.EventId == eventId), "the alert");
        Assert.Single(_host.Alerts.List(new()), a => a.EventId == eventId);
    }

    [Fact]
    public async Task PostEvents_Ndjson_AcceptsEachLineAndReportsBadLineByIndex()
    {
        var lines = $"{Some.Event().ToJsonString()}\n\n{{not json}}\n{Some.Event().ToJsonString()}\n";
        var response = await _host.Http.PostAsync("/api/v1/events", new StringContent(lines, Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        Assert.Equal(1, body["errors"]![0]!["index"]!.GetValue<int>());
    }

    [Fact]
    public async Task PostEvents_UnknownFields_AreKeptInTheQueuedEvent()
    {
        var e = Some.Event();
        e["agentVersion"] = "3.2.1";
        e["battery"] = new JsonObject { ["percent"] = 41 };

        await _host.PostEventsAsync(e);

        var queue = _host.App.Services.GetRequiredService<SqliteEventQueue>();
        var stored = queue.ReadFrom(0, 10_000).Single(q => q.EventId == e["eventId"]!.GetValue<string>());
        var json = JsonNode.Parse(stored.Payload.Span)!;
        Assert.Equal("3.2.1", json["agentVersion"]!.GetValue<string>());
        Assert.Equal(41, json["battery"]!["percent"]!.GetValue<int>());
    }

    [Fact]
    public async Task PostEvents_WithoutKey_Returns401()
    {
        using var anonymous = new HttpClient { BaseAddress = _host.Http.BaseAddress };
        var response = await anonymous.PostAsync("/api/v1/events", new StringContent("[]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PostEvents_RevokedKey_Returns401()
    {
        using var client = new HttpClient { BaseAddress = _host.Http.BaseAddress };
        var store = _host.App.Services.GetRequiredService<AlertPipeline.Ingest.ApiKeys.ApiKeyStore>();
        var (secret, info) = store.Create("oakfield", null, null);
        store.Revoke(info.KeyId);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", secret);

        var response = await client.PostAsync("/api/v1/events", new StringContent(Some.Event().ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("unknown or revoked", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostEvents_EventForAnotherSchool_IsRejectedBySchoolId()
    {
        var response = await _host.PostEventsAsync(Some.Event(school: "riverside"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("schoolId", (await Json(response))["errors"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostEvents_DeviceKeyForAnotherDevice_IsRejectedByDeviceId()
    {
        _host.UseKey("oakfield", device: "OAK-LT-0001");
        var response = await _host.PostEventsAsync(Some.Event(deviceId: "OAK-LT-0002"));

        Assert.Equal("deviceId", (await Json(response))["errors"]![0]!["field"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"not\": \"closed\"", "not valid JSON")]
    [InlineData("42", "must be a JSON array")]
    public async Task PostEvents_BodyNotABatch_Returns400Naming(string body, string expected)
    {
        var response = await _host.Http.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await Json(response))["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostEvents_OverBatchLimit_Returns400AndAcceptsNothing()
    {
        var events = Enumerable.Range(0, 5_001).Select(_ => Some.Event()).ToArray();
        var response = await _host.PostEventsAsync(events);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 5000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_host.App.Services.GetRequiredService<SqliteEventQueue>().ReadFrom(0, 10));
    }

    [Fact]
    public async Task PostEvents_WrongContentType_Returns415()
    {
        var response = await _host.Http.PostAsync("/api/v1/events", new StringContent("hello", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task PostScreenshot_Png_StoresContentAddressedAndIsIdempotent()
    {
        var png = ConsoleData.Png;
        var first = await _host.Http.PostAsync("/api/v1/screenshots", Image(png, "image/png"));
        var second = await _host.Http.PostAsync("/api/v1/screenshots", Image(png, "image/png"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var reference = (await Json(first))["ref"]!.GetValue<string>();
        var hex = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png));
        Assert.Equal("sha256:" + hex, reference);
        Assert.Equal(png, await File.ReadAllBytesAsync(Path.Combine(_host.DataDirectory, "screenshots", "oakfield", hex[..2], hex + ".png")));
    }

    [Fact]
    public async Task PostScreenshot_NotAnImage_Returns415()
    {
        var response = await _host.Http.PostAsync("/api/v1/screenshots", Image("GIF89a..."u8.ToArray(), "image/png"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task PostScreenshot_OverLimit_Returns413()
    {
        var big = new byte[5 * 1024 * 1024 + 1];
        big[0] = 0xFF;
        big[1] = 0xD8;
        big[2] = 0xFF;
        var response = await _host.Http.PostAsync("/api/v1/screenshots", Image(big, "image/jpeg"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task GetScreenshot_NoRouteServesThem()
    {
        var response = await _host.Http.GetAsync("/api/v1/screenshots/sha256:" + new string('a', 64));
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, response.StatusCode.ToString());
    }

    private static ByteArrayContent Image(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");
}

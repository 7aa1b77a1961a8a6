using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AlertPipeline.Tests.Support;

/// <summary>A webhook as the receiver got it.</summary>
internal sealed record ReceivedWebhook(string Path, string IdempotencyKey, JsonNode Body);

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1:0) that records every POST. Paths under <c>/gone/</c> answer 410, as a
/// deleted Teams or Slack hook does; every other path answers 200.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseAddress => new(_app.Urls.First());

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            receiver._received.Enqueue(new ReceivedWebhook(context.Request.Path, context.Request.Headers["Idempotency-Key"].ToString(), body!));
            return context.Request.Path.StartsWithSegments("/gone", StringComparison.Ordinal) ? Results.StatusCode(410) : Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using AlertPipeline.Hosting;

namespace AlertPipeline.Tests.Agent;

/// <summary>
/// The web as a pupil meets it, on loopback: a site search with a search box, a page with a diary text area beside a
/// password field and a field marked sensitive, and articles with ordinary and concerning text.
/// </summary>
internal sealed class PupilSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PupilSite(WebApplication app)
    {
        _app = app;
        BaseUrl = app.BoundAddress().ToString().TrimEnd('/');
    }

    public string BaseUrl { get; }

    public const string ConcerningArticleText = "I have been cutting myself every night and nobody knows.";
    public const string OrdinaryArticleText = "Worksheet: the water cycle, evaporation and condensation.";

    public static async Task<PupilSite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/search", (string? q) => Html($"{WebUtility.HtmlEncode(q)} - Search", $"""
            <form action="/search"><input name="q" type="search" value="{WebUtility.HtmlEncode(q)}"><button>Search</button></form>
            <p>Results for {WebUtility.HtmlEncode(q)}</p>
            """));
        app.MapGet("/diary", () => Html("My diary", """
            <label>Diary <textarea id="diary"></textarea></label>
            <label>Password <input id="password" type="password"></label>
            <label>Private note <textarea id="private" data-sensitive></textarea></label>
            <button id="done">Done</button>
            """));
        app.MapGet("/article/ordinary", () => Html("Science homework", $"<p>{OrdinaryArticleText}</p>"));
        app.MapGet("/article/concerning", () => Html("A forum post", $"<p>{ConcerningArticleText}</p>"));
        await app.StartAsync();
        return new PupilSite(app);
    }

    private static IResult Html(string title, string body) =>
        Results.Content($"<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body>{body}</body></html>", "text/html; charset=utf-8");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

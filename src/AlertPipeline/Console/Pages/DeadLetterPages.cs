using AlertPipeline.Web;
using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Users;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.ConsoleUi.Pages;

/// <summary>
/// Dead letters for IT and the trust DSL: how many events detection could not process, and why, so a poison event
/// is seen by a person and not only in a log. Counts and reasons only: no pupil, no text (IT may never see one).
/// Replay and drop are CLI commands (<c>alertpipeline deadletters</c>), run by whoever runs the host.
/// </summary>
internal static class DeadLetterPages
{
    public static IEndpointRouteBuilder MapDeadLetterPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dead-letters", Page).RequireAuthorization(ConsolePolicies.Pipeline);
        app.MapGet("/api/v1/dead-letters", (DeadLetters deadLetters) =>
        {
            var (total, byReason) = deadLetters.Summary();
            return Results.Json(new { total, byReason = byReason.Select(r => new { reason = r.Reason, count = r.Count }) });
        }).RequireAuthorization(ConsolePolicies.Pipeline);
        return app;
    }

    private static IResult Page(HttpContext context, DeadLetters deadLetters, IConfiguration configuration)
    {
        var (total, byReason) = deadLetters.Summary();
        var recent = deadLetters.List(20);
        var zone = Layout.Zone(context);
        var reasons = string.Concat(byReason.Select(r => string.Create(CultureInfo.InvariantCulture, $"<tr><td>{E(r.Reason)}</td><td>{r.Count}</td></tr>")));
        var rows = string.Concat(recent.Select(d => string.Create(CultureInfo.InvariantCulture,
            $"<tr><td><code>{E(d.Id)}</code></td><td><time datetime=\"{IsoTime(d.At)}\">{Time(d.At, zone)}</time></td><td>{E(d.Reason)}</td></tr>")));
        var kafka = Transport.TransportServices.Kind(configuration) == "kafka";
        return Layout.Page(context, "Dead letters", $"""
            <h1>Dead letters</h1>
            <p class="muted">Events detection could not process after {DetectionWorker.MaxAttempts} tries, kept with the reason so nothing is lost silently.
            Replay them after a fix with <code>alertpipeline deadletters replay ID</code>; see them with <code>deadletters list</code>.
            {(kafka ? "This host uses Kafka: its dead letters are on the dead-letter topic, not counted here." : "")}</p>
            <section class="card">
              <p id="dead-letter-count"><strong>{total}</strong> dead letter(s).</p>
              {(total == 0 ? "" : $"<table id=\"dead-letter-reasons\"><thead><tr><th>Reason</th><th>Count</th></tr></thead><tbody>{reasons}</tbody></table>")}
            </section>
            {(recent.Count == 0 ? "" : $"<section class=\"card\"><h2>Most recent</h2><table><thead><tr><th>Id</th><th>When</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table></section>")}
            """);
    }
}

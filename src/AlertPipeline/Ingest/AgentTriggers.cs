using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using Microsoft.Net.Http.Headers;

namespace AlertPipeline.Ingest;

/// <summary>
/// <c>GET /api/v1/agent/triggers</c>: the compact list of terms on which a device agent takes a screenshot
/// (agent/chrome, ADR 0018). Why a separate list and not the keyword lists: the agent only decides when a picture is
/// worth taking, since it cannot be taken afterwards; the server's detection still decides what is an alert. So only
/// plain terms at or above <see cref="MinimumSeverity"/> with no context rule are sent: regexes, intent rules and
/// terms that need (or are cancelled by) a context group would either not run in the agent or fire too often there.
/// </summary>
internal static class AgentTriggers
{
    public const Severity MinimumSeverity = Severity.High;

    /// <summary>How long an agent may use its copy without asking (it asks with the ETag after that).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    public static IResult Get(HttpContext context, DetectorHolder detectors)
    {
        var set = detectors.Current.Set;
        // The list version names the list content, so it is the ETag: an agent with the current list gets 304.
        var etag = new EntityTagHeaderValue($"\"{Uri.EscapeDataString(set.Version)}\"");
        context.Response.Headers.ETag = etag.ToString();
        context.Response.Headers.CacheControl = $"private, max-age={(int)MaxAge.TotalSeconds}";
        if (context.Request.Headers.IfNoneMatch.Any(v => string.Equals(v, etag.ToString(), StringComparison.Ordinal)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Json(new { version = set.Version, minimumSeverity = MinimumSeverity.ToString().ToLowerInvariant(), terms = Terms(set) });
    }

    /// <summary>The triggers of a list version: lower-case terms, a prefix term ending in <c>*</c>, sorted, each once.</summary>
    public static IReadOnlyList<string> Terms(KeywordSet set) => set.Entries
        .Where(e => e.Severity >= MinimumSeverity && e.Kind != MatchKind.Regex && e.Intent is null && e.Requires is null && e.Unless is null)
        .Select(e => e.Term.ToLowerInvariant() + (e.Kind == MatchKind.Prefix ? "*" : string.Empty))
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToList();
}

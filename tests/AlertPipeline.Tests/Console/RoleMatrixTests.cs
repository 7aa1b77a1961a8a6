using System.Net.Http.Json;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

/// <summary>
/// Every console endpoint (API and page) × every role → the answer the design gives: allowed (200/201), denied
/// (403), not found for another school's alert (404, as if it did not exist), or not signed in (401 for the API,
/// a redirect to sign-in for pages). Allowed calls carry a valid anti-forgery token; every row uses fresh data so
/// rows do not depend on each other.
/// </summary>
public sealed class RoleMatrixTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static readonly string[] Roles = ["dsl-own", "dsl-other", "trust-dsl", "it", "governor", "admin", "anonymous"];

    private static readonly string[] Dsls = ["dsl-own", "dsl-other", "trust-dsl"];

    private enum Kind
    {
        Api,
        Page,
        /// <summary>The alert belongs to dsl-own's school: dsl-other gets 404.</summary>
        AlertApi,
        AlertPage,
    }

    private sealed record Endpoint(string Method, Func<ConsoleFixture, string> Path, Kind Kind, string[] Allowed, int Success = 200, Func<ConsoleFixture, object?>? Body = null);

    private static string FreshAlert(ConsoleFixture f) => ConsoleData.SaveAlert(f.Host, ConsoleFixture.OwnSchool).AlertId;

    private static readonly Dictionary<string, Endpoint> Endpoints = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/alerts"] = new("GET", _ => "/api/v1/alerts", Kind.Api, Dsls),
        ["GET /api/v1/alerts/{id}"] = new("GET", f => $"/api/v1/alerts/{FreshAlert(f)}", Kind.AlertApi, Dsls),
        ["GET /api/v1/alerts/{id}/screenshot"] = new("GET", f => $"/api/v1/alerts/{FreshAlert(f)}/screenshot", Kind.AlertApi, Dsls),
        ["GET /api/v1/alerts/{id}/export"] = new("GET", f => $"/api/v1/alerts/{FreshAlert(f)}/export?format=csv", Kind.AlertApi, Dsls),
        ["POST /api/v1/alerts/{id}/acknowledge"] = new("POST", f => $"/api/v1/alerts/{FreshAlert(f)}/acknowledge", Kind.AlertApi, Dsls),
        ["POST /api/v1/alerts/{id}/assign"] = new("POST", f => $"/api/v1/alerts/{FreshAlert(f)}/assign", Kind.AlertApi, Dsls, Body: _ => new { assignee = "dsl.oak" }),
        ["POST /api/v1/alerts/{id}/notes"] = new("POST", f => $"/api/v1/alerts/{FreshAlert(f)}/notes", Kind.AlertApi, Dsls, Body: _ => new { note = "spoke to form tutor" }),
        ["POST /api/v1/alerts/{id}/escalate"] = new("POST", f => $"/api/v1/alerts/{FreshAlert(f)}/escalate", Kind.AlertApi, Dsls, Body: _ => new { reason = "needs the head" }),
        ["POST /api/v1/alerts/{id}/resolve"] = new("POST", f => $"/api/v1/alerts/{FreshAlert(f)}/resolve", Kind.AlertApi, Dsls, Body: _ => new { outcome = "referred", reference = "CPOMS-1234" }),
        ["GET /api/v1/events/stream"] = new("GET", _ => "/api/v1/events/stream", Kind.Api, Dsls),
        ["GET /api/v1/keywords"] = new("GET", _ => "/api/v1/keywords?q=die", Kind.Api, ["it"]),
        ["POST /api/v1/keywords/entries"] = new("POST", _ => "/api/v1/keywords/entries", Kind.Api, ["it"],
            Body: _ => new { id = "suicide/want to die", notes = "edited in the role matrix", reason = "role matrix" }),
        ["POST /api/v1/keywords/entries/disable"] = new("POST", _ => "/api/v1/keywords/entries/disable", Kind.Api, ["it"],
            Body: _ => new { id = "gambling/bet365", reason = "role matrix" }),
        ["POST /api/v1/keywords/allow"] = new("POST", _ => "/api/v1/keywords/allow", Kind.Api, ["it"],
            Body: _ => new { phrase = "role matrix allow phrase", reason = "role matrix" }),
        ["GET /api/v1/keywords/versions"] = new("GET", _ => "/api/v1/keywords/versions", Kind.Api, ["it"]),
        ["GET /api/v1/keywords/versions/{v}/diff"] = new("GET", f => $"/api/v1/keywords/versions/{f.Host.App.Services.GetRequiredService<KeywordVersionStore>().History(1)[0].Version}/diff", Kind.Api, ["it"]),
        ["POST /api/v1/keywords/test"] = new("POST", _ => "/api/v1/keywords/test", Kind.Api, ["it"], Body: _ => new { text = "i want to die", source = "typed" }),
        ["GET /api/v1/keywords/term-counts"] = new("GET", _ => "/api/v1/keywords/term-counts", Kind.Api, ["it"]),
        ["GET /api/v1/devices/silent"] = new("GET", _ => "/api/v1/devices/silent", Kind.Api, ["it"]),
        ["GET /api/v1/reports/governor-summary"] = new("GET", _ => "/api/v1/reports/governor-summary", Kind.Api, ["governor", "trust-dsl"]),
        ["GET /api/v1/users"] = new("GET", _ => "/api/v1/users", Kind.Api, ["admin"]),
        ["POST /api/v1/users"] = new("POST", _ => "/api/v1/users", Kind.Api, ["admin"], 201, _ => new { name = "new." + Guid.NewGuid().ToString("N")[..8], role = "it" }),
        ["POST /api/v1/users/{name}/disable"] = new("POST", f => $"/api/v1/users/{ConsoleSession.CreateUser(f.Host, "gone." + Guid.NewGuid().ToString("N")[..8], ConsoleRoles.It).Name}/disable", Kind.Api, ["admin"]),
        ["POST /api/v1/users/{name}/unlock"] = new("POST", f => $"/api/v1/users/{ConsoleSession.CreateUser(f.Host, "locked." + Guid.NewGuid().ToString("N")[..8], ConsoleRoles.It).Name}/unlock", Kind.Api, ["admin"]),
        ["GET /api/v1/audit"] = new("GET", _ => "/api/v1/audit", Kind.Api, ["trust-dsl", "admin"]),
        ["GET /api/v1/audit/export"] = new("GET", _ => "/api/v1/audit/export?action=sign-in", Kind.Api, ["trust-dsl", "admin"]),
        ["GET /audit"] = new("GET", _ => "/audit?action=triage", Kind.Page, ["trust-dsl", "admin"]),
        ["GET /api/v1/session"] = new("GET", _ => "/api/v1/session", Kind.Api, ["dsl-own", "dsl-other", "trust-dsl", "it", "governor", "admin"]),
        ["GET /alerts"] = new("GET", _ => "/alerts", Kind.Page, Dsls),
        ["GET /alerts/{id}"] = new("GET", f => $"/alerts/{FreshAlert(f)}", Kind.AlertPage, Dsls),
        ["GET /lists"] = new("GET", _ => "/lists", Kind.Page, ["it"]),
        ["GET /lists/history"] = new("GET", _ => "/lists/history", Kind.Page, ["it"]),
        ["GET /devices"] = new("GET", _ => "/devices", Kind.Page, ["it"]),
        ["GET /dead-letters"] = new("GET", _ => "/dead-letters", Kind.Page, ["it", "trust-dsl"]),
        ["GET /api/v1/dead-letters"] = new("GET", _ => "/api/v1/dead-letters", Kind.Api, ["it", "trust-dsl"]),
        ["GET /summary"] = new("GET", _ => "/summary", Kind.Page, ["governor", "trust-dsl"]),
        ["GET /reports/governor.pdf"] = new("GET", _ => "/reports/governor.pdf", Kind.Page, ["governor", "trust-dsl"]),
        ["GET /accounts"] = new("GET", _ => "/accounts", Kind.Page, ["admin"]),
        ["GET /checks"] = new("GET", _ => "/checks", Kind.Page, ["dsl-own", "dsl-other", "trust-dsl", "it"]),
        ["GET /reports/risk-profile"] = new("GET", _ => "/reports/risk-profile", Kind.Page, Dsls),
        ["GET /it/tuning"] = new("GET", _ => "/it/tuning", Kind.Page, ["it"]),
    };

    public static TheoryData<string, string, int> Matrix()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (name, endpoint) in Endpoints)
        {
            foreach (var role in Roles)
            {
                var page = endpoint.Kind is Kind.Page or Kind.AlertPage;
                data.Add(name, role,
                    role == "anonymous" ? (page ? 302 : 401)
                    : !endpoint.Allowed.Contains(role) ? 403
                    : role == "dsl-other" && endpoint.Kind is Kind.AlertApi or Kind.AlertPage ? 404
                    : endpoint.Success);
            }
        }

        // A console session is not a device agent's API key: ingest stays closed to every person.
        foreach (var role in Roles)
        {
            data.Add("POST /api/v1/events (ingest)", role, 401);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_Role_AnswersAsDesigned(string endpoint, string role, int expected)
    {
        var session = fixture.As(role);
        using var response = endpoint == "POST /api/v1/events (ingest)"
            ? await session.PostJsonAsync("/api/v1/events", new[] { Some.Event() })
            : await SendAsync(session, Endpoints[endpoint]);
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "(event stream)" : await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{endpoint} as {role}: expected {expected}, got {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}");
        if (expected == 302)
        {
            Assert.StartsWith("/sign-in", response.Headers.Location?.OriginalString.Replace(fixture.Host.Http.BaseAddress!.ToString().TrimEnd('/'), "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(ConsoleSession session, Endpoint endpoint)
    {
        var path = endpoint.Path(fixture);
        if (endpoint.Method == "GET")
        {
            // ResponseHeadersRead: the event stream never ends; its status is all this row needs.
            return await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead);
        }

        return await session.PostJsonAsync(path, endpoint.Body?.Invoke(fixture));
    }
}

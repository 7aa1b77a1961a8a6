using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AlertPipeline.Tests.Support;

/// <summary>A token request as the endpoint received it: the form fields, and the token it issued (null when refused).</summary>
internal sealed record TokenRequest(IReadOnlyDictionary<string, string> Form, string? Issued);

/// <summary>
/// An OAuth2 token endpoint (Kestrel on 127.0.0.1:0): the identity provider is a boundary the tests cannot run for
/// real (Entra ID, Google), so this one follows their protocol. Client credentials: the configured client id and
/// secret get a token; anything else gets 401 invalid_client. JWT bearer (Google service accounts): the assertion's
/// RS256 signature is checked with the service account's public key and its claims are recorded. Tokens are
/// <c>tok-1</c>, <c>tok-2</c>, ... in order of issue.
/// </summary>
internal sealed class TokenEndpoint : IAsyncDisposable
{
    private readonly ConcurrentQueue<TokenRequest> _requests = new();
    private readonly WebApplication _app;
    private int _issued;

    private TokenEndpoint(WebApplication app)
    {
        _app = app;
    }

    public string ClientId { get; init; } = "app-1";

    public string ClientSecret { get; set; } = "s3cret";

    /// <summary>The expires_in each token is issued with, in seconds.</summary>
    public int ExpiresIn { get; set; } = 3600;

    /// <summary>For the JWT bearer grant: the service account's key, whose public half checks the assertion.</summary>
    public RSA? ServiceAccountKey { get; set; }

    public string Url => new Uri(new Uri(_app.Urls.First()), "/oauth2/v2.0/token").ToString();

    public IReadOnlyList<TokenRequest> Requests => _requests.ToArray();

    public static async Task<TokenEndpoint> StartAsync(string clientId = "app-1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new TokenEndpoint(app) { ClientId = clientId };
        app.MapPost("/oauth2/v2.0/token", async (HttpContext context) =>
        {
            var form = (await context.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
            var refusal = endpoint.Refusal(form);
            if (refusal is not null)
            {
                endpoint._requests.Enqueue(new TokenRequest(form, null));
                return Results.Json(new JsonObject { ["error"] = "invalid_client", ["error_description"] = refusal }, statusCode: 401);
            }

            var token = "tok-" + Interlocked.Increment(ref endpoint._issued).ToString(CultureInfo.InvariantCulture);
            endpoint._requests.Enqueue(new TokenRequest(form, token));
            return Results.Json(new JsonObject { ["token_type"] = "Bearer", ["expires_in"] = endpoint.ExpiresIn, ["access_token"] = token });
        });
        await app.StartAsync();
        return endpoint;
    }

    /// <summary>The claims of a JWT assertion (no checks: the endpoint already checked it when it issued a token).</summary>
    public static JsonNode Claims(string assertion) => JsonNode.Parse(Base64UrlDecode(assertion.Split('.')[1]))!;

    private string? Refusal(Dictionary<string, string> form)
    {
        var grant = form.GetValueOrDefault("grant_type");
        if (grant == "client_credentials")
        {
            return form.GetValueOrDefault("client_id") == ClientId && form.GetValueOrDefault("client_secret") == ClientSecret
                ? null
                : "AADSTS7000215: Invalid client secret provided.";
        }

        if (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" && ServiceAccountKey is { } key && form.TryGetValue("assertion", out var jwt))
        {
            var parts = jwt.Split('.');
            var signed = parts.Length == 3 && key.VerifyData(
                Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return signed && (string?)Claims(jwt)["aud"] == Url ? null : "invalid_grant: Invalid JWT Signature.";
        }

        return $"unsupported grant_type '{grant}'";
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Ingest.ApiKeys;

/// <summary>Authenticates device agents by <c>Authorization: ApiKey &lt;key&gt;</c> or <c>X-Api-Key</c>.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string SchoolClaim = "ap:school";
    public const string DeviceClaim = "ap:device";
    public const string KeyClaim = "ap:key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? secret = null;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase))
        {
            secret = authorization[(SchemeName.Length + 1)..].Trim();
        }
        else if (Request.Headers.TryGetValue("X-Api-Key", out var header))
        {
            secret = header.ToString().Trim();
        }

        if (string.IsNullOrEmpty(secret))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var grant = keys.Find(secret);
        if (grant is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown or revoked API key"));
        }

        var claims = new List<Claim> { new(KeyClaim, grant.KeyId), new(SchoolClaim, grant.SchoolId) };
        if (grant.DeviceId is not null)
        {
            claims.Add(new Claim(DeviceClaim, grant.DeviceId));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = SchemeName;
        var sent = Request.Headers.Authorization.Count > 0 || Request.Headers.ContainsKey("X-Api-Key");
        var message = sent ? "the API key is unknown or revoked" : "an API key is required: send 'Authorization: ApiKey <key>'";
        await Response.WriteAsJsonAsync(new { error = message }).ConfigureAwait(false);
    }
}

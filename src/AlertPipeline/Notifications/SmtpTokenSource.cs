using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>The token endpoint gave no token: the message names the setting to look at. The outbox retries later.</summary>
internal sealed class SmtpTokenException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The bearer token for the SMTP sign-in (XOAUTH2, ADR 0025): fetched from the identity provider's token endpoint,
/// cached and shared by every pooled connection until shortly before the expiry the provider gave, then fetched
/// again. Two grants: client credentials (Microsoft 365) and a service account's signed JWT (Google Workspace).
/// </summary>
internal sealed class SmtpTokenSource(IOptions<NotificationOptions> options, IHttpClientFactory http, TimeProvider clock) : IDisposable
{
    public const string HttpClientName = "smtp-oauth2";

    private readonly SmtpSettings _smtp = options.Value.Smtp;

    // One request at a time: 16 senders starting together must not ask for 16 tokens.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Cached? _cached;

    private SmtpOAuth2Settings OAuth2 => _smtp.OAuth2;

    public void Dispose() => _gate.Dispose();

    public string Describe() => OAuth2.IsServiceAccount
        ? $"Notifications:Smtp:OAuth2:ServiceAccountKeyFile '{OAuth2.ServiceAccountKeyFile}'"
        : $"Notifications:Smtp:OAuth2:TokenEndpoint {OAuth2.TokenEndpoint} (client '{OAuth2.ClientId}')";

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _cached) is { } cached && clock.GetUtcNow() < cached.RefreshAt)
            {
                return cached.Token;
            }

            var (token, lifetime) = await RequestAsync(cancellationToken).ConfigureAwait(false);
            var early = TimeSpan.FromTicks(Math.Max(OAuth2.RefreshBeforeExpiry.Ticks, 0));
            var keep = lifetime - early < lifetime / 2 ? lifetime / 2 : lifetime - early;
            Volatile.Write(ref _cached, new Cached(token, clock.GetUtcNow() + keep));
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The server refused this token: the next <see cref="GetAsync"/> fetches a new one (unless another sender already has).</summary>
    public void Refused(string token)
    {
        // Compare-and-swap, not the gate: a sender must not wait behind a token request to drop a token.
        if (Volatile.Read(ref _cached) is { } current && current.Token == token)
        {
            Interlocked.CompareExchange(ref _cached, null, current);
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> RequestAsync(CancellationToken cancellationToken)
    {
        var (endpoint, form) = OAuth2.IsServiceAccount ? ServiceAccountRequest() : await ClientCredentialsRequestAsync(cancellationToken).ConfigureAwait(false);
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = _smtp.Timeout;
        using var content = new FormUrlEncodedContent(form);
        HttpResponseMessage response;
        try
        {
            response = await client.PostAsync(new Uri(endpoint), content, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new SmtpTokenException($"OAuth2: the token endpoint {endpoint} ({Setting("TokenEndpoint")}) could not be reached: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SmtpTokenException($"OAuth2: the token endpoint {endpoint} ({Setting("TokenEndpoint")}) did not answer within Notifications:Smtp:Timeout ({_smtp.Timeout}).", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var json = Parse(body);
            if (!response.IsSuccessStatusCode)
            {
                // RFC 6749 5.2: error and error_description say why (invalid_client: a wrong or expired secret).
                var why = json is null ? Truncate(body) : $"{(string?)json["error"]}: {(string?)json["error_description"]}";
                throw new SmtpTokenException(
                    $"OAuth2: the token endpoint {endpoint} refused the request for {Identity()} with {(int)response.StatusCode} ({why}); check {Credential()}.");
            }

            if (json?["access_token"] is not JsonValue tokenValue || tokenValue.GetValueKind() != JsonValueKind.String || tokenValue.GetValue<string>().Length == 0)
            {
                throw new SmtpTokenException($"OAuth2: the token endpoint {endpoint} answered {(int)response.StatusCode} without an access_token ({Truncate(body)}).");
            }

            return (tokenValue.GetValue<string>(), Lifetime(json["expires_in"]));
        }
    }

    /// <summary>expires_in, seconds, a number or (some providers) a string; missing: assume an hour, the usual lifetime.</summary>
    private static TimeSpan Lifetime(JsonNode? expiresIn)
    {
        var seconds = expiresIn is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>()
            : expiresIn is JsonValue s && s.GetValueKind() == JsonValueKind.String && double.TryParse(s.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : 3600;
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 0, TimeSpan.FromDays(1).TotalSeconds));
    }

    private async Task<(string, Dictionary<string, string>)> ClientCredentialsRequestAsync(CancellationToken cancellationToken)
    {
        var secret = OAuth2.ClientSecret;
        if (OAuth2.ClientSecretFile.Length > 0)
        {
            try
            {
                secret = (await File.ReadAllTextAsync(OAuth2.ClientSecretFile, cancellationToken).ConfigureAwait(false)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SmtpTokenException($"OAuth2: Notifications:Smtp:OAuth2:ClientSecretFile '{OAuth2.ClientSecretFile}' could not be read: {ex.Message}", ex);
            }
        }

        return (OAuth2.TokenEndpoint, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = OAuth2.ClientId,
            ["client_secret"] = secret,
            ["scope"] = OAuth2.EffectiveScope,
        });
    }

    /// <summary>
    /// Google's two-legged OAuth for service accounts (RFC 7523): a JWT naming the service account (iss), the mailbox
    /// it acts for through domain-wide delegation (sub), the scope and the token endpoint (aud), signed RS256 with
    /// the account's private key, is exchanged for an access token.
    /// </summary>
    private (string, Dictionary<string, string>) ServiceAccountRequest()
    {
        var key = ReadServiceAccountKey();
        var endpoint = OAuth2.TokenEndpoint.Length > 0 ? OAuth2.TokenEndpoint : key.TokenUri;
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var header = Base64Url("""{"alg":"RS256","typ":"JWT"}"""u8.ToArray());
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["iss"] = key.ClientEmail,
            ["sub"] = _smtp.UserName,
            ["scope"] = OAuth2.EffectiveScope,
            ["aud"] = endpoint,
            ["iat"] = now,
            ["exp"] = now + 3600,
        }));
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(key.PrivateKey);
        }
        catch (ArgumentException ex)
        {
            throw new SmtpTokenException($"OAuth2: the private_key in Notifications:Smtp:OAuth2:ServiceAccountKeyFile '{OAuth2.ServiceAccountKeyFile}' is not a PEM RSA key: {ex.Message}", ex);
        }

        var signature = rsa.SignData(Encoding.ASCII.GetBytes($"{header}.{claims}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return (endpoint, new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = $"{header}.{claims}.{Base64Url(signature)}",
        });
    }

    private (string ClientEmail, string PrivateKey, string TokenUri) ReadServiceAccountKey()
    {
        var file = OAuth2.ServiceAccountKeyFile;
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new SmtpTokenException($"OAuth2: Notifications:Smtp:OAuth2:ServiceAccountKeyFile '{file}' could not be read as a JSON key: {ex.Message}", ex);
        }

        string Field(string name) => json?[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0
            ? v.GetValue<string>()
            : throw new SmtpTokenException($"OAuth2: Notifications:Smtp:OAuth2:ServiceAccountKeyFile '{file}' has no '{name}' (is it a service account's JSON key?).");

        return (Field("client_email"), Field("private_key"), OAuth2.TokenEndpoint.Length > 0 ? OAuth2.TokenEndpoint : Field("token_uri"));
    }

    private string Identity() => OAuth2.IsServiceAccount ? $"the service account in {Setting("ServiceAccountKeyFile")}" : $"client '{OAuth2.ClientId}' ({Setting("ClientId")})";

    private string Credential() => OAuth2.IsServiceAccount
        ? $"{Setting("ServiceAccountKeyFile")} and the account's domain-wide delegation for {OAuth2.EffectiveScope}"
        : $"{Setting("ClientId")}, {(OAuth2.ClientSecretFile.Length > 0 ? Setting("ClientSecretFile") : Setting("ClientSecret"))} and {Setting("Scope")} ('{OAuth2.EffectiveScope}')";

    private static string Setting(string name) => $"Notifications:Smtp:OAuth2:{name}";

    private static JsonNode? Parse(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Cached(string Token, DateTimeOffset RefreshAt);
}

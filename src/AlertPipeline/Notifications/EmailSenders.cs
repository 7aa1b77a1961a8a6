using System.Collections.Concurrent;
using AlertPipeline.Storage;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace AlertPipeline.Notifications;

/// <summary>Delivers one email. Throwing means "not delivered, try again later"; <see cref="PermanentDeliveryException"/> means "never for this address".</summary>
internal interface IEmailSender
{
    string Describe();

    Task SendAsync(MimeMessage message, string notificationId, CancellationToken cancellationToken);
}

/// <summary>
/// Sends through an SMTP server with MailKit, over a pool of open connections: one SMTP session carries many
/// messages, so a storm of notifications pays for connect, EHLO, TLS and AUTH once per connection rather than once
/// per message (System.Net.Mail's SmtpClient, used before, opened a connection per message). At most
/// <c>MaxConcurrentSends</c> connections are open, since that many sends run at once. Signs in with a password or,
/// with <c>Auth=oauth2</c>, with an OAuth2 bearer token (XOAUTH2, ADR 0025) from <see cref="SmtpTokenSource"/>.
/// </summary>
internal sealed class SmtpEmailSender(IOptions<NotificationOptions> options, TimeProvider clock, SmtpTokenSource? tokens = null) : IEmailSender, IDisposable
{
    // A connection idle longer than this is closed rather than reused: servers drop idle sessions (often after
    // 60 s or more), and a send on a dead connection would cost a retry's back-off to an urgent alert.
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(20);

    private readonly SmtpSettings _smtp = options.Value.Smtp;
    private readonly ConcurrentBag<(MailKit.Net.Smtp.SmtpClient Client, DateTimeOffset LastUsed)> _idle = [];

    public string Describe() => $"SMTP {_smtp.Host}:{_smtp.Port}";

    public async Task SendAsync(MimeMessage message, string notificationId, CancellationToken cancellationToken)
    {
        var mime = message;
        var (client, reused) = Take();
        try
        {
            await SendOnAsync(client, mime, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (reused && IsConnectionLost(ex))
        {
            // The pooled session had been closed by the server: one fresh connection, at once, not a retry later.
            Discard(client);
            client = NewClient();
            await SendOnAsync(client, mime, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException ex) when (IsPermanent(ex))
        {
            Return(client);
            // The server will never take this message for this address (RFC 5321 5xx about the mailbox or the
            // transaction): retrying for hours would only hide it. The dispatcher raises a system alert at once.
            throw new PermanentDeliveryException($"SMTP server refused the message for good ({(int)ex.StatusCode} {ex.StatusCode}): {ex.Message}");
        }
        catch
        {
            Discard(client);
            throw;
        }

        Return(client);
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var idle))
        {
            Discard(idle.Client);
        }
    }

    /// <summary>
    /// Mailbox unavailable / not local / name not allowed, and transaction failed: permanent, when the server says
    /// so about a recipient or the message. Authentication, TLS and command errors are not: they are configuration
    /// that IT can fix, and the outbox keeps retrying (and raises a system alert) so nothing is lost meanwhile.
    /// </summary>
    internal static bool IsPermanent(SmtpCommandException ex) =>
        ex.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted
        && (int)ex.StatusCode is 550 or 551 or 553 or 554;

    private async Task SendOnAsync(MailKit.Net.Smtp.SmtpClient client, MimeMessage mime, CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            await client.ConnectAsync(_smtp.Host, _smtp.Port, Security(_smtp), cancellationToken).ConfigureAwait(false);
            if (_smtp.UsesOAuth2)
            {
                await AuthenticateWithTokenAsync(client, cancellationToken).ConfigureAwait(false);
            }
            else if (_smtp.UserName.Length > 0)
            {
                await client.AuthenticateAsync(_smtp.UserName, _smtp.Password, cancellationToken).ConfigureAwait(false);
            }
        }

        await client.SendAsync(mime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// XOAUTH2 with the cached token. A refusal (535) may mean the token was revoked or expired before the time it
    /// said, so one fresh token is fetched and tried once on the same session; a second refusal is configuration
    /// (the app's permission, the mailbox) and fails the send, which the outbox retries later: nothing is lost.
    /// </summary>
    private async Task AuthenticateWithTokenAsync(MailKit.Net.Smtp.SmtpClient client, CancellationToken cancellationToken)
    {
        var source = tokens ?? throw new InvalidOperationException("Notifications:Smtp:Auth is oauth2 but no token source is registered.");
        var token = await source.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(_smtp.UserName, token), cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (AuthenticationException)
        {
            source.Refused(token);
        }

        token = await source.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(_smtp.UserName, token), cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException ex)
        {
            source.Refused(token);
            throw new SmtpTokenException(
                $"OAuth2: the SMTP server refused the token (XOAUTH2) for Notifications:Smtp:UserName '{_smtp.UserName}' from {source.Describe()}, "
                + $"also a freshly issued one: check that the app may send as this mailbox (Microsoft 365: SMTP.SendAsApp and the mailbox's "
                + $"permission; Google: domain-wide delegation of https://mail.google.com/) ({ex.Message})", ex);
        }
    }

    /// <summary><c>EnableSsl</c> keeps System.Net.Mail's meaning (STARTTLS, required); <c>Security</c> says more.</summary>
    internal static SecureSocketOptions Security(SmtpSettings smtp) => smtp.Security.ToLowerInvariant() switch
    {
        "none" => SecureSocketOptions.None,
        "starttls" => SecureSocketOptions.StartTls,
        "starttlswhenavailable" => SecureSocketOptions.StartTlsWhenAvailable,
        "sslonconnect" => SecureSocketOptions.SslOnConnect,
        _ => smtp.EnableSsl ? SecureSocketOptions.StartTls : SecureSocketOptions.None,
    };

    private static bool IsConnectionLost(Exception ex) =>
        ex is ServiceNotConnectedException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException;

    private (MailKit.Net.Smtp.SmtpClient Client, bool Reused) Take()
    {
        var now = clock.GetUtcNow();
        while (_idle.TryTake(out var idle))
        {
            if (idle.Client.IsConnected && now - idle.LastUsed < IdleLimit)
            {
                return (idle.Client, true);
            }

            Discard(idle.Client);
        }

        return (NewClient(), false);
    }

    private MailKit.Net.Smtp.SmtpClient NewClient() => new() { Timeout = (int)_smtp.Timeout.TotalMilliseconds };

    private void Return(MailKit.Net.Smtp.SmtpClient client)
    {
        if (client.IsConnected)
        {
            _idle.Add((client, clock.GetUtcNow()));
        }
        else
        {
            client.Dispose();
        }
    }

    private static void Discard(MailKit.Net.Smtp.SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                client.Disconnect(quit: false);
            }
        }
#pragma warning disable CA1031 // Closing a broken connection may fail in any way; it is being thrown away.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        client.Dispose();
    }
}

/// <summary>
/// Writes each email as <c>&lt;notificationId&gt;.eml</c> in the outbox folder: the default with no mail server, so the
/// demo shows notifications. MimeKit writes the whole MIME message into a private folder, from which it is renamed
/// into place, so the outbox only ever holds whole files and a retry overwrites rather than duplicates.
/// </summary>
internal sealed class OutboxFolderEmailSender(IOptions<NotificationOptions> options, IOptions<StorageOptions> storage) : IEmailSender
{
    private readonly string _folder = Path.Combine(storage.Value.FullDataDirectory, options.Value.OutboxDirectory);

    public string Folder => _folder;

    public string Describe() => $"outbox folder {_folder}";

    public async Task SendAsync(MimeMessage message, string notificationId, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(_folder, ".staging", notificationId);

        // A crash between writing and renaming leaves a file here; start clean, so a retry never finds a half file.
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        var written = Path.Combine(staging, notificationId + ".eml");
        await message.WriteToAsync(written, cancellationToken).ConfigureAwait(false);
        File.Move(written, Path.Combine(_folder, notificationId + ".eml"), overwrite: true);
        Directory.Delete(staging, recursive: true);
    }
}

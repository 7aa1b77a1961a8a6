using System.Net;
using System.Net.Mail;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>Delivers one email. Throwing means "not delivered, try again later"; <see cref="PermanentDeliveryException"/> means "never for this address".</summary>
internal interface IEmailSender
{
    string Describe();

    Task SendAsync(MailMessage message, string notificationId, CancellationToken cancellationToken);
}

/// <summary>Sends through an SMTP server (System.Net.Mail; MailKit is not available here).</summary>
internal sealed class SmtpEmailSender(IOptions<NotificationOptions> options) : IEmailSender
{
    private readonly SmtpSettings _smtp = options.Value.Smtp;

    public string Describe() => $"SMTP {_smtp.Host}:{_smtp.Port}";

    public async Task SendAsync(MailMessage message, string notificationId, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient(_smtp.Host, _smtp.Port)
        {
            EnableSsl = _smtp.EnableSsl,
            Timeout = (int)_smtp.Timeout.TotalMilliseconds,
            DeliveryMethod = SmtpDeliveryMethod.Network,
        };
        if (_smtp.UserName.Length > 0)
        {
            client.Credentials = new NetworkCredential(_smtp.UserName, _smtp.Password);
        }

        try
        {
            await client.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpException ex) when (IsPermanent(ex.StatusCode))
        {
            // The server will never take this message for this address (RFC 5321 5xx about the mailbox or the
            // transaction): retrying for hours would only hide it. The dispatcher raises a system alert at once.
            throw new PermanentDeliveryException($"SMTP server refused the message for good ({(int)ex.StatusCode} {ex.StatusCode}): {ex.Message}");
        }
    }

    /// <summary>
    /// Mailbox unavailable / not local / name not allowed, and transaction failed: permanent. Authentication,
    /// TLS and command errors are not: they are configuration that IT can fix, and the outbox keeps retrying
    /// (and raises a system alert after MaxAttempts) so nothing is lost meanwhile.
    /// </summary>
    internal static bool IsPermanent(SmtpStatusCode code) => code is SmtpStatusCode.MailboxUnavailable or SmtpStatusCode.UserNotLocalTryAlternatePath
        or SmtpStatusCode.MailboxNameNotAllowed or SmtpStatusCode.TransactionFailed;
}

/// <summary>
/// Writes each email as <c>&lt;notificationId&gt;.eml</c> in the outbox folder: the default with no mail server, so the
/// demo shows notifications. System.Net.Mail writes the MIME file into a private folder, which is then renamed into
/// place, so the outbox only ever holds whole files and a retry overwrites rather than duplicates.
/// </summary>
internal sealed class OutboxFolderEmailSender(IOptions<NotificationOptions> options, IOptions<StorageOptions> storage) : IEmailSender
{
    private readonly string _folder = Path.Combine(storage.Value.FullDataDirectory, options.Value.OutboxDirectory);

    public string Folder => _folder;

    public string Describe() => $"outbox folder {_folder}";

    public async Task SendAsync(MailMessage message, string notificationId, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(_folder, ".staging", notificationId);

        // A crash between writing and renaming leaves a file here; start clean, or every retry would find two files
        // and this notification would never be delivered.
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        using (var client = new SmtpClient { DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory, PickupDirectoryLocation = staging })
        {
            await client.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
        }

        var written = Directory.GetFiles(staging, "*.eml").Single();
        File.Move(written, Path.Combine(_folder, notificationId + ".eml"), overwrite: true);
        Directory.Delete(staging, recursive: true);
    }
}

using System.Net;
using System.Net.Mail;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>Delivers one email. Throwing means "not delivered, try again later".</summary>
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

        await client.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
    }
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

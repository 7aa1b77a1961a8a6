using AlertPipeline.Detection;
using MimeKit;
using MimeKit.Text;

namespace AlertPipeline.Notifications;

/// <summary>Renders a <see cref="NotificationMessage"/> as an email (MimeKit: the same message goes to SMTP and to the outbox folder).</summary>
internal static class NotificationEmail
{
    public static MimeMessage Compose(NotificationMessage message, string recipient, string fromAddress)
    {
        var mail = New(fromAddress, recipient, message.Title, message.NotificationId, urgent: message.Severity >= Severity.Urgent);
        var body = new BodyBuilder { TextBody = message.ToText(), HtmlBody = message.HtmlBody };
        foreach (var file in message.Attachments)
        {
            body.Attachments.Add(file.FileName, file.Content, ContentType.Parse(file.ContentType));
        }

        mail.Body = body.ToMessageBody();
        Readable(mail);
        mail.Headers.Add("X-AlertPipeline-Notification", message.NotificationId);
        mail.Headers.Add("X-AlertPipeline-Kind", message.Kind);
        if (message.AlertId is not null)
        {
            mail.Headers.Add("X-AlertPipeline-Alert", message.AlertId);
        }

        if (message.Severity is { } severity)
        {
            mail.Headers.Add("X-AlertPipeline-Severity", severity.ToName());
        }

        return mail;
    }

    /// <summary>A plain-text email (the watchdog's, which must not depend on the composer or the alert store).</summary>
    public static MimeMessage PlainText(string fromAddress, string recipient, string subject, string text, string messageId, bool urgent)
    {
        var mail = New(fromAddress, recipient, subject, messageId, urgent);
        mail.Body = new TextPart(TextFormat.Plain) { Text = text };
        Readable(mail);
        return mail;
    }

    private static MimeMessage New(string fromAddress, string recipient, string subject, string id, bool urgent)
    {
        var mail = new MimeMessage
        {
            Subject = subject,
            // A stable Message-ID: if a crash between "accepted by the server" and "marked sent" makes us send again,
            // the receiving side can recognise the duplicate.
            MessageId = $"{id}@alertpipeline",
        };
        mail.From.Add(MailboxAddress.Parse(fromAddress));
        mail.To.Add(MailboxAddress.Parse(recipient));
        if (urgent)
        {
            // All three, as mail clients read different ones (Outlook: Importance and X-Priority).
            mail.Priority = MessagePriority.Urgent;
            mail.Importance = MessageImportance.High;
            mail.XPriority = XMessagePriority.High;
        }

        return mail;
    }

    /// <summary>
    /// Quoted-printable text parts keep the .eml readable as text, for the outbox folder and for mail-server logs,
    /// and 7-bit clean for any relay (MimeKit would otherwise write UTF-8 text as raw 8-bit into the .eml).
    /// </summary>
    private static void Readable(MimeMessage mail)
    {
        foreach (var part in mail.BodyParts.OfType<TextPart>().Where(p => !p.IsAttachment))
        {
            part.ContentTransferEncoding = ContentEncoding.QuotedPrintable;
        }
    }
}

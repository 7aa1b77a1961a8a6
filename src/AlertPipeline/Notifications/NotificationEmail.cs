using System.Net.Mail;
using System.Text;
using AlertPipeline.Detection;

namespace AlertPipeline.Notifications;

/// <summary>Renders a <see cref="NotificationMessage"/> as an email.</summary>
internal static class NotificationEmail
{
    public static MailMessage Compose(NotificationMessage message, string recipient, string fromAddress)
    {
        var mail = new MailMessage(fromAddress, recipient)
        {
            Subject = message.Title,
            Body = message.ToText(),
            BodyEncoding = Encoding.UTF8,
            SubjectEncoding = Encoding.UTF8,
            // Quoted-printable keeps the .eml readable as text, for the outbox folder and for mail-server logs.
            BodyTransferEncoding = System.Net.Mime.TransferEncoding.QuotedPrintable,
        };

        if (message.HtmlBody is { } html)
        {
            mail.AlternateViews.Add(AlternateView.CreateAlternateViewFromString(html, Encoding.UTF8, "text/html"));
        }

        foreach (var file in message.Attachments)
        {
            // The stream is owned by the attachment, which MailMessage.Dispose disposes with it.
            mail.Attachments.Add(new Attachment(new MemoryStream(file.Content, writable: false), file.FileName, file.ContentType));
        }

        // A stable Message-ID: if a crash between "accepted by the server" and "marked sent" makes us send again,
        // the receiving side can recognise the duplicate.
        mail.Headers.Add("Message-ID", $"<{message.NotificationId}@alertpipeline>");
        mail.Headers.Add("X-AlertPipeline-Notification", message.NotificationId);
        mail.Headers.Add("X-AlertPipeline-Kind", message.Kind);
        if (message.AlertId is not null)
        {
            mail.Headers.Add("X-AlertPipeline-Alert", message.AlertId);
        }

        if (message.Severity is { } severity)
        {
            mail.Headers.Add("X-AlertPipeline-Severity", severity.ToName());
            if (severity >= Severity.Urgent)
            {
                mail.Priority = MailPriority.High;
            }
        }

        return mail;
    }
}

using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;
using Mono.Cecil;

namespace AlertPipeline.Tests.Notifications;

public sealed class OutboxFolderEmailSenderTests
{
    [Fact]
    public async Task Send_AfterACrashLeftAFileInStaging_StillDeliversExactlyOneEml()
    {
        using var dir = new TempDirectory();
        var sender = new OutboxFolderEmailSender(Options.Create(new NotificationOptions()), Options.Create(new StorageOptions { DataDirectory = dir.Path }));
        var staging = Path.Combine(sender.Folder, ".staging", "nt_crashed");
        Directory.CreateDirectory(staging);
        await File.WriteAllTextAsync(Path.Combine(staging, "half-written.eml"), "From: a@b.example\r\nSubj");

        using var message = NotificationEmail.PlainText("alertpipeline@example.org", "dsl@oakfield.example", "URGENT", "body", "nt_crashed", urgent: true);
        await sender.SendAsync(message, "nt_crashed", CancellationToken.None);

        var eml = ReceivedMail.Load(Path.Combine(sender.Folder, "nt_crashed.eml"));
        Assert.Equal("dsl@oakfield.example", eml.To);
        Assert.Equal("body", eml.Body.Trim());
        Assert.Single(Directory.GetFiles(sender.Folder, "*.eml"));
        Assert.False(Directory.Exists(staging));
    }

    [Fact]
    public async Task Send_ComposedNotificationWithUtf8HtmlAndAttachment_EmlReadsBackWholeWithMimeKit()
    {
        using var dir = new TempDirectory();
        var sender = new OutboxFolderEmailSender(Options.Create(new NotificationOptions()), Options.Create(new StorageOptions { DataDirectory = dir.Path }));
        var pdf = "%PDF-1.7 \u00e9\u0000\u00ff"u8.ToArray();
        var message = new NotificationMessage(
            "nt_utf8", "alert", "al_1", "oakfield", "Ysgol Gymraeg \u0174ybrnant", Severity.Urgent, ["self-harm"], DateTimeOffset.UnixEpoch,
            "URGENT alert: Ysgol Gymraeg \u0174ybrnant \u2014 self-harm", "An urgent alert", [("School", "Ysgol Gymraeg \u0174ybrnant")],
            [new string('x', 200) + " end of a long line"], "http://127.0.0.1:5080/alerts/al_1", NotificationMessage.NoPupilDetailFooter)
        {
            HtmlBody = "<p>Ysgol Gymraeg \u0174ybrnant</p>",
            Attachments = [new NotificationAttachment("summary.pdf", "application/pdf", pdf)],
        };

        using var mail = NotificationEmail.Compose(message, "dsl@oakfield.example", "alertpipeline@example.org");
        await sender.SendAsync(mail, "nt_utf8", CancellationToken.None);

        var file = Path.Combine(sender.Folder, "nt_utf8.eml");
        var eml = ReceivedMail.Load(file);
        Assert.Equal(message.Title, eml.Subject);
        Assert.Equal("<nt_utf8@alertpipeline>", eml.Header("Message-ID"));
        Assert.Equal("nt_utf8", eml.NotificationId);
        Assert.Equal("al_1", eml.AlertId);
        Assert.Equal("urgent", eml.Header("X-AlertPipeline-Severity"));
        Assert.Equal("high", eml.Header("Importance"));
        Assert.Contains(new string('x', 200) + " end of a long line", eml.Body, StringComparison.Ordinal);
        Assert.Contains("<p>Ysgol Gymraeg \u0174ybrnant</p>", eml.Body, StringComparison.Ordinal);
        Assert.Equal(pdf, eml.Attachments["summary.pdf"]);

        // 7-bit on disk: quoted-printable text (readable), nothing a relay could mangle.
        var raw = await File.ReadAllBytesAsync(file);
        Assert.All(raw, b => Assert.True(b < 128, "the .eml is 7-bit"));
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", System.Text.Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
    }

    /// <summary>Issue 17: email is MimeKit's end to end; System.Net.Mail (not recommended for new work) is not used anywhere.</summary>
    [Fact]
    public void Assembly_References_NothingFromSystemNetMail()
    {
        using var assembly = AssemblyDefinition.ReadAssembly(typeof(NotificationEmail).Assembly.Location);
        var used = assembly.MainModule.GetTypeReferences().Select(t => t.FullName)
            .Concat(assembly.MainModule.GetMemberReferences().Select(m => m.DeclaringType.FullName))
            .Where(n => n.StartsWith("System.Net.Mail.", StringComparison.Ordinal) || n.StartsWith("System.Net.Mime.", StringComparison.Ordinal))
            .Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Empty(used);
    }
}

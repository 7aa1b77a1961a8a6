using System.Net.Mail;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

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

        using var message = new MailMessage("alertpipeline@example.org", "dsl@oakfield.example", "URGENT", "body");
        await sender.SendAsync(message, "nt_crashed", CancellationToken.None);

        var eml = await File.ReadAllTextAsync(Path.Combine(sender.Folder, "nt_crashed.eml"));
        Assert.Contains("To: dsl@oakfield.example", eml, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(sender.Folder, "*.eml"));
        Assert.False(Directory.Exists(staging));
    }
}

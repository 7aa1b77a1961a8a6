using AlertPipeline.ConsoleUi.Lists;
using AlertPipeline.Detection;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Pipeline;

/// <summary>What the pipeline writes under its data directory, and where its editable lists live (issue 18).</summary>
// Unix file modes are what is under test; the pipeline runs on Linux (Debian) in production and CI.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryTests
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task DataDirectory_AfterARunWithAlertsScreenshotsAndSignIns_IsPrivateToTheOwner()
    {
        using var directory = new TempDirectory();
        var data = Path.Combine(directory.Path, "data");
        await using (var host = await TestHost.StartAsync(dataDirectory: data))
        {
            host.UseKey("oakfield");
            await host.Http.PostAsync("/api/v1/screenshots", new ByteArrayContent(ConsoleData.Png));
            ConsoleData.SaveAlert(host);
            ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
            using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
            await dsl.PostJsonAsync($"/api/v1/alerts/{ConsoleData.SaveAlert(host).AlertId}/acknowledge");
        }

        var entries = Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).Append(data).ToList();
        Assert.Contains(entries, e => e.EndsWith("alerts.db", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith("audit.db", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith(".png", StringComparison.Ordinal));
        var open = entries.Where(e => (File.GetUnixFileMode(e) & GroupOrOther) != 0).Select(e => $"{Path.GetRelativePath(data, e)} {File.GetUnixFileMode(e)}").ToList();
        Assert.True(open.Count == 0, "readable by others: " + string.Join("; ", open));
    }

    [Fact]
    public async Task DataDirectory_FilesLeftOpenByAnEarlierVersion_AreClosedAtStart()
    {
        using var directory = new TempDirectory();
        var data = Path.Combine(directory.Path, "data");
        Directory.CreateDirectory(Path.Combine(data, "screenshots", "ab"));
        var old = Path.Combine(data, "screenshots", "ab", "old.png");
        await File.WriteAllBytesAsync(old, ConsoleData.Png);
        File.SetUnixFileMode(old, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using (await TestHost.StartAsync(dataDirectory: data))
        {
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(old));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
    }

    [Fact]
    public async Task KeywordEdit_ListsFromTheInstall_IsWrittenToTheDataDirectoryNotTheInstall()
    {
        using var directory = new TempDirectory();
        var install = Path.Combine(AppContext.BaseDirectory, "seeds", "keywords");
        var seed = await File.ReadAllTextAsync(Path.Combine(install, "suicide.csv"));
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Detection:KeywordsDirectory"] = "seeds/keywords" }, directory.Path);
        var holder = host.App.Services.GetRequiredService<DetectorHolder>();

        var change = host.App.Services.GetRequiredService<KeywordEditor>().Edit("suicide/want to die", null, null, "edited in the data directory", "it", "test", null);

        Assert.Null(change.Error);
        Assert.Equal(Path.Combine(directory.Path, KeywordDirectory.DataFolder), holder.Directory);
        Assert.Contains("edited in the data directory", await File.ReadAllTextAsync(Path.Combine(holder.Directory, "suicide.csv")), StringComparison.Ordinal);
        Assert.Equal(seed, await File.ReadAllTextAsync(Path.Combine(install, "suicide.csv")));
    }

    [Fact]
    public async Task KeywordLists_SecondStart_KeepTheDataDirectorysEditedCopy()
    {
        using var directory = new TempDirectory();
        var settings = new Dictionary<string, string?> { ["Detection:KeywordsDirectory"] = "seeds/keywords" };
        await using (var first = await TestHost.StartAsync(settings, directory.Path))
        {
            Assert.Null(first.App.Services.GetRequiredService<KeywordEditor>().Edit("suicide/want to die", null, null, "kept across restarts", "it", "test", null).Error);
        }

        await using var second = await TestHost.StartAsync(settings, directory.Path);

        Assert.Contains(second.App.Services.GetRequiredService<DetectorHolder>().Current.Set.Entries, e => e.Notes == "kept across restarts");
    }
}

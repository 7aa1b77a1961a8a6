using System.Net;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Ingest;

/// <summary>Revocation is immediate for every process on the data directory; <c>keys add</c> refuses schools the trust does not have.</summary>
public sealed class ApiKeyTests
{
    [Fact]
    public async Task Revoke_ByTheCliWhileTheHostRuns_KeyRefusedAtTheNextRequest()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey("oakfield");
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostEventsAsync(Some.Event())).StatusCode); // Cached as valid now.
        var keyId = host.App.Services.GetRequiredService<ApiKeyStore>().List().Single().KeyId;

        // The CLI is another store instance with its own connections, as `alertpipeline keys revoke` in another process is.
        var (code, output, _) = await CliTests.RunAsync(["keys", "revoke", keyId, "--data-dir", host.DataDirectory]);
        Assert.Equal(0, code);
        Assert.Contains($"Revoked {keyId}.", output, StringComparison.Ordinal);

        var after = await host.PostEventsAsync(Some.Event());
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Create_ByTheCliAfterAFailedTry_KeyAcceptedAtOnce()
    {
        await using var host = await TestHost.StartAsync();
        var (_, output, _) = await CliTests.RunAsync(["keys", "add", "--school", "oakfield", "--data-dir", host.DataDirectory]);
        var secret = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim();
        var store = host.App.Services.GetRequiredService<ApiKeyStore>();
        Assert.NotNull(store.Find(secret));
        Assert.Null(store.Find(secret + "x")); // An unknown key is remembered as unknown...

        var (_, again, _) = await CliTests.RunAsync(["keys", "add", "--school", "riverside", "--data-dir", host.DataDirectory]);
        Assert.NotNull(store.Find(again.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim())); // ...but a new one is seen at once.
    }

    [Theory]
    [InlineData("", "keys add: --school is empty")]
    [InlineData("   ", "keys add: --school is empty")]
    [InlineData("nosuchschool", "keys add: --school 'nosuchschool' is not a school of this trust (configured: ")]
    public async Task KeysAdd_EmptyOrUnknownSchool_RefusedWithAClearErrorAndNoKeyCreated(string school, string expected)
    {
        using var dir = new TempDirectory();
        var (code, output, error) = await CliTests.RunAsync(["keys", "add", "--school", school, "--data-dir", dir.Path]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("error: " + expected, error, StringComparison.Ordinal);
        var (_, list, _) = await CliTests.RunAsync(["keys", "list", "--data-dir", dir.Path]);
        Assert.Equal(string.Empty, list);
    }

    [Theory]
    [InlineData("oakfield")]
    [InlineData("*")]
    public async Task KeysAdd_ConfiguredSchoolOrTrustWide_Created(string school)
    {
        using var dir = new TempDirectory();
        var (code, output, _) = await CliTests.RunAsync(["keys", "add", "--school", school, "--data-dir", dir.Path]);

        Assert.Equal(0, code);
        Assert.Contains($"for school {school}", output, StringComparison.Ordinal);
    }
}

using System.Text.Json.Nodes;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Installation;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Users;

/// <summary><c>config check</c> on a school's file with a sign-in provider, as deploy/SIGN-IN.md tells the IT manager to run it.</summary>
public sealed class OidcConfigCheckTests
{
    [Fact]
    public async Task ConfigCheck_EntraProviderAsDocumented_ValidAndSaysHowStaffSignIn()
    {
        using var dir = new TempDirectory();
        var file = WithProvider(dir, new JsonObject
        {
            ["DisplayName"] = "Microsoft",
            ["Authority"] = "https://login.microsoftonline.com/3f2a0000-0000-0000-0000-000000000000/v2.0",
            ["ClientId"] = "11111111-2222-3333-4444-555555555555",
            // In the file here only because an environment variable would reach every test running beside this one.
            ["ClientSecret"] = "from-the-env-file-in-production",
            ["EmailClaim"] = "preferred_username",
            ["Domains"] = new JsonArray("stmarys.sch.uk"),
            ["Groups"] = new JsonObject { ["aaaa"] = "dsl:stmarys", ["bbbb"] = "trust-dsl" },
        });

        var (code, output, error) = await CliTests.RunAsync(["config", "check", "--config", file]);

        Assert.True(code == 0, error);
        Assert.Contains("staff sign-in   password; microsoft (https://login.microsoftonline.com/3f2a0000-0000-0000-0000-000000000000/v2.0: 2 group(s), 0 address(es) mapped to roles, domains stmarys.sch.uk)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_ProviderMisspeltKey_NamesItAndExits2()
    {
        using var dir = new TempDirectory();
        var file = WithProvider(dir, new JsonObject
        {
            ["Authority"] = "https://accounts.google.com",
            ["ClientId"] = "x.apps.googleusercontent.com",
            ["Group"] = new JsonObject { ["x"] = "it" },
            ["Emails"] = new JsonObject { ["dsl@stmarys.sch.uk"] = "dsl:narnia" },
        }, name: "google");

        var (code, _, error) = await CliTests.RunAsync(["config", "check", "--config", file]);

        Assert.Equal(2, code);
        Assert.Contains("Users:Oidc:Providers:google:Group is not a setting", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_ProviderUnknownSchoolNoSecret_NamesEachAndExits2()
    {
        using var dir = new TempDirectory();
        var file = WithProvider(dir, new JsonObject
        {
            ["Authority"] = "https://accounts.google.com",
            ["ClientId"] = "x.apps.googleusercontent.com",
            ["Emails"] = new JsonObject { ["dsl@stmarys.sch.uk"] = "dsl:narnia" },
        }, name: "google");

        var (code, _, error) = await CliTests.RunAsync(["config", "check", "--config", file]);

        Assert.Equal(2, code);
        Assert.Contains("Users:Oidc:Providers:google:ClientSecret is required", error, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:google:Emails:dsl@stmarys.sch.uk: school 'narnia' is not configured under Trust:Schools (configured: stmarys)", error, StringComparison.Ordinal);
    }

    private static string WithProvider(TempDirectory dir, JsonObject provider, string name = "microsoft")
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(ReleaseProcess.RepositoryRoot, "deploy", "examples", "one-school.json")))!;
        json["Users"] ??= new JsonObject();
        json["Users"]!["Oidc"] = new JsonObject { ["Providers"] = new JsonObject { [name] = provider } };
        var file = Path.Combine(dir.Path, "school.json");
        File.WriteAllText(file, json.ToJsonString());
        return file;
    }
}

using System.Text.Json.Nodes;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Installation;

/// <summary><c>config check</c> and <c>schools list</c> on the documented example files and on broken ones.</summary>
public sealed class ConfigCheckTests
{
    [Theory]
    [InlineData("one-school.json")]
    [InlineData("three-school-trust.json")]
    public async Task ConfigCheck_DeployExample_IsValidAndNamesEverySchoolAndPerson(string example)
    {
        var file = Example(example);
        var (code, output, error) = await CliTests.RunAsync(["config", "check", "--config", file]);

        Assert.True(code == 0, error);
        Assert.Contains($"configuration {file}: valid", output, StringComparison.Ordinal);
        var trust = JsonNode.Parse(File.ReadAllText(file))!["Trust"]!;
        Assert.Contains($"Trust: {trust["Name"]}", output, StringComparison.Ordinal);
        Assert.Contains($"<{trust["DslEmail"]}>", output, StringComparison.Ordinal);
        foreach (var (id, school) in trust["Schools"]!.AsObject())
        {
            Assert.Contains($"  {id} — {school!["Name"]}", output, StringComparison.Ordinal);
            Assert.Contains($"{school["Dsl"]!["Name"]} <{school["Dsl"]!["Email"]}>", output, StringComparison.Ordinal);
            foreach (var deputy in school["Deputies"]?.AsArray() ?? [])
            {
                Assert.Contains($"deputy DSL {deputy!["Name"]} <{deputy["Email"]}>", output, StringComparison.Ordinal);
            }
        }

        Assert.Contains("Term dates: none configured", output, StringComparison.Ordinal);
        Assert.Contains("On-call rota: none configured", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_ThreeSchoolTrust_DescribesEachSchoolsOwnRulesInPlainWords()
    {
        var (code, output, _) = await CliTests.RunAsync(["config", "check", "--config", Example("three-school-trust.json")]);

        Assert.Equal(0, code);
        var millfield = Section(output, "millfield");
        Assert.Contains("school hours    Mon–Fri 08:30–15:30, Europe/London", millfield, StringComparison.Ordinal);
        Assert.Contains("told at once    K. Brown <k.brown@millfield.valleytrust.org.uk>, webhook:json https://sms-gateway.valleytrust.org.uk/send?to=dsl-millfield, of urgent severity and above", millfield, StringComparison.Ordinal);
        Assert.Contains("daily digest    at 16:00: alerts of medium severity and above", millfield, StringComparison.Ordinal);
        Assert.Contains("1. headteacher D. Price <head@millfield.valleytrust.org.uk>", millfield, StringComparison.Ordinal);
        Assert.Contains("2. trust DSL M. Okonkwo (trust safeguarding lead) <safeguarding@valleytrust.org.uk>, webhook:teams", millfield, StringComparison.Ordinal);
        var brookside = Section(output, "brookside");
        Assert.Contains("critical after 5 min, urgent after 20 min", brookside, StringComparison.Ordinal);
        Assert.Contains("1. deputy DSL A. Khan <a.khan@brookside.valleytrust.org.uk>; deputy DSL P. Doyle <p.doyle@brookside.valleytrust.org.uk>", brookside, StringComparison.Ordinal);
        Assert.Contains("out of hours    urgent severity and above still sent at once", Section(output, "westgate"), StringComparison.Ordinal);
        Assert.Contains("pupil login and matched words are in notifications", Section(output, "westgate"), StringComparison.Ordinal);
        Assert.Contains("through SMTP smtp.valleytrust.org.uk:587 with TLS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_MisspeltKey_NamesTheKeyAndExits2()
    {
        using var dir = new TempDirectory();
        var file = Broken(dir, json => json["Trust"]!["Schools"]!["stmarys"]!["Deputys"] = new JsonArray(new JsonObject { ["Email"] = "x@example.org" }));

        var (code, output, error) = await CliTests.RunAsync(["config", "check", "--config", file]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("Trust:Schools:stmarys:Deputys is not a setting; known at Trust:Schools:stmarys: Name, DslEmail, Dsl, Deputies,", error, StringComparison.Ordinal);
        Assert.Contains(file, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_BadValues_PrintsOneLinePerKeyWithTheValueAndExits2()
    {
        using var dir = new TempDirectory();
        var file = Broken(dir, json =>
        {
            var school = json["Trust"]!["Schools"]!["stmarys"]!;
            school["TimeZone"] = "Mars/Olympus_Mons";
            school["Hours"]!["End"] = "07:00";
            json["Trust"]!["DslEmail"] = "not an address";
        });

        var (code, _, error) = await CliTests.RunAsync(["config", "check", "--config", file]);

        Assert.Equal(2, code);
        Assert.Contains("error: configuration: Trust:Schools:stmarys:TimeZone is not a known time zone (was 'Mars/Olympus_Mons')", error, StringComparison.Ordinal);
        Assert.Contains("error: configuration: Trust:Schools:stmarys:Hours:End must be after Hours:Start (was '08:15'-'07:00').", error, StringComparison.Ordinal);
        Assert.Contains("error: configuration: Trust:DslEmail must be an email address", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_MissingFile_SaysWhichAndExits2()
    {
        var (code, _, error) = await CliTests.RunAsync(["config", "check", "--config", "/nonexistent/trust.json"]);

        Assert.Equal(2, code);
        Assert.Contains("configuration file '/nonexistent/trust.json' does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchoolsList_ThreeSchoolTrust_OneLinePerSchoolWithItsDsl()
    {
        var (code, output, error) = await CliTests.RunAsync(["schools", "list", "--config", Example("three-school-trust.json")]);

        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^brookside +Brookside Academy +Europe/London +s\.hughes@brookside\.valleytrust\.org\.uk", lines.Single(l => l.StartsWith("brookside", StringComparison.Ordinal)));
        Assert.Matches(@"^millfield +Millfield Primary +Europe/London +k\.brown@millfield\.valleytrust\.org\.uk", lines.Single(l => l.StartsWith("millfield", StringComparison.Ordinal)));
        Assert.Matches(@"^westgate +Westgate Sixth Form College +Europe/London +h\.singh@westgate\.valleytrust\.org\.uk", lines.Single(l => l.StartsWith("westgate", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Version_PrintsTheStampedVersion()
    {
        var (code, output, _) = await CliTests.RunAsync(["--version"]);

        Assert.Equal(0, code);
        Assert.Matches(@"^alertpipeline \d+\.\d+\.\d+", output);
    }

    internal static string Example(string name) => Path.Combine(ReleaseProcess.RepositoryRoot, "deploy", "examples", name);

    private static string Broken(TempDirectory dir, Action<JsonNode> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(Example("one-school.json")))!;
        change(json);
        var file = Path.Combine(dir.Path, "broken.json");
        File.WriteAllText(file, json.ToJsonString());
        return file;
    }

    private static string Section(string output, string schoolId)
    {
        var start = output.IndexOf($"\n  {schoolId} — ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section for {schoolId}");
        var end = output.IndexOf("\n\n", start + 1, StringComparison.Ordinal);
        return output[start..(end < 0 ? output.Length : end)];
    }
}

using System.Net;
using AlertPipeline.ConsoleUi;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Installation;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Console;

/// <summary>The roster from MIS exports: CsvHelper parsing, per-row problems, reload without restart, DSL-only display.</summary>
public sealed class RosterImportTests
{
    [Fact]
    public void Read_QuotedNameWithComma_IsOneField()
    {
        var result = Read("login,school,display_name,year_group\noak.y9.jsmith,oakfield,\"Smith, John\",Year 9\n");

        var pupil = Assert.Single(result.Pupils);
        Assert.Equal(("Smith, John", "Year 9", "oakfield"), (pupil.DisplayName, pupil.YearGroup, pupil.SchoolId));
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Read_SimsExport_NamesYearFormAndFlags()
    {
        var result = RosterCsv.Read(Example("sims.csv"), "stmarys");

        Assert.Empty(result.Problems);
        Assert.Equal(3, result.Pupils.Count);
        Assert.Equal(new Pupil("j.smith24@stmarys-primary.sch.uk", "stmarys", "Johnny Smith", "Year 9", "9RB", "SEN support", false, false), result.Pupils[0]);
        Assert.Equal(new Pupil("a.oneill26@stmarys-primary.sch.uk", "stmarys", "Aoife O'Neill", "Year 7", "7LG", null, true, false), result.Pupils[1]);
        Assert.Equal(new Pupil("c.okafor22@stmarys-primary.sch.uk", "stmarys", "Chidi Okafor, Jr", "Year 11", "11HW", "EHC plan", false, true), result.Pupils[2]);
        Assert.Equal("login=Email, school=stmarys, name=Preferred Forename/Legal Forename+Legal Surname, year=Year, form=Reg, SEND=SEN Status, looked-after=In Care, EAL=EAL", result.Columns);
    }

    [Fact]
    public void Read_ArborExport_NamesYearFormAndFlags()
    {
        var result = RosterCsv.Read(Example("arbor.csv"), "brookside");

        Assert.Empty(result.Problems);
        Assert.Equal(new Pupil("m.jackson@brookside.valleytrust.org.uk", "brookside", "Maya Jackson", "Year 8", "8J", "SEN Support", false, false), result.Pupils[0]);
        Assert.Equal(new Pupil("o.thompson@brookside.valleytrust.org.uk", "brookside", "Ozzy Thompson, Smith", "Year 10", "10T", null, true, false), result.Pupils[1]);
        Assert.Equal(new Pupil("z.hussain@brookside.valleytrust.org.uk", "brookside", "Zainab Hussain", "Reception", "RH", "EHC Plan", false, true), result.Pupils[2]);
    }

    [Fact]
    public void Read_BromcomExport_NamesYearFormAndFlags()
    {
        var result = RosterCsv.Read(Example("bromcom.csv"), "westgate");

        Assert.Empty(result.Problems);
        Assert.Equal(new Pupil("a.white@westgate.valleytrust.org.uk", "westgate", "Amelia White", "Year 12", "12W", null, false, false), result.Pupils[0]);
        Assert.Equal(new Pupil("a.hughes@westgate.valleytrust.org.uk", "westgate", "Art Hughes", "Year 13", "13H", "SEN support", true, false), result.Pupils[1]);
        Assert.Equal(new Pupil("s.nguyen@westgate.valleytrust.org.uk", "westgate", "Sophia Nguyen", "Year 12", "12W", null, false, true), result.Pupils[2]);
    }

    [Fact]
    public void Read_BadRows_EachNamedWithItsLineAndTheOthersLoaded()
    {
        var result = Read("""
            login,school,display_name,year_group,looked_after
            a.one,oakfield,Ann One,Year 7,N
            ,oakfield,No Login,Year 7,N
            a.one,oakfield,Ann Again,Year 8,N
            b.two,oakfield,Ben Two,Year 15,N
            c.three,oakfield,Cal Three,Year 9,maybe
            d.four,,Dee Four,Year 9,N
            """);

        Assert.Equal(["a.one", "b.two", "c.three"], result.Pupils.Select(p => p.Login));
        Assert.Equal(
        [
            "roster.csv line 3: no login in column 'login': row skipped",
            "roster.csv line 4: login 'a.one' is already on line 2: row skipped",
            "roster.csv line 5: year 'Year 15' is not a year group (Nursery, Reception, 1 to 14, 'Year 9' or 'Y9'): loaded without one",
            "roster.csv line 6: 'maybe' in column 'looked_after' is not yes or no (Y/N, Yes/No, True/False, 1/0): read as no",
            "roster.csv line 7: no school in column 'school': row skipped",
        ], result.Problems);
    }

    [Fact]
    public void Read_NoLoginColumn_NamesTheColumnsItLooksFor()
    {
        var ex = Assert.Throws<RosterFormatException>(() => Read("Surname,Forename,Year\nSmith,John,9\n", "oakfield"));

        Assert.Contains("roster.csv: no login column: the header must name one of login, username", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(was: Surname,Forename,Year)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReloadIfChanged_FileRewritten_NewPupilsInForceWithoutRestart()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "stmarys.csv");
        File.Copy(Example("sims.csv"), file);
        var roster = new Roster(Options.Create(new ConsoleOptions { RosterFile = "", RosterFiles = { ["stmarys"] = file } }));
        Assert.Null(roster.Find("n.newpupil@stmarys-primary.sch.uk"));

        File.AppendAllText(file, "004600,A1,New,Nadia,,Year 7,7LG,N,N,N,n.newpupil@stmarys-primary.sch.uk\n");

        Assert.True(roster.ReloadIfChanged());
        Assert.Equal("Nadia New", roster.Find("n.newpupil@stmarys-primary.sch.uk")?.DisplayName);
        Assert.Equal(4, roster.Count);
        Assert.False(roster.ReloadIfChanged());
    }

    [Fact]
    public void ReloadIfChanged_FileBecameUnreadable_KeepsTheRosterInForce()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "stmarys.csv");
        File.Copy(Example("sims.csv"), file);
        var roster = new Roster(Options.Create(new ConsoleOptions { RosterFile = "", RosterFiles = { ["stmarys"] = file } }));

        File.WriteAllText(file, "Surname,Forename\nhalf,copied\n");

        Assert.False(roster.ReloadIfChanged());
        Assert.Equal(3, roster.Count);
        Assert.Equal("Johnny Smith", roster.Find("j.smith24@stmarys-primary.sch.uk")?.DisplayName);
    }

    [Fact]
    public async Task AlertPage_PupilOnMisRoster_DslSeesFormAndFlagsAndTheHostPicksUpChanges()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "oakfield.csv");
        File.WriteAllText(file, "Email,Forename,Surname,Year,Reg,SEN Status,In Care,EAL\noak.y9.jsmith,John,Smith,9,9RB,E,Y,Y\n");
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Console:RosterFile"] = "",
            ["Console:RosterFiles:oakfield"] = file,
            ["Console:RosterReloadInterval"] = "00:00:00.200",
        });
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host);

        var page = await dsl.Http.GetStringAsync($"/alerts/{alert.AlertId}");
        Assert.Contains("<dt>Form</dt><dd>9RB</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dt>SEND</dt><dd>EHC plan</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dt>Looked after</dt><dd>yes</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dt>EAL</dt><dd>yes</dd>", page, StringComparison.Ordinal);
        var json = await dsl.Http.GetStringAsync($"/api/v1/alerts/{alert.AlertId}");
        Assert.Contains("\"form\":\"9RB\"", json, StringComparison.Ordinal);
        Assert.Contains("\"lookedAfter\":true", json, StringComparison.Ordinal);

        // The school re-exports: the running host shows the new form without a restart.
        File.WriteAllText(file, "Email,Forename,Surname,Year,Reg,SEN Status,In Care,EAL\noak.y9.jsmith,John,Smith,10,10RB,E,Y,Y\n");
        await Eventually.TrueAsync(() => host.App.Services.GetRequiredService<Roster>().Find("oak.y9.jsmith")?.Form == "10RB", "the re-exported roster in force");
        Assert.Contains("<dt>Form</dt><dd>10RB</dd>", await dsl.Http.GetStringAsync($"/alerts/{alert.AlertId}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertPage_ItRole_CannotOpenThePupilsDetails()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "it.tech", ConsoleRoles.It);
        using var it = await ConsoleSession.SignInAsync(host, "it.tech", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host);

        Assert.Equal(HttpStatusCode.Forbidden, (await it.Http.GetAsync($"/api/v1/alerts/{alert.AlertId}")).StatusCode);
    }

    [Fact]
    public async Task RosterCheck_ExportWithBadRow_PrintsColumnsAndTheRowAndExits1()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "export.csv");
        File.WriteAllText(file, File.ReadAllText(Example("bromcom.csv")) + "B-80,C1,Nia,Jones,,Y99,12W,N,False,False,n.jones@westgate.valleytrust.org.uk\n");

        var (code, output, error) = await CliTests.RunAsync(["roster", "check", "--file", file, "--school", "westgate"]);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains($"{file}: 4 pupils (westgate 4)", output, StringComparison.Ordinal);
        Assert.Contains("columns used: login=School Email, school=westgate, name=Preferred Forename/Forename+Surname, year=Year Group, form=Tutor Group, SEND=SEN Need, looked-after=CLA, EAL=EAL", output, StringComparison.Ordinal);
        Assert.Contains($"{file} line 5: year 'Y99' is not a year group", output, StringComparison.Ordinal);
    }

    private static RosterFileResult Read(string csv, string? school = null) => RosterCsv.Read(new StringReader(csv), "roster.csv", school);

    private static string Example(string name) => Path.Combine(ReleaseProcess.RepositoryRoot, "deploy", "examples", "roster", name);
}

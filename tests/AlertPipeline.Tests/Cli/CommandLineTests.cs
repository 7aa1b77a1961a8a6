using System.CommandLine;
using System.CommandLine.Help;
using AlertPipeline.Cli;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Cli;

/// <summary>The command line as a whole: help on every command, suggestions, completion, and the exit code of each kind of failure.</summary>
public sealed class CommandLineTests
{
    public static TheoryData<string> EveryCommand()
    {
        var data = new TheoryData<string>();
        foreach (var command in Walk(CliApp.BuildRoot()))
        {
            data.Add(CliCommand.PathOf(command));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Help_AnyCommandWithDashHOrDashDashHelp_ExitsZeroAndListsItsOptionsAndSubcommands(string path)
    {
        var command = Find(path);
        foreach (var flag in new[] { "--help", "-h" })
        {
            var (code, output, error) = await CliTests.RunAsync([.. Words(path), flag]);

            Assert.True(code == 0, $"'{path} {flag}' exited {code}: {error}");
            Assert.Equal(string.Empty, error);
            Assert.Contains("Usage:", output, StringComparison.Ordinal);
            Assert.Contains($" {path} ".Replace("  ", " ", StringComparison.Ordinal), output, StringComparison.Ordinal); // the usage line names the command
            Assert.Contains(command.Description!.Split('\n')[0], output, StringComparison.Ordinal);
            foreach (var option in command.Options.Where(o => o is not HelpOption))
            {
                Assert.Contains(option.Name, output, StringComparison.Ordinal);
            }

            foreach (var sub in command.Subcommands)
            {
                Assert.Contains(sub.Name, output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Commands_EveryOneOfThem_HasADescriptionAndEveryOptionOne()
    {
        foreach (var command in Walk(CliApp.BuildRoot()))
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"'{CliCommand.PathOf(command)}' has no description");
            foreach (var option in command.Options)
            {
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"'{CliCommand.PathOf(command)} {option.Name}' has no description");
            }
        }
    }

    [Theory]
    [InlineData(new[] { "help" }, "keywords")]
    [InlineData(new[] { "help", "keys", "add" }, "--school")]
    [InlineData(new[] { "scan", "-h" }, "--format")] // once read as a FILE named -h
    public async Task Help_WordOrFlag_PrintsHelpAndExitsZero(string[] args, string expected)
    {
        var (code, output, error) = await CliTests.RunAsync(args);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoArguments_PrintsTheCommandsAndExits2()
    {
        var (code, output, _) = await CliTests.RunAsync([]);

        Assert.Equal(2, code);
        Assert.Contains("Commands:", output, StringComparison.Ordinal);
        Assert.Contains("serve", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "alerst", "list" }, "unknown command 'alerst' (did you mean 'alerts'?)")]
    [InlineData(new[] { "keys", "ad" }, "keys: unknown subcommand 'ad' (did you mean 'add'?)")]
    [InlineData(new[] { "scan", "--fromat", "text" }, "scan: unknown option --fromat (did you mean --format?)")]
    [InlineData(new[] { "alerts", "list", "--min-severty", "high" }, "alerts list: unknown option --min-severty (did you mean --min-severity?)")]
    [InlineData(new[] { "keys" }, "keys: expected a subcommand: add, list, revoke")]
    [InlineData(new[] { "alerts", "list", "extra" }, "alerts list: unexpected argument 'extra'")]
    public async Task Run_Typo_NamesTheProblemAndTheLikelyWordAndExits2(string[] args, string expected)
    {
        var (code, output, error) = await CliTests.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal("error: " + expected, error.TrimEnd());
    }

    [Fact]
    public async Task Run_SuggestDirective_CompletesOptionNames()
    {
        const string line = "alertpipeline alerts list --f";
        var (code, output, _) = await CliTests.RunAsync([$"[suggest:{line.Length}]", line]);

        Assert.Equal(0, code);
        Assert.Contains("--format", output.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Run_SuggestDirectiveOnAChoice_CompletesItsValues()
    {
        const string line = "alertpipeline alerts list --format ";
        var (code, output, _) = await CliTests.RunAsync([$"[suggest:{line.Length}]", line]);

        Assert.Equal(0, code);
        var words = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("json", words);
        Assert.Contains("table", words);
    }

    [Fact]
    public async Task KeywordsTest_TextStartingWithADash_IsTextNotAnOption()
    {
        var (code, output, error) = await CliTests.RunAsync(["keywords", "test", "-i want to die", "--lists", CliTests.SeedLists(), "--no-model"]);

        Assert.True(code == 0, error);
        Assert.Contains("suicide", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeywordsTest_TextStartingWithAt_IsTextNotAResponseFile()
    {
        var (code, output, error) = await CliTests.RunAsync(["keywords", "test", "@nobody i want to die", "--lists", CliTests.SeedLists(), "--no-model"]);

        Assert.True(code == 0, error);
        Assert.Contains("suicide", output, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string> FailureClasses() => new()
    {
        { "ok", 0, "" },
        { "cli", 2, "error: what you typed is wrong" },
        { "options", 2, "error: configuration: Queue:Capacity must be between" },
        { "store", 2, "error: storage: alerts.db is damaged" },
        { "missing-file", 2, "error: configuration file 'x.json' does not exist" },
        { "bug", 70, "error: unexpected failure: a bug" },
    };

    [Theory]
    [MemberData(nameof(FailureClasses))]
    public async Task Run_EachClassOfFailure_ExitsWithItsCodeAndOneErrorLineWithoutStack(string failure, int expectedCode, string expectedError)
    {
        var root = new RootCommand("test")
        {
            CliCommand.Leaf("fail", "fails as asked", [], (_, _) => failure switch
            {
                "ok" => 0,
                "cli" => throw new CliException("what you typed is wrong"),
                "options" => throw new OptionsValidationException("Queue", typeof(object), ["Queue:Capacity must be between 1000 and 1000000000 (was 5)."]),
                "store" => throw new StoreUnusableException("storage: alerts.db is damaged"),
                "missing-file" => throw new FileNotFoundException("configuration file 'x.json' does not exist"),
                _ => throw new InvalidOperationException("a bug"),
            }),
        };
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync(root, ["fail"], TextReader.Null, output, error);

        Assert.Equal(expectedCode, code);
        if (expectedCode == 0)
        {
            Assert.Equal(string.Empty, error.ToString());
            return;
        }

        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expectedError, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysList_DataDirectoryIsAFile_NamesItAndExits2()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");

        var (code, _, error) = await CliTests.RunAsync(["keys", "list", "--data-dir", file]);

        Assert.Equal(2, code); // was 70: "The file ... already exists" from deep inside the first store
        Assert.Contains($"Storage:DataDirectory must be a directory, but '{file}' is a file", error, StringComparison.Ordinal);
    }

    private static IEnumerable<Command> Walk(Command command) =>
        command.Subcommands.SelectMany(sub => Walk(sub).Prepend(sub)).Prepend(command).Distinct();

    private static Command Find(string path) =>
        Walk(CliApp.BuildRoot()).Single(c => CliCommand.PathOf(c) == path);

    private static string[] Words(string path) => path.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

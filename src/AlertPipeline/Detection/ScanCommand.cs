using System.CommandLine;
using System.Text.Json;
using AlertPipeline.Events;

namespace AlertPipeline.Detection;

/// <summary>
/// <c>alertpipeline scan</c>: one JSON object per input line, in order — the detection contract IT staff and other
/// tools script against. Plain text lines (scanned as every source), or NDJSON events with <c>--format ndjson</c>
/// (scanned as their own source). Offsets index the original text.
/// </summary>
internal static class ScanCommand
{
    public static Command Create() => CliCommand.Leaf("scan",
        "one JSON object per input line: {\"line\",\"flagged\",\"severity\",\"categories\",\"matches\":[{\"term\",\"category\",\"severity\",\"start\",\"length\"}]}",
        [CliOption.Choice("format", "input lines are plain text or NDJSON device events", "text", "ndjson"),
         new("source", "scan plain lines as this source (default: every source)", "SOURCE"), CliOption.Lists, .. AlertPipeline.Model.ModelCli.CliOptions],
        (args, io) => RunAsync(args, io.Input, io.Output), new CliPositional("FILE", "the file to scan (default: standard input)"));

    private static async Task<int> RunAsync(CliArgs args, TextReader input, TextWriter output)
    {
        var format = args.Choice("format", "text", "text", "ndjson");
        var source = SourceKinds.Any;
        if (args.Get("source") is { } sourceText && !SourceKindNames.TryParseSingle(sourceText, out source))
        {
            throw new CliException($"scan: --source must be one of {string.Join(", ", SourceKindNames.All)} (was '{sourceText}')");
        }

        if (args.Positionals.Count > 1)
        {
            throw new CliException("scan: expected at most one FILE (or none to read standard input)");
        }

        var detector = Detector.Compile(KeywordDirectory.Load(args.Get("lists") ?? new DetectionOptions().KeywordsDirectory));
        var judge = AlertPipeline.Model.ModelCli.Load(args);
        using var reader = args.Positionals.Count == 1 ? OpenFile(args.Positionals[0]) : null;
        var lines = reader ?? input;
        var number = 0;
        using var buffer = new MemoryStream();
        while (await lines.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            number++;
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("line", number);
                string text;
                var lineSource = source;
                if (format == "ndjson")
                {
                    var e = DeviceEventReader.TryRead(System.Text.Encoding.UTF8.GetBytes(line), DateTimeOffset.MaxValue, out var error);
                    if (e is null)
                    {
                        json.WriteBoolean("flagged", false);
                        json.WriteString("error", $"{error!.Field} {error.Error}");
                        json.WriteEndObject();
                        await json.FlushAsync().ConfigureAwait(false);
                        await WriteLineAsync(output, buffer).ConfigureAwait(false);
                        continue;
                    }

                    json.WriteString("eventId", e.EventId);
                    text = e.Text;
                    lineSource = e.Source;
                }
                else
                {
                    text = line;
                }

                // TryScan: the same answer as Scan, without building a result for the lines nothing matched.
                var rules = detector.TryScan(text, lineSource, out var found) ? found : null;
                var verdict = judge?.Judge(text, rules);
                var main = AlertPipeline.Model.ModelCli.Primary(rules, verdict);
                DetectionResultJson.Write(json, main.Flagged ? main : Unflagged);
                AlertPipeline.Model.ModelCli.WriteJson(json, main, verdict);
                json.WriteEndObject();
            }

            await WriteLineAsync(output, buffer).ConfigureAwait(false);
        }

        return 0;
    }

    private static readonly DetectionResult Unflagged = DetectionResult.None(string.Empty);

    private static StreamReader OpenFile(string path) =>
        File.Exists(path) ? new StreamReader(path) : throw new CliException($"scan: file '{path}' does not exist");

    private static async Task WriteLineAsync(TextWriter output, MemoryStream buffer)
    {
        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).ConfigureAwait(false);
    }
}

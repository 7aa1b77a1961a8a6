using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;

namespace AlertPipeline.Kernel;

/// <summary>A problem with what the user typed or configured: printed as one line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>
/// The options of one command as parsed (<c>--name value</c>, <c>--name=value</c>, flags, positionals), with the
/// checks that turn text into numbers, durations and choices and name the option and the bad value when they fail.
/// </summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = [];

    private CliArgs(string command)
    {
        Command = command;
    }

    public string Command { get; }

    public IReadOnlyList<string> Positionals => _positionals;

    /// <summary>
    /// The options and positionals System.CommandLine parsed for the command that runs. A word that looks like an
    /// option but is none (<c>--durration</c>) would otherwise land among the positionals of commands that take
    /// some, so it is refused here, named, with the likely option.
    /// </summary>
    public static CliArgs From(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var result = new CliArgs(CliCommand.PathOf(command));
        foreach (var option in command.Options)
        {
            if (parsed.GetResult(option) is not { Implicit: false } found || option is HelpOption)
            {
                continue;
            }

            result._options[option.Name.TrimStart('-')] = option.Arity.MaximumNumberOfValues == 0 ? "true" : found.Tokens[^1].Value;
        }

        var afterDoubleDash = parsed.Tokens.Any(t => t.Type == TokenType.DoubleDash);
        foreach (var argument in command.Arguments)
        {
            foreach (var token in parsed.GetResult(argument)?.Tokens ?? [])
            {
                // Only `--word`: a text such as "-kms" or "- i want to die" (keywords test, model info) stays text.
                if (!afterDoubleDash && token.Value.Length > 2 && token.Value.StartsWith("--", StringComparison.Ordinal))
                {
                    throw new CliException(UnknownOption(command, result.Command, token.Value));
                }

                result._positionals.Add(token.Value);
            }
        }

        return result;
    }

    internal static string UnknownOption(Command command, string path, string token)
    {
        var suggestion = CliCommand.Suggest(command, token);
        return $"{path}: unknown option {token}"
            + (suggestion is null ? $" (see 'alertpipeline {path} --help')" : $" (did you mean {suggestion}?)");
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _options.ContainsKey(name);

    public int GetInt(string name, int fallback, int min, int max)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new CliException($"{Command}: --{name} must be a whole number from {min} to {max} (was '{text}')");
        }

        return value;
    }

    public double GetDouble(string name, double fallback, double min, double max)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new CliException($"{Command}: --{name} must be a number from {min} to {max} (was '{text}')");
        }

        return value;
    }

    public TimeSpan? GetDuration(string name)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return ParseDuration(text) ?? throw new CliException(
            $"{Command}: --{name} must be a duration such as 30s, 5m, 2h, 500ms or 00:01:30 (was '{text}')");
    }

    public string Choice(string name, string fallback, params string[] allowed)
    {
        var value = Get(name) ?? fallback;
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new CliException($"{Command}: --{name} must be one of {string.Join(", ", allowed)} (was '{value}')");
    }

    public void NoPositionals()
    {
        if (_positionals.Count > 0)
        {
            throw new CliException($"{Command}: unexpected argument '{_positionals[0]}'");
        }
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        var t = text.Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        foreach (var (suffix, seconds) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return TimeSpan.FromSeconds(n * seconds);
            }
        }

        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
    }

    /// <summary>The configuration keys every command's common options set (<c>--data-dir</c>).</summary>
    public Dictionary<string, string?> CommonOverrides()
    {
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Get("data-dir") is { } dir)
        {
            overrides["Storage:DataDirectory"] = dir;
        }

        return overrides;
    }
}

using System.Globalization;

namespace AlertPipeline.Cli;

/// <summary>A problem with what the user typed or configured: printed as one line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>
/// The options of one command: <c>--name value</c>, <c>--name=value</c>, flags, and positionals. Every option
/// must be declared by the command, so a typo is an error that names the option, not a silent default.
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

    public static CliArgs Parse(string command, IEnumerable<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string>? flags = null)
    {
        flags ??= [];
        var result = new CliArgs(command);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                result._positionals.Add(arg);
                continue;
            }

            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }

            if (flags.Contains(name))
            {
                if (value is not null)
                {
                    throw new CliException($"{command}: --{name} takes no value");
                }

                result._options[name] = "true";
            }
            else if (valueOptions.Contains(name))
            {
                if (value is null)
                {
                    if (!e.MoveNext())
                    {
                        throw new CliException($"{command}: --{name} needs a value");
                    }

                    value = e.Current;
                }

                result._options[name] = value;
            }
            else
            {
                var known = valueOptions.Concat(flags).Select(o => "--" + o).ToList();
                throw new CliException($"{command}: unknown option --{name}" + (known.Count > 0 ? $" (known: {string.Join(", ", known)})" : " (it takes no options)"));
            }
        }

        return result;
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
}

using System.Globalization;

namespace AlertPipeline.Tests.Support;

/// <summary>Reads samples out of a Prometheus text-format scrape (what Prometheus itself would store).</summary>
internal static class PrometheusText
{
    /// <summary>The sum of every sample of <paramref name="name"/> carrying all of <paramref name="labels"/>; null when there is none.</summary>
    public static double? Sum(string scrape, string name, params (string Key, string Value)[] labels)
    {
        double? sum = null;
        foreach (var (sample, sampleLabels, value) in Samples(scrape))
        {
            if (sample == name && labels.All(l => sampleLabels.TryGetValue(l.Key, out var v) && v == l.Value))
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }

    /// <summary>Every sample: name, labels, value (comments and blank lines skipped).</summary>
    public static IEnumerable<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Samples(string scrape)
    {
        foreach (var raw in scrape.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            string name;
            string rest;
            if (brace >= 0 && brace < space)
            {
                var close = line.IndexOf('}', StringComparison.Ordinal);
                name = line[..brace];
                foreach (var pair in line[(brace + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..eq]] = pair[(eq + 1)..].Trim('"');
                }

                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }

            var value = rest.Split(' ')[0];
            yield return (name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            });
        }
    }
}

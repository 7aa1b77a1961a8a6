namespace AnalyzerProbe;

/// <summary>Three mistakes the build must refuse: a swallowing catch-all, culture-dependent parsing, a bare await.</summary>
public static class Probe
{
    public static async Task<int> ReadAsync(string path, string number)
    {
        try
        {
            await File.ReadAllTextAsync(path);
            return int.Parse(number);
        }
        catch (Exception)
        {
            return 0;
        }
    }
}

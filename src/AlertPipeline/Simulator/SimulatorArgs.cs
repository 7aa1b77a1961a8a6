
namespace AlertPipeline.Simulator;

/// <summary>The simulator options shared by <c>demo</c> and <c>simulate</c>.</summary>
internal static class SimulatorArgs
{
    public static CliOption[] Options =>
    [
        new("rate", "events per second", "N"), new("schools", "simulated schools", "N"), new("pupils", "pupils per school", "N"),
        new("concerning", "the share of concerning events, 0 to 1", "SHARE"), new("seed", "the random seed (same seed, same events)", "N"),
        new("batch", "events per ingest request", "N"),
    ];

    public static SimulatorOptions Apply(CliArgs args, SimulatorOptions options, double defaultRate)
    {
        options.EventsPerSecond = args.GetDouble("rate", defaultRate, 0.1, 1_000_000);
        options.SchoolCount = args.GetInt("schools", options.SchoolCount, 1, 1_000);
        options.PupilsPerSchool = args.GetInt("pupils", options.PupilsPerSchool, 1, 100_000);
        options.DevicesPerSchool = Math.Min(options.DevicesPerSchool, options.PupilsPerSchool);
        options.ConcerningShare = args.GetDouble("concerning", options.ConcerningShare, 0, 1);
        options.Seed = args.GetInt("seed", options.Seed, 0, int.MaxValue);
        options.BatchSize = args.GetInt("batch", options.BatchSize, 1, 5_000);
        return options;
    }
}

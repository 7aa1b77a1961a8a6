using AlertPipeline.Detection;
using AlertPipeline.Detection.Model;
using BenchmarkDotNet.Attributes;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// The learned risk model alone and fused with the rules, over the same 5,000 pupil events as
/// <see cref="DetectionBenchmarks"/> (one operation = the whole corpus; events/s = 5,000 / mean). Single-threaded, so
/// the figure is one core's. The shipped artefact (seeds/models/risk-model.bin) is read once in setup.
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    private (string Text, SourceKinds Source)[] _events = [];
    private RiskModel _model = null!;
    private ModelJudge _judge = null!;
    private Detector _detector = null!;
    private readonly float[] _scores = new float[16];

    [GlobalSetup]
    public void Setup()
    {
        _events = PupilText.Events(DetectionBenchmarks.EventCount);
        _model = AlertPipeline.Model.ModelArtefact.Load(FindArtefact());
        _judge = new ModelJudge(_model, new AlertPipeline.Model.ModelOptions().PolicyFor(null));
        _detector = Detector.Compile(DetectionBenchmarks.LoadSeeds());
    }

    // BenchmarkDotNet runs a generated copy of this project elsewhere: look upwards for the repo's artefact.
    private static string FindArtefact()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "seeds", "models", "risk-model.bin");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "seeds/models/risk-model.bin";
    }

    [Benchmark(Description = "RiskModel.Score (all 6 categories)")]
    public float Score()
    {
        var sum = 0f;
        foreach (var (text, _) in _events)
        {
            _model.Score(text, _scores);
            sum += _scores[0];
        }

        return sum;
    }

    [Benchmark(Description = "ModelJudge.TryJudge (score + fuse, no rules)")]
    public int Judge()
    {
        var flagged = 0;
        foreach (var (text, _) in _events)
        {
            flagged += _judge.TryJudge(text, null, out _) ? 1 : 0;
        }

        return flagged;
    }

    [Benchmark(Baseline = true, Description = "Detector.TryScan (rules alone)")]
    public int Rules()
    {
        var flagged = 0;
        foreach (var (text, source) in _events)
        {
            flagged += _detector.TryScan(text, source, out _) ? 1 : 0;
        }

        return flagged;
    }

    [Benchmark(Description = "TryScan then TryJudge (as the detection stage does)")]
    public int RulesThenModel()
    {
        var flagged = 0;
        foreach (var (text, source) in _events)
        {
            _detector.TryScan(text, source, out var rules);
            flagged += _judge.TryJudge(text, rules, out _) ? 1 : 0;
        }

        return flagged;
    }
}

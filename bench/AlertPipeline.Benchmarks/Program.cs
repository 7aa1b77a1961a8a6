using BenchmarkDotNet.Running;

namespace AlertPipeline.Benchmarks;

// A namespaced class rather than top-level statements: the host assembly this project references
// already has a global `Program`, and `typeof(Program)` must mean this assembly.
internal static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["recall", ..])
        {
            Detection.SimulatorRecall.Run(args);
            return;
        }

        if (args is ["profile", ..])
        {
            Detection.QuickProfile.Run();
            return;
        }

        if (args is ["fused", ..])
        {
            Detection.FusedOnly.Run(args);
            return;
        }

        if (args is ["results", _, ..])
        {
            Detection.ResultDump.Run(args);
            return;
        }

        if (args is ["split", ..])
        {
            Detection.ClassSplit.Run(args);
            return;
        }

        if (args is ["explain", ..])
        {
            Detection.Explain.Run(args);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}

using BenchmarkDotNet.Running;

namespace AlertPipeline.Benchmarks;

// A namespaced class rather than top-level statements: the host assembly this project references
// already has a global `Program`, and `typeof(Program)` must mean this assembly.
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}

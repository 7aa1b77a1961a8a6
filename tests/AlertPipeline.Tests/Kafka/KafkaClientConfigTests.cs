using AlertPipeline.Transport.Kafka;
using Confluent.Kafka;

namespace AlertPipeline.Tests.Kafka;

/// <summary>ADR 0008: the librdkafka this process loads is the one librdkafka.redist ships, in step with the wrapper.</summary>
public sealed class KafkaClientConfigTests
{
    [Fact]
    public void BundledLinuxBuild_OnGlibcLinuxX64_IsTheRedistCentos8Build()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return;
        }

        var path = KafkaClientConfig.BundledLinuxBuild();

        Assert.NotNull(path);
        Assert.EndsWith("centos8-librdkafka.so", path, StringComparison.Ordinal);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void LoadNativeLibrary_Default_LoadsLibrdkafkaOfTheWrappersVersion()
    {
        KafkaClientConfig.LoadNativeLibrary(null);

        // Debian's librdkafka-dev (2.0.2) on the same machine must not be the one picked: Confluent.Kafka 2.16 calls
        // functions it lacks. The redist's version matches the wrapper's major.minor.
        var wrapper = typeof(Library).Assembly.GetName().Version!;
        Assert.StartsWith($"{wrapper.Major}.{wrapper.Minor}.", Library.VersionString, StringComparison.Ordinal);
        Assert.Equal(KafkaClientConfig.BundledLinuxBuild() ?? "librdkafka", KafkaClientConfig.NativeLibraryPath);
    }
}

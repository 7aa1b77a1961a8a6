using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Support;

/// <summary>The stores' <see cref="RelationalStores"/> for a test that builds a store by hand, as a process would.</summary>
internal static class TestStores
{
    public static RelationalStores For(IOptions<StorageOptions> storage) => new(storage, new ServiceCollection().BuildServiceProvider());

    public static RelationalStores For(string dataDirectory) => For(Options.Create(new StorageOptions { DataDirectory = dataDirectory }));
}

using System.Net;
using System.Net.Sockets;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// The child-process helper itself: a port taken between <see cref="HostProcess.FreePort"/> and the child's bind (by a
/// test running in parallel) makes that start report "try another port" instead of failing the test that asked.
/// </summary>
public sealed class HostProcessTests
{
    [Fact]
    public async Task StartOnce_PortTakenBeforeTheChildBinds_AnotherPortIsAskedForUnlessItIsTheLastAttempt()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var directory = new TempDirectory();

        Assert.Null(await HostProcess.StartOnceAsync(port, directory.Path, null, [], lastAttempt: false));
        var last = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartOnceAsync(port, directory.Path, null, [], lastAttempt: true));
        Assert.Contains("address already in use", last.Message, StringComparison.Ordinal);
    }
}

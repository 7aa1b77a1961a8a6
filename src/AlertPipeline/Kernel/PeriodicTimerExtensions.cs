namespace AlertPipeline.Kernel;

/// <summary>Small helpers every feature may use; this folder depends on no feature.</summary>
internal static class PeriodicTimerExtensions
{
    /// <summary>
    /// The next tick, or false when the service is stopping: for a <c>do … while</c> loop that runs its work once at
    /// start and then on every tick, and ends quietly on shutdown instead of throwing out of the loop.
    /// </summary>
    public static async Task<bool> NextTickOrStopAsync(this PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

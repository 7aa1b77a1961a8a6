namespace AlertPipeline.Tests.Support;

/// <summary>
/// Waits for an asynchronous outcome by polling a condition, with a generous deadline. This is not "sleep and hope":
/// the test proceeds the moment the condition holds and fails with a message if it never does.
/// <para>
/// The default deadline is two minutes: it only bounds a failure and costs nothing when the test passes, while the
/// full suite runs a thousand tests on two cores, with processes, browsers, Kafka and PostgreSQL starting alongside,
/// where a wait that takes a second alone has taken over half a minute.
/// </para>
/// </summary>
internal static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<T> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        T value;
        while (!done(value = probe()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; last value: {value}");
            }

            await Task.Delay(50);
        }

        return value;
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        ReturnsAsync(condition, v => v, what, timeout);
}

using Microsoft.Playwright;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// Waits for a page's address only. Playwright's <c>WaitForURLAsync(…, WaitUntil = Commit)</c> does that only when the
/// address has not yet matched: if it already matches at the call, Playwright 1.64 turns Commit into no load state and
/// waits for the page's <c>load</c> event instead (Frame.ToLoadState maps Commit to null, and null means Load). A
/// clean-clone run timed out there after 60 s on the identity provider's login page, whose load event never came while
/// its network went idle. The address Playwright tracks (<see cref="IPage.Url"/>, updated on every committed
/// navigation) is all these callers need: what they read next, Playwright waits for itself.
/// </summary>
internal static class PageAddress
{
    public static Task WaitAsync(IPage page, Func<string, bool> matches, string what, TimeSpan? timeout = null) =>
        Eventually.ReturnsAsync(() => page.Url, matches, $"the browser to reach {what}", timeout ?? TimeSpan.FromSeconds(60));
}

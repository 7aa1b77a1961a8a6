using AlertPipeline.Tests.Support;
using Microsoft.Playwright;

namespace AlertPipeline.Tests.Console;

/// <summary>
/// Debian's Chromium (<c>apt-get install chromium</c>, done by scripts/test.sh) driven by Microsoft.Playwright. The
/// Playwright driver (node and its JS package) ships inside the NuGet package and is copied to the test output as
/// <c>.playwright/</c>; no browser is ever downloaded (<c>playwright install</c> is never run).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where page screenshots go: <c>CONSOLE_SCREENSHOTS</c> (docs/screenshots when refreshing the README), else the test output.</summary>
    public static string ScreenshotDirectory { get; } =
        Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: run scripts/test.sh, which installs Debian's chromium package");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, Locale = "en-GB" });
        // Generous: a wait for an element or a navigation only bounds a failure, and the full suite runs these pages on two
        // cores shared with processes, Kafka and PostgreSQL starting alongside (20 s was once too little for a live row).
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    public static Task SaveScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        return page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Signs in on the console's own form as <paramref name="name"/> (password <see cref="ConsoleSession.Password"/>).</summary>
    internal static async Task SignInAsync(IPage page, TestHost host, string name)
    {
        await page.GotoAsync(host.Http.BaseAddress + "sign-in");
        await page.FillAsync("input[name=name]", name);
        await page.FillAsync("input[name=password]", ConsoleSession.Password);
        await page.ClickAsync("button[type=submit]");
        // The click only starts the form's navigation, and the current page is loaded already, so waiting for a load
        // state returned at once; a GotoAsync straight after could cancel the sign-in before its cookie arrived. Wait
        // for the browser to leave the sign-in page.
        await PageAddress.WaitAsync(page, url => !url.Contains("/sign-in", StringComparison.Ordinal), "the console, signed in");
    }
}

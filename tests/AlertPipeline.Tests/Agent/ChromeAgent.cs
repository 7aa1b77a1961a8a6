using Microsoft.Playwright;

namespace AlertPipeline.Tests.Agent;

/// <summary>
/// Debian's Chromium with the unpacked extension of <c>agent/chrome</c> loaded, in the new headless mode, through a
/// Playwright persistent context (extensions need a real profile directory). Closing and launching again on the same
/// <see cref="ProfileDirectory"/> is a browser restart: the extension's storage (its queue) is kept.
/// </summary>
internal sealed class ChromeAgent : IAsyncDisposable
{
    /// <summary>For Playwright's Expect assertions, whose own default is 5 s whatever the context's timeout.</summary>
    internal const float ExpectTimeout = 60_000;

    private readonly IPlaywright _playwright;

    private ChromeAgent(IPlaywright playwright, IBrowserContext context, string extensionId, string profile)
    {
        _playwright = playwright;
        Context = context;
        ExtensionId = extensionId;
        ProfileDirectory = profile;
    }

    public IBrowserContext Context { get; }

    public string ExtensionId { get; }

    public string ProfileDirectory { get; }

    /// <summary>agent/chrome of this checkout, found from the test output directory upwards.</summary>
    public static string ExtensionDirectory { get; } = FindExtension();

    public static async Task<ChromeAgent> LaunchAsync(string profileDirectory)
    {
        if (!File.Exists(Console.BrowserFixture.Chromium))
        {
            throw new InvalidOperationException($"{Console.BrowserFixture.Chromium} is missing: run scripts/test.sh, which installs Debian's chromium package");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profileDirectory, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Console.BrowserFixture.Chromium,
                // Playwright's own headless switch would start the old headless shell, which has no extensions; the new
                // headless mode is the full browser without a window, and runs an MV3 extension's service worker.
                Headless = false,
                IgnoreDefaultArgs = ["--disable-extensions"],
                Args =
                [
                    "--headless=new", $"--disable-extensions-except={ExtensionDirectory}", $"--load-extension={ExtensionDirectory}",
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                ],
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                Locale = "en-GB",
            });
            // Generous for the same reason as BrowserFixture's: the suite shares two cores with everything else it starts.
            context.SetDefaultTimeout(60_000);
            return new ChromeAgent(playwright, context, UnpackedExtensionId(ExtensionDirectory), profileDirectory);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Fills the extension's options page (the documented fallback when no managed policy is set) and saves.</summary>
    public async Task ConfigureAsync(string ingestUrl, string apiKey, string schoolId, string pupilLogin, string deviceId)
    {
        var page = await Context.NewPageAsync();
        await page.GotoAsync($"chrome-extension://{ExtensionId}/src/options/options.html");
        await page.FillAsync("input[name=ingestUrl]", ingestUrl);
        await page.FillAsync("input[name=apiKey]", apiKey);
        await page.FillAsync("input[name=schoolId]", schoolId);
        await page.FillAsync("input[name=pupilLogin]", pupilLogin);
        await page.FillAsync("input[name=deviceId]", deviceId);
        await page.ClickAsync("button[type=submit]");
        // Expect has its own 5 s default, not the context's: the options page saves, waits for the worker to reload, then says so.
        await Assertions.Expect(page.Locator("#result")).ToHaveTextAsync("Saved.", new() { Timeout = ExpectTimeout });
        await page.CloseAsync();
    }

    /// <summary>The agent's status as its options page shows it (queue size, last error, ...), as JSON text.</summary>
    public async Task<string> StatusAsync()
    {
        var page = await Context.NewPageAsync();
        await page.GotoAsync($"chrome-extension://{ExtensionId}/src/options/options.html");
        await Assertions.Expect(page.Locator("#status")).Not.ToBeEmptyAsync(new() { Timeout = ExpectTimeout });
        var text = await page.Locator("#status").TextContentAsync() ?? string.Empty;
        await page.CloseAsync();
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
    }

    /// <summary>
    /// Chromium's id for an unpacked extension: the first 128 bits of SHA-256 of its absolute path, each hex digit
    /// written as a letter a-p. (Playwright for .NET has no service-worker list to read it from.)
    /// </summary>
    public static string UnpackedExtensionId(string path)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(path)));
        return string.Concat(Convert.ToHexStringLower(hash.AsSpan(0, 16)).Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))));
    }

    private static string FindExtension()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "agent", "chrome");
            if (File.Exists(Path.Combine(candidate, "manifest.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"agent/chrome/manifest.json not found above {AppContext.BaseDirectory}");
    }
}

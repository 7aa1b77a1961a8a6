using System.Diagnostics;

namespace AlertPipeline.Tests.Support;

/// <summary>The text of a PDF as Debian's poppler-utils <c>pdftotext -layout</c> reads it: what a reader of the page sees.</summary>
internal static class PdfText
{
    public static async Task<string> ExtractAsync(byte[] pdf)
    {
        using var directory = new TempDirectory();
        var input = Path.Combine(directory.Path, "report.pdf");
        var output = Path.Combine(directory.Path, "report.txt");
        await File.WriteAllBytesAsync(input, pdf);
        using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-layout", "-enc", "UTF-8", input, output]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("pdftotext did not start (apt-get install poppler-utils)");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pdftotext failed ({process.ExitCode}): {error}");
        return await File.ReadAllTextAsync(output);
    }
}

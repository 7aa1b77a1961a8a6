using System.Security.Cryptography;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Ingest.Screenshots;

/// <summary>
/// Stores screenshots content-addressed (<c>screenshots/ab/abcdef….png</c> under the data directory). Files are
/// written to a temporary name, flushed to disk and renamed, so a reference is only ever returned for a whole file.
/// Nothing here serves them: only the console does, to roles allowed to see pupil data.
/// </summary>
internal sealed class ScreenshotStore(IOptions<StorageOptions> storage)
{
    public const int MaxBytes = 5 * 1024 * 1024;

    private readonly string _root = Path.Combine(storage.Value.FullDataDirectory, "screenshots");

    public async Task<(string Reference, bool Created)> SaveAsync(byte[] image, string? contentType, string schoolId)
    {
        _ = schoolId; // Kept for the access log of a later version; the reference itself is school-independent.
        var extension = Sniff(image) ?? throw new InvalidScreenshotException(
            StatusCodes.Status415UnsupportedMediaType, "the body is not a PNG or JPEG image (checked by its file signature)");
        if (contentType is not null && !contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                                    && !contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidScreenshotException(StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type must be image/png or image/jpeg (was '{contentType}')");
        }

        var hex = Convert.ToHexStringLower(SHA256.HashData(image));
        var path = PathFor(hex, extension);
        if (File.Exists(path))
        {
            return ("sha256:" + hex, false);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
        {
            await file.WriteAsync(image).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return ("sha256:" + hex, true);
    }

    /// <summary>The file for a <c>sha256:</c> reference, or null if it is not a stored screenshot.</summary>
    public string? Find(string reference)
    {
        if (!reference.StartsWith("sha256:", StringComparison.Ordinal) || reference.Length != 71
            || !reference.AsSpan(7).ContainsOnlyLowerHex())
        {
            return null;
        }

        var hex = reference[7..];
        foreach (var extension in new[] { ".png", ".jpg" })
        {
            var path = PathFor(hex, extension);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Every file under the screenshot folder: its reference, or null for a temporary file a crash left behind.</summary>
    public IEnumerable<(string? Reference, string Path)> Stored()
    {
        if (!Directory.Exists(_root))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var name = System.IO.Path.GetFileName(path);
            var extension = System.IO.Path.GetExtension(name);
            yield return (extension is ".png" or ".jpg" ? "sha256:" + System.IO.Path.GetFileNameWithoutExtension(name) : null, path);
        }
    }

    private string PathFor(string hex, string extension) => Path.Combine(_root, hex[..2], hex + extension);

    private static string? Sniff(ReadOnlySpan<byte> image) =>
        image.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? ".png"
        : image.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? ".jpg"
        : null;
}

internal static class HexExtensions
{
    public static bool ContainsOnlyLowerHex(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is < 'a' or > 'f')
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class InvalidScreenshotException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

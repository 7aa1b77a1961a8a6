using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Simulator;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Ingest;

/// <summary>Uploaded screenshots are read through and bound to their school (issue 18).</summary>
public sealed class ScreenshotSecurityTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _host.UseKey("oakfield");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, byte[], string> Refused => new()
    {
        { "HTML after a PNG signature", [.. Signature, .. "<html><script>alert(1)</script></html>"u8.ToArray()], "more than the file has" },
        { "a zip file", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0], "not a PNG or JPEG" },
        { "a 30000x30000 decompression bomb", Bomb(), "30000×30000 pixels" },
        { "a PNG with bytes after IEND", [.. PngEncoder.Encode(2, 2, new byte[14]), .. "<html>"u8.ToArray()], "after the IEND chunk" },
        { "a PNG whose data is shorter than its header", Png(4, 4, new byte[10]), "shorter than its header" },
        { "a PNG with a broken CRC", BreakCrc(PngEncoder.Encode(2, 2, new byte[14])), "fails its CRC check" },
        { "a JPEG with HTML after end-of-image", [.. Jpeg(), .. "<html>"u8.ToArray()], "after the end-of-image marker" },
        { "a JPEG signature and HTML", [0xFF, 0xD8, 0xFF, .. "<html><body>hello</body></html>"u8.ToArray()], "JPEG" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task PostScreenshot_NotAWellFormedImage_IsRefusedSayingWhy(string what, byte[] body, string reason)
    {
        var response = await _host.Http.PostAsync("/api/v1/screenshots", Image(body, "image/png"));

        Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{what}: {(int)response.StatusCode}");
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_host.DataDirectory, "screenshots")) &&
                     Directory.EnumerateFiles(Path.Combine(_host.DataDirectory, "screenshots"), "*", SearchOption.AllDirectories).Any(), $"{what} was stored");
    }

    [Fact]
    public async Task PostScreenshot_PngWithTextChunk_IsStoredWithoutIt()
    {
        var clean = PngEncoder.Encode(2, 2, new byte[14]);
        var withText = InsertChunk(clean, "tEXt", "Comment\0<script>alert(1)</script>"u8.ToArray());

        var response = await _host.Http.PostAsync("/api/v1/screenshots", Image(withText, "image/png"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = Directory.EnumerateFiles(Path.Combine(_host.DataDirectory, "screenshots"), "*.png", SearchOption.AllDirectories).Single();
        Assert.Equal(clean, await File.ReadAllBytesAsync(stored));
    }

    [Fact]
    public async Task PostScreenshot_JpegWithCommentAndExif_IsStoredWithoutThem()
    {
        var jpeg = Jpeg();
        byte[] comment = [0xFF, 0xFE, 0x00, 0x08, .. "<svg>"u8.ToArray(), 0];
        byte[] exif = [0xFF, 0xE1, 0x00, 0x08, .. "Exif\0\0"u8.ToArray()];
        byte[] dirty = [.. jpeg[..2], .. comment, .. exif, .. jpeg[2..]];

        var response = await _host.Http.PostAsync("/api/v1/screenshots", Image(dirty, "image/jpeg"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = Directory.EnumerateFiles(Path.Combine(_host.DataDirectory, "screenshots"), "*.jpg", SearchOption.AllDirectories).Single();
        Assert.Equal(jpeg, await File.ReadAllBytesAsync(stored));
    }

    [Fact]
    public async Task Screenshot_UploadedByAnotherSchoolsKey_IsNotShownOnThisSchoolsAlert()
    {
        var riverside = (await _host.App.Services.GetRequiredService<ScreenshotStore>().SaveAsync(ConsoleData.Png, "image/png", "riverside")).Reference;
        var own = ConsoleData.SaveAlert(_host, school: "riverside", screenshot: false, screenshotRef: riverside);
        var borrowed = ConsoleData.SaveAlert(_host, school: "oakfield", screenshot: false, screenshotRef: riverside);
        ConsoleSession.CreateUser(_host, "trust", ConsoleRoles.TrustDsl);
        using var dsl = await ConsoleSession.SignInAsync(_host, "trust", ConsoleSession.Password);

        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync($"/api/v1/alerts/{own.AlertId}/screenshot")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dsl.Http.GetAsync($"/api/v1/alerts/{borrowed.AlertId}/screenshot")).StatusCode);
    }

    // Screenshots stored before they were kept per school (screenshots/ab/...) were found for ANY school whose alert
    // named the hash. At start each goes to the folder of the schools whose alerts show it, the rest to no school's.
    [Fact]
    public async Task Start_LegacyScreenshots_MovedToTheSchoolsWhoseAlertsShowThemAndNoOther()
    {
        using var dir = new TempDirectory();
        var shown = Legacy(dir.Path, ConsoleData.Png);
        var unshown = Legacy(dir.Path, PngEncoder.Encode(2, 2, new byte[14]));
        string oakAlert, riverAlert;
        await using (var before = await TestHost.StartAsync(dataDirectory: dir.Path))
        {
            oakAlert = ConsoleData.SaveAlert(before, school: "oakfield", screenshot: false, screenshotRef: shown).AlertId;
            riverAlert = ConsoleData.SaveAlert(before, school: "riverside", screenshot: false).AlertId;
        }

        // The files come back as legacy ones (the host above adopted them at its own start).
        Restore(dir.Path, shown, ConsoleData.Png);
        Restore(dir.Path, unshown, PngEncoder.Encode(2, 2, new byte[14]));
        await using var host = await TestHost.StartAsync(dataDirectory: dir.Path);
        // After the upgrade, another school's event names the unshown hash: it must gain nothing.
        var late = ConsoleData.SaveAlert(host, school: "riverside", screenshot: false, screenshotRef: unshown).AlertId;
        ConsoleSession.CreateUser(host, "trust", ConsoleRoles.TrustDsl);
        using var dsl = await ConsoleSession.SignInAsync(host, "trust", ConsoleSession.Password);

        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync($"/api/v1/alerts/{oakAlert}/screenshot")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dsl.Http.GetAsync($"/api/v1/alerts/{late}/screenshot")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dsl.Http.GetAsync($"/api/v1/alerts/{riverAlert}/screenshot")).StatusCode);
        var root = Path.Combine(dir.Path, "screenshots");
        Assert.True(File.Exists(Path.Combine(root, "oakfield", shown[7..9], shown[7..] + ".png")));
        Assert.False(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Any(f => Path.GetFileName(Path.GetDirectoryName(f)) is { Length: 2 } p && Path.GetDirectoryName(Path.GetDirectoryName(f)) == root),
            "a legacy file is still under screenshots/ab/");
        Assert.Null(host.App.Services.GetRequiredService<ScreenshotStore>().FindFor(unshown, "riverside"));
        Assert.Single(host.App.Services.GetRequiredService<ScreenshotStore>().FindAll(unshown)); // kept for retention, nobody's
    }

    private static string Legacy(string dataDirectory, byte[] png)
    {
        var hex = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png));
        Restore(dataDirectory, "sha256:" + hex, png);
        return "sha256:" + hex;
    }

    private static void Restore(string dataDirectory, string reference, byte[] png)
    {
        var folder = Path.Combine(dataDirectory, "screenshots", reference[7..9]);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, reference[7..] + ".png"), png);
    }

    [Fact]
    public void Check_ValidInterlacedPng_IsAccepted()
    {
        // 3x3 grey, Adam7: passes 1,6,7 and others by the standard's geometry; filter byte 0 on every reduced row.
        var rows = new List<byte>();
        foreach (var (w, h) in new[] { (1, 1), (0, 0), (1, 0), (1, 1), (2, 1), (1, 2), (3, 1) })
        {
            for (var y = 0; y < h && w > 0; y++)
            {
                rows.Add(0);
                rows.AddRange(new byte[w]);
            }
        }

        var png = Png(3, 3, [.. rows], colourType: 0, interlace: 1);
        Assert.Equal(png, ScreenshotCheck.Clean(png).Image);
    }

    private static byte[] Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A 30000×30000 greyscale PNG header over a few KB of deflated zeros: gigabytes once inflated.</summary>
    private static byte[] Bomb() => Png(30_000, 30_000, new byte[64 * 1024], colourType: 0);

    private static byte[] Png(int width, int height, byte[] raw, byte colourType = 2, byte interlace = 0)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = colourType;
        header[12] = interlace;
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(raw);
        }

        return [.. Signature, .. Chunk("IHDR", header), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.Compute(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>Inserts a chunk right after IHDR (signature 8 bytes + IHDR 25 bytes).</summary>
    private static byte[] InsertChunk(byte[] png, string type, byte[] data) => [.. png[..33], .. Chunk(type, data), .. png[33..]];

    private static byte[] BreakCrc(byte[] png)
    {
        var copy = (byte[])png.Clone();
        copy[32] ^= 0xFF; // last byte of IHDR's CRC
        return copy;
    }

    /// <summary>A minimal well-formed baseline JPEG structure: SOI, APP0 JFIF, SOF0 8x8 one component, SOS, data, EOI.</summary>
    private static byte[] Jpeg() =>
    [
        0xFF, 0xD8,
        0xFF, 0xE0, 0x00, 0x10, .. "JFIF\0"u8.ToArray(), 1, 1, 0, 0, 1, 0, 1, 0, 0,
        0xFF, 0xDB, 0x00, 0x43, 0x00, .. Enumerable.Repeat((byte)1, 64),
        0xFF, 0xC0, 0x00, 0x0B, 8, 0x00, 0x08, 0x00, 0x08, 1, 1, 0x11, 0,
        0xFF, 0xC4, 0x00, 0x14, 0x00, 1, .. new byte[15], 0,
        0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0,
        0x12, 0x34, 0xFF, 0x00, 0x56,
        0xFF, 0xD9,
    ];

    private static ByteArrayContent Image(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Simulator;

namespace AlertPipeline.Tests.Simulator;

public sealed class ScreenshotRendererTests
{
    private static byte[] Render(string text = "how many paracetamol to overdose") =>
        new ScreenshotRenderer().Render("Google Search - Google Chrome", "https://www.google.com/search?q=x", text);

    [Fact]
    public void Crc32_StandardCheckValue_Matches()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    [Fact]
    public void Render_AnyText_StartsWithPngSignatureAndHasValidChunks()
    {
        var png = Render();

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var chunks = Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        Assert.All(chunks, c => Assert.True(c.CrcValid, $"bad CRC on {c.Type}"));
        Assert.Empty(chunks[^1].Data);
    }

    [Fact]
    public void Render_AnyText_HeaderDescribes640x400Rgb()
    {
        var header = Chunks(Render())[0].Data;

        Assert.Equal(13, header.Length);
        Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
        Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, header[8..]);
    }

    [Fact]
    public void Render_AnyText_ImageDataInflatesToEveryScanline()
    {
        var pixels = Inflate(Render());

        Assert.Equal(400 * (1 + (640 * 3)), pixels.Length);
        Assert.All(Enumerable.Range(0, 400), row => Assert.Equal(0, pixels[row * (1 + (640 * 3))]));
    }

    [Fact]
    public void Render_PageText_DrawsInkInThePageArea()
    {
        var stride = 1 + (640 * 3);
        var blank = Inflate(Render(string.Empty));
        var written = Inflate(Render("I WANT TO DIE"));

        var changed = Enumerable.Range(80, 100).Sum(y => Enumerable.Range(0, 640).Count(x =>
            blank[(y * stride) + 1 + (x * 3)] != written[(y * stride) + 1 + (x * 3)]));
        Assert.InRange(changed, 200, 20_000);
    }

    [Fact]
    public void Render_SameInput_SameBytes()
    {
        Assert.Equal(Render("kms"), Render("kms"));
        Assert.NotEqual(Render("kms"), Render("kys"));
    }

    [Fact]
    public void Wrap_LongText_BreaksBetweenWordsAndCutsOverlongOnes()
    {
        var lines = ScreenshotRenderer.Wrap("nobody would even notice if i was gone supercalifragilistic", 10);

        Assert.Equal(["nobody", "would even", "notice if", "i was gone", "supercalif", "ragilistic"], lines);
    }

    [Fact]
    public void Glyph_UnsupportedCharacter_FallsBackToQuestionMark()
    {
        Assert.True(BitmapFont.Has('a'));
        Assert.False(BitmapFont.Has('é'));
        Assert.Equal(BitmapFont.Glyph('?'), BitmapFont.Glyph('é'));
    }

    private sealed record Chunk(string Type, byte[] Data, bool CrcValid);

    private static List<Chunk> Chunks(byte[] png)
    {
        var chunks = new List<Chunk>();
        var position = 8;
        while (position < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            var typeAndData = png.AsSpan(position + 4, 4 + length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            chunks.Add(new Chunk(Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray(), Crc32.Compute(typeAndData) == crc));
            position += 12 + length;
        }

        Assert.Equal(png.Length, position);
        return chunks;
    }

    private static byte[] Inflate(byte[] png)
    {
        var data = Chunks(png).Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        using var zlib = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        zlib.CopyTo(output);
        return output.ToArray();
    }
}

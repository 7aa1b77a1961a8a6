using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using AlertPipeline.Ingest.Screenshots;

namespace AlertPipeline.Simulator;

/// <summary>The smallest PNG writer that works: 8-bit RGB, no interlace, filter type 0 on every row.</summary>
internal static class PngEncoder
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Bytes of one raw scanline: the filter-type byte, then 3 bytes per pixel.</summary>
    public static int Stride(int width) => 1 + (width * 3);

    /// <summary>
    /// Encodes <paramref name="scanlines"/>: <paramref name="height"/> rows of <see cref="Stride"/> bytes,
    /// each starting with its filter byte (0).
    /// </summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> scanlines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (scanlines.Length != Stride(width) * height)
        {
            throw new ArgumentException($"Expected {Stride(width) * height} bytes of scanlines, got {scanlines.Length}.", nameof(scanlines));
        }

        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;   // bit depth
        header[9] = 2;   // colour type: truecolour RGB
        header[10] = 0;  // compression: deflate
        header[11] = 0;  // filter method 0
        header[12] = 0;  // no interlace
        WriteChunk(output, "IHDR", header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(scanlines);
            }

            WriteChunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);

        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        output.Write(typeBytes);
        output.Write(data);

        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Append(Crc32.Compute(typeBytes), data));
        output.Write(crc);
    }
}

using System.Buffers.Binary;
using System.IO.Compression;

namespace AlertPipeline.Ingest.Screenshots;

/// <summary>
/// Reads an uploaded screenshot all the way through and writes a clean copy, or refuses it saying why. A check of
/// the first bytes let through HTML after a PNG signature, a zip and a 30000×30000 decompression bomb; here:
/// <list type="bullet">
/// <item>PNG: every chunk's length and CRC, a valid IHDR within <see cref="MaxSide"/> and <see cref="MaxPixels"/>,
/// the image data inflated (stopping at the size the header promises) to exactly that size, with a valid filter
/// byte on every row, and IEND last with nothing after it. The copy keeps only the chunks that draw the image
/// (IHDR, PLTE, tRNS, gAMA, sRGB, IDAT, IEND): text, metadata and anything unknown go.</item>
/// <item>JPEG: every marker segment's length, a baseline or progressive frame header within the same limits, scan
/// data up to EOI and nothing after it. The copy drops comments and application segments other than JFIF and
/// Adobe's colour transform (EXIF can carry a location, a comment can carry a script).</item>
/// </list>
/// Full pixel decoding needs an image library; this is the strict validation the issue allows instead (ADR).
/// </summary>
internal static class ScreenshotCheck
{
    /// <summary>Widest or tallest image accepted: 16384 (four 4K screens side by side).</summary>
    public const int MaxSide = 16_384;

    /// <summary>Most pixels accepted: 40 million (more than three 4K screens).</summary>
    public const long MaxPixels = 40_000_000;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly HashSet<string> KeptPngChunks = new(StringComparer.Ordinal) { "IHDR", "PLTE", "tRNS", "gAMA", "sRGB", "IDAT", "IEND" };

    /// <summary>The clean copy and its extension (<c>.png</c> or <c>.jpg</c>).</summary>
    /// <exception cref="InvalidScreenshotException">The bytes are not a well-formed PNG or JPEG within the limits.</exception>
    public static (byte[] Image, string Extension) Clean(ReadOnlySpan<byte> image)
    {
        if (image.StartsWith(PngSignature))
        {
            return (CleanPng(image), ".png");
        }

        if (image.Length >= 3 && image[0] == 0xFF && image[1] == 0xD8 && image[2] == 0xFF)
        {
            return (CleanJpeg(image), ".jpg");
        }

        throw Invalid("the body is not a PNG or JPEG image (checked by its file signature)");
    }

    private static byte[] CleanPng(ReadOnlySpan<byte> image)
    {
        using var output = new MemoryStream(image.Length);
        using var idat = new MemoryStream();
        output.Write(PngSignature);
        var position = PngSignature.Length;
        (int Width, int Height, int BitsPerPixel, bool Interlaced)? header = null;
        var sawIdat = false;
        var idatEnded = false;
        var sawEnd = false;
        while (position < image.Length)
        {
            if (sawEnd)
            {
                throw Invalid($"PNG: {image.Length - position} byte(s) after the IEND chunk");
            }

            if (image.Length - position < 12)
            {
                throw Invalid($"PNG: truncated chunk at byte {position}");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(image[position..]);
            if (length > int.MaxValue || length > image.Length - position - 12)
            {
                throw Invalid($"PNG: chunk at byte {position} claims {length} bytes, more than the file has");
            }

            var typeAndData = image.Slice(position + 4, 4 + (int)length);
            var type = typeAndData[..4];
            foreach (var c in type)
            {
                if (!char.IsAsciiLetter((char)c))
                {
                    throw Invalid($"PNG: chunk at byte {position} has an invalid type");
                }
            }

            var name = System.Text.Encoding.ASCII.GetString(type);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(image[(position + 8 + (int)length)..]);
            if (Crc32.Compute(typeAndData) != crc)
            {
                throw Invalid($"PNG: chunk {name} at byte {position} fails its CRC check");
            }

            var data = typeAndData[4..];
            if (header is null && name != "IHDR")
            {
                throw Invalid("PNG: the first chunk is not IHDR");
            }

            switch (name)
            {
                case "IHDR" when header is not null:
                    throw Invalid("PNG: more than one IHDR chunk");
                case "IHDR":
                    header = ReadPngHeader(data);
                    break;
                case "IDAT" when idatEnded:
                    throw Invalid("PNG: IDAT chunks are not consecutive");
                case "IDAT":
                    sawIdat = true;
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
                default:
                    if (char.IsAsciiLetterUpper(name[0]) && !KeptPngChunks.Contains(name))
                    {
                        throw Invalid($"PNG: unknown critical chunk {name}");
                    }

                    idatEnded |= sawIdat;
                    break;
            }

            if (KeptPngChunks.Contains(name))
            {
                output.Write(image.Slice(position, 12 + (int)length));
            }

            position += 12 + (int)length;
        }

        if (!sawEnd || header is null || !sawIdat)
        {
            throw Invalid("PNG: the file ends before its image data and IEND chunk");
        }

        CheckPngData(idat, header.Value);
        return output.ToArray();
    }

    private static (int Width, int Height, int BitsPerPixel, bool Interlaced) ReadPngHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length != 13)
        {
            throw Invalid("PNG: the IHDR chunk is not 13 bytes");
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(data);
        var height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        CheckSize(width, height);
        var (depth, colour) = (data[8], data[9]);
        var channels = colour switch
        {
            0 when depth is 1 or 2 or 4 or 8 or 16 => 1,
            2 when depth is 8 or 16 => 3,
            3 when depth is 1 or 2 or 4 or 8 => 1,
            4 when depth is 8 or 16 => 2,
            6 when depth is 8 or 16 => 4,
            _ => throw Invalid($"PNG: colour type {colour} with bit depth {depth} is not a valid combination"),
        };
        if (data[10] != 0 || data[11] != 0 || data[12] > 1)
        {
            throw Invalid("PNG: unknown compression, filter or interlace method");
        }

        return ((int)width, (int)height, channels * depth, data[12] == 1);
    }

    /// <summary>Inflates the image data, never past the size the header promises, and checks every row's filter byte.</summary>
    private static void CheckPngData(MemoryStream idat, (int Width, int Height, int BitsPerPixel, bool Interlaced) header)
    {
        var rows = new List<long>(); // Bytes per row (without the filter byte), one entry per row, over all passes.
        if (header.Interlaced)
        {
            // Adam7: (x start, y start, x step, y step) of each of the seven passes.
            foreach (var (x0, y0, dx, dy) in new[] { (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2) })
            {
                var passWidth = (header.Width - x0 + dx - 1) / dx;
                var passHeight = (header.Height - y0 + dy - 1) / dy;
                if (passWidth > 0)
                {
                    for (var y = 0; y < passHeight; y++)
                    {
                        rows.Add(((long)passWidth * header.BitsPerPixel + 7) / 8);
                    }
                }
            }
        }
        else
        {
            var row = ((long)header.Width * header.BitsPerPixel + 7) / 8;
            rows.AddRange(Enumerable.Repeat(row, header.Height));
        }

        idat.Position = 0;
        try
        {
            using var inflate = new ZLibStream(idat, CompressionMode.Decompress);
            var buffer = new byte[64 * 1024];
            foreach (var row in rows)
            {
                var filter = inflate.ReadByte();
                if (filter is < 0 or > 4)
                {
                    throw Invalid(filter < 0 ? "PNG: the image data is shorter than its header says" : $"PNG: invalid row filter type {filter}");
                }

                for (var left = row; left > 0;)
                {
                    var read = inflate.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (read == 0)
                    {
                        throw Invalid("PNG: the image data is shorter than its header says");
                    }

                    left -= read;
                }
            }

            if (inflate.Read(buffer, 0, 1) != 0)
            {
                throw Invalid("PNG: the image data is longer than its header says");
            }
        }
        catch (InvalidDataException ex)
        {
            throw Invalid($"PNG: the image data is not valid deflate data ({ex.Message})");
        }
    }

    private static byte[] CleanJpeg(ReadOnlySpan<byte> image)
    {
        using var output = new MemoryStream(image.Length);
        output.Write(image[..2]); // SOI
        var position = 2;
        var sawFrame = false;
        while (true)
        {
            if (position + 4 > image.Length || image[position] != 0xFF)
            {
                throw Invalid($"JPEG: expected a marker at byte {position}");
            }

            var marker = image[position + 1];
            if (marker == 0xD9)
            {
                throw Invalid("JPEG: end of image before any scan");
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(image[(position + 2)..]);
            if (length < 2 || position + 2 + length > image.Length)
            {
                throw Invalid($"JPEG: segment at byte {position} claims {length} bytes, more than the file has");
            }

            var segment = image.Slice(position, 2 + length);
            if (marker is 0xC0 or 0xC1 or 0xC2)
            {
                if (length < 8)
                {
                    throw Invalid("JPEG: the frame header is too short");
                }

                var height = BinaryPrimitives.ReadUInt16BigEndian(segment[5..]);
                var width = BinaryPrimitives.ReadUInt16BigEndian(segment[7..]);
                CheckSize(width, height);
                sawFrame = true;
            }
            else if (marker is >= 0xC3 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                throw Invalid($"JPEG: frame type 0x{marker:X2} is not supported (baseline and progressive only)");
            }

            var keep = marker is not (0xFE or (>= 0xE1 and <= 0xED) or 0xEF);
            if (keep)
            {
                output.Write(segment);
            }

            position += 2 + length;
            if (marker == 0xDA)
            {
                if (!sawFrame)
                {
                    throw Invalid("JPEG: a scan before the frame header");
                }

                // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart (RST0-7).
                var start = position;
                while (position + 1 < image.Length && !(image[position] == 0xFF && image[position + 1] is not 0x00 and not (>= 0xD0 and <= 0xD7)))
                {
                    position++;
                }

                output.Write(image[start..position]);
                if (position + 1 >= image.Length)
                {
                    throw Invalid("JPEG: the file ends inside a scan, with no end-of-image marker");
                }

                if (image[position + 1] == 0xD9)
                {
                    if (position + 2 != image.Length)
                    {
                        throw Invalid($"JPEG: {image.Length - position - 2} byte(s) after the end-of-image marker");
                    }

                    output.Write(image[position..]);
                    return output.ToArray();
                }
            }
        }
    }

    private static void CheckSize(long width, long height)
    {
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide || width * height > MaxPixels)
        {
            throw Invalid($"the image is {width}×{height} pixels; at most {MaxSide} on a side and {MaxPixels:N0} pixels are accepted");
        }
    }

    private static InvalidScreenshotException Invalid(string message) => new(StatusCodes.Status415UnsupportedMediaType, message);
}

namespace AlertPipeline.Simulator;

/// <summary>
/// Draws a fake browser window (tab title, address bar, page text) as a PNG, standing in for the
/// screenshot a real agent captures with a concerning event. Same input, same bytes. Thread-safe.
/// </summary>
internal sealed class ScreenshotRenderer
{
    public const int Width = 640;
    public const int Height = 400;

    private const int Margin = 10;
    private const int TitleBarBottom = Margin + 26;
    private const int ToolbarBottom = TitleBarBottom + 30;
    private const int PageScale = 2;
    private const int PageLineHeight = (BitmapFont.GlyphHeight + 3) * PageScale;

    private static readonly Rgb Desktop = new(0x2D, 0x5F, 0x8A);
    private static readonly Rgb Frame = new(0x5F, 0x63, 0x68);
    private static readonly Rgb TitleBar = new(0xDE, 0xE1, 0xE6);
    private static readonly Rgb Toolbar = new(0xF1, 0xF3, 0xF4);
    private static readonly Rgb White = new(0xFF, 0xFF, 0xFF);
    private static readonly Rgb Ink = new(0x20, 0x21, 0x24);
    private static readonly Rgb Muted = new(0x5F, 0x63, 0x68);
    private static readonly Rgb Close = new(0xE8, 0x11, 0x23);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "A service: the generator holds one, or none when screenshots are off.")]
    public byte[] Render(string windowTitle, string url, string pageText)
    {
        ArgumentNullException.ThrowIfNull(windowTitle);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(pageText);

        var canvas = new Canvas(Width, Height);
        canvas.Fill(0, 0, Width, Height, Desktop);
        canvas.Fill(Margin - 1, Margin - 1, Width - Margin + 1, Height - Margin + 1, Frame);
        canvas.Fill(Margin, Margin, Width - Margin, TitleBarBottom, TitleBar);

        // The active tab, with the window title clipped to fit it.
        canvas.Fill(Margin + 8, Margin + 6, Margin + 330, TitleBarBottom, White);
        canvas.Text(Margin + 16, Margin + 13, Clip(windowTitle, 50), Ink, 1);
        canvas.Fill(Width - Margin - 22, Margin + 6, Width - Margin - 6, Margin + 20, Close);

        canvas.Fill(Margin, TitleBarBottom, Width - Margin, ToolbarBottom, Toolbar);
        canvas.Fill(Margin + 60, TitleBarBottom + 5, Width - Margin - 10, ToolbarBottom - 5, White);
        canvas.Text(Margin + 70, TitleBarBottom + 12, Clip(url, 85), Muted, 1);
        canvas.Text(Margin + 10, TitleBarBottom + 12, "< > O", Muted, 1);

        canvas.Fill(Margin, ToolbarBottom, Width - Margin, Height - Margin, White);
        var charsPerLine = (Width - (2 * Margin) - 40) / ((BitmapFont.GlyphWidth + 1) * PageScale);
        var maxLines = (Height - Margin - ToolbarBottom - 40) / PageLineHeight;
        var y = ToolbarBottom + 20;
        foreach (var line in Wrap(pageText, charsPerLine).Take(maxLines))
        {
            canvas.Text(Margin + 20, y, line, Ink, PageScale);
            y += PageLineHeight;
        }

        return PngEncoder.Encode(Width, Height, canvas.Scanlines);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 3), "...");

    /// <summary>Greedy word wrap; words longer than a line are cut.</summary>
    internal static IEnumerable<string> Wrap(string text, int width)
    {
        var line = string.Empty;
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = word;
            while (rest.Length > width)
            {
                if (line.Length > 0)
                {
                    yield return line;
                    line = string.Empty;
                }

                yield return rest[..width];
                rest = rest[width..];
            }

            if (line.Length == 0)
            {
                line = rest;
            }
            else if (line.Length + 1 + rest.Length <= width)
            {
                line += " " + rest;
            }
            else
            {
                yield return line;
                line = rest;
            }
        }

        if (line.Length > 0)
        {
            yield return line;
        }
    }

    private readonly record struct Rgb(byte R, byte G, byte B);

    /// <summary>RGB pixels stored directly as PNG scanlines (a filter byte of 0 before each row).</summary>
    private sealed class Canvas(int width, int height)
    {
        private readonly int _stride = PngEncoder.Stride(width);

        public byte[] Scanlines { get; } = new byte[PngEncoder.Stride(width) * height];

        public void Fill(int left, int top, int right, int bottom, Rgb colour)
        {
            for (var y = Math.Max(0, top); y < Math.Min(height, bottom); y++)
            {
                for (var x = Math.Max(0, left); x < Math.Min(width, right); x++)
                {
                    Set(x, y, colour);
                }
            }
        }

        public void Text(int left, int top, string text, Rgb colour, int scale)
        {
            var x = left;
            foreach (var c in text)
            {
                var glyph = BitmapFont.Glyph(c);
                for (var row = 0; row < BitmapFont.GlyphHeight; row++)
                {
                    for (var col = 0; col < BitmapFont.GlyphWidth; col++)
                    {
                        if ((glyph[row] & (0x10 >> col)) != 0)
                        {
                            Fill(x + (col * scale), top + (row * scale), x + ((col + 1) * scale), top + ((row + 1) * scale), colour);
                        }
                    }
                }

                x += (BitmapFont.GlyphWidth + 1) * scale;
            }
        }

        private void Set(int x, int y, Rgb colour)
        {
            var i = (y * _stride) + 1 + (x * 3);
            Scanlines[i] = colour.R;
            Scanlines[i + 1] = colour.G;
            Scanlines[i + 2] = colour.B;
        }
    }
}

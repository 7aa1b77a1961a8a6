using System.Globalization;
using System.Reflection;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace AlertPipeline.Reports.Pdf;

/// <summary>
/// PDFsharp finds no system fonts on Linux, and a report must look the same on every machine: DejaVu Sans (Bitstream
/// Vera licence, see Fonts/LICENSE-DejaVu.txt and NOTICE) is embedded in the assembly and served from here.
/// </summary>
internal sealed class EmbeddedFontResolver : IFontResolver
{
    public const string Family = "DejaVu Sans";

    private static readonly Lock Gate = new();

    /// <summary>PDFsharp allows setting the resolver once per process, before the first font is used.</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not EmbeddedFontResolver)
            {
                GlobalFontSettings.FontResolver = new EmbeddedFontResolver();
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "DejaVuSans-Bold" : "DejaVuSans", false, italic);

    public byte[]? GetFont(string faceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"AlertPipeline.Reports.Fonts.{faceName}.ttf")
            ?? throw new InvalidOperationException($"the font {faceName} is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>A column of a <see cref="ReportPdf.Table"/>: its heading, share of the width and alignment.</summary>
internal sealed record PdfColumn(string Heading, double Width, bool Right = false);

/// <summary>One bar of a <see cref="ReportPdf.BarChart"/>: a null value is a withheld count, drawn as a short hatched stub.</summary>
internal sealed record PdfBar(string Label, long? Value, string Display, long? Previous = null);

/// <summary>
/// Writes an A4 report top to bottom: headings, wrapped paragraphs, tables, horizontal bar charts and key figures,
/// breaking pages as it goes and numbering them at the end. Everything is vector text, so <c>pdftotext</c> reads it
/// back (the tests check the figures that way) and it prints sharply.
/// </summary>
internal sealed class ReportPdf : IDisposable
{
    private const double Margin = 48, PageWidth = 595, PageHeight = 842, Bottom = PageHeight - 56;
    private static readonly XColor Ink = XColor.FromArgb(0x1F, 0x2A, 0x37), Muted = XColor.FromArgb(0x5B, 0x67, 0x75);
    private static readonly XColor Accent = XColor.FromArgb(0x1D, 0x5B, 0x8F), Light = XColor.FromArgb(0xB7, 0xCD, 0xE2), Rule = XColor.FromArgb(0xD5, 0xDB, 0xE1);
    private static readonly XColor Band = XColor.FromArgb(0xF2, 0xF5, 0xF8);

    private readonly PdfDocument _document = new();
    private readonly string _footer;
    private readonly XFont _body, _bold, _small, _h1, _h2, _figure;
    private XGraphics? _gfx;
    private double _y;

    public ReportPdf(string title, string footer)
    {
        EmbeddedFontResolver.EnsureInstalled();
        _document.Info.Title = title;
        _document.Info.Creator = "AlertPipeline";
        _footer = footer;
        _body = new XFont(EmbeddedFontResolver.Family, 9.5);
        _bold = new XFont(EmbeddedFontResolver.Family, 9.5, XFontStyleEx.Bold);
        _small = new XFont(EmbeddedFontResolver.Family, 8);
        _h1 = new XFont(EmbeddedFontResolver.Family, 19, XFontStyleEx.Bold);
        _h2 = new XFont(EmbeddedFontResolver.Family, 12.5, XFontStyleEx.Bold);
        _figure = new XFont(EmbeddedFontResolver.Family, 20, XFontStyleEx.Bold);
        NewPage();
    }

    private static double Width => PageWidth - 2 * Margin;

    private XGraphics G => _gfx!;

    public void Title(string title, string subtitle)
    {
        G.DrawRectangle(new XSolidBrush(Accent), 0, 0, PageWidth, 6);
        G.DrawString(Fit(title, _h1, Width), _h1, new XSolidBrush(Ink), Margin, _y + 18);
        _y += 28;
        Paragraph(subtitle, muted: true);
        _y += 4;
    }

    /// <summary>A section heading; starts a new page when fewer than <paramref name="keepWith"/> points are left under it.</summary>
    public void Heading(string text, double keepWith = 90)
    {
        Ensure(keepWith + 28);
        _y += 8;
        G.DrawString(text, _h2, new XSolidBrush(Accent), Margin, _y + 12);
        _y += 17;
        G.DrawLine(new XPen(Rule, 0.7), Margin, _y, Margin + Width, _y);
        _y += 6;
    }

    public void Paragraph(string text, bool muted = false, bool small = false)
    {
        var font = small ? _small : _body;
        var lineHeight = font.Size * 1.35;
        foreach (var line in Wrap(text, font, Width))
        {
            Ensure(lineHeight);
            G.DrawString(line, font, new XSolidBrush(muted ? Muted : Ink), Margin, _y + font.Size);
            _y += lineHeight;
        }

        _y += 4;
    }

    /// <summary>Large figures side by side, each with a caption and a small note (e.g. the trend) under it.</summary>
    public void KeyFigures(IReadOnlyList<(string Figure, string Caption, string Note)> figures)
    {
        const double height = 62;
        Ensure(height + 8);
        var width = (Width - (figures.Count - 1) * 8) / figures.Count;
        for (var i = 0; i < figures.Count; i++)
        {
            var x = Margin + i * (width + 8);
            G.DrawRectangle(new XSolidBrush(Band), x, _y, width, height);
            G.DrawRectangle(new XSolidBrush(Accent), x, _y, 3, height);
            G.DrawString(figures[i].Figure, _figure, new XSolidBrush(Ink), x + 10, _y + 24);
            G.DrawString(Fit(figures[i].Caption, _bold, width - 14), _bold, new XSolidBrush(Ink), x + 10, _y + 39);
            G.DrawString(Fit(figures[i].Note, _small, width - 14), _small, new XSolidBrush(Muted), x + 10, _y + 52);
        }

        _y += height + 10;
    }

    public void Table(IReadOnlyList<PdfColumn> columns, IReadOnlyList<IReadOnlyList<string>> rows, string? empty = null)
    {
        const double rowHeight = 15;
        var total = columns.Sum(c => c.Width);
        var widths = columns.Select(c => c.Width / total * Width).ToArray();
        void Row(IReadOnlyList<string> cells, XFont font, bool shaded)
        {
            Ensure(rowHeight);
            if (shaded)
            {
                G.DrawRectangle(new XSolidBrush(Band), Margin, _y, Width, rowHeight);
            }

            var x = Margin;
            for (var i = 0; i < columns.Count; i++)
            {
                var text = Fit(i < cells.Count ? cells[i] : "", font, widths[i] - 8);
                var rect = new XRect(x + 4, _y + 2, widths[i] - 8, rowHeight - 2);
                G.DrawString(text, font, new XSolidBrush(Ink), rect, columns[i].Right ? XStringFormats.TopRight : XStringFormats.TopLeft);
                x += widths[i];
            }

            _y += rowHeight;
        }

        // Headings wrap onto a second line rather than being cut: "No further action" over a narrow number column.
        var headings = columns.Select((c, i) => Wrap(c.Heading, _bold, widths[i] - 8).ToList()).ToList();
        var lines = headings.Max(h => h.Count);
        Ensure(rowHeight * lines + rowHeight * Math.Min(2, rows.Count));
        for (var line = 0; line < lines; line++)
        {
            Row([.. headings.Select(h => line < h.Count ? h[line] : "")], _bold, false);
        }

        G.DrawLine(new XPen(Ink, 0.6), Margin, _y, Margin + Width, _y);
        if (rows.Count == 0 && empty is not null)
        {
            Row([empty], _body, false);
        }

        for (var i = 0; i < rows.Count; i++)
        {
            Row(rows[i], _body, i % 2 == 1);
        }

        _y += 8;
    }

    /// <summary>Horizontal bars, longest first as given; with previous-period values a thin lighter bar under each.</summary>
    public void BarChart(IReadOnlyList<PdfBar> bars, string? legend = null)
    {
        if (bars.Count == 0)
        {
            Paragraph("No alerts.", muted: true);
            return;
        }

        const double labelWidth = 150, row = 19, valueWidth = 42;
        var barWidth = Width - labelWidth - valueWidth;
        var max = Math.Max(1, bars.Max(b => Math.Max(b.Value ?? 0, b.Previous ?? 0)));
        Ensure(Math.Min(bars.Count, 4) * row + 10);
        foreach (var bar in bars)
        {
            Ensure(row);
            G.DrawString(Fit(bar.Label, _body, labelWidth - 6), _body, new XSolidBrush(Ink), Margin, _y + 12);
            var x = Margin + labelWidth;
            if (bar.Value is { } v)
            {
                var w = Math.Max(1.5, barWidth * v / max);
                G.DrawRectangle(new XSolidBrush(Accent), x, _y + 3, w, bar.Previous is null ? 12 : 9);
                G.DrawString(bar.Display, _bold, new XSolidBrush(Ink), x + w + 4, _y + 12);
            }
            else
            {
                // Withheld: a stub of fixed length that says nothing about the size, and the "<5"/"≥5" label.
                G.DrawRectangle(new XPen(Muted, 0.6), new XSolidBrush(Band), x, _y + 3, 10, bar.Previous is null ? 12 : 9);
                G.DrawString(bar.Display, _bold, new XSolidBrush(Muted), x + 14, _y + 12);
            }

            if (bar.Previous is { } p)
            {
                G.DrawRectangle(new XSolidBrush(Light), x, _y + 13, Math.Max(1.5, barWidth * p / max), 4);
            }

            _y += row;
        }

        if (legend is not null)
        {
            Paragraph(legend, muted: true, small: true);
        }

        _y += 4;
    }

    public void Space(double points) => _y += points;

    public void Save(Stream stream)
    {
        var count = _document.PageCount;
        _gfx?.Dispose();
        _gfx = null;
        for (var i = 0; i < count; i++)
        {
            using var gfx = XGraphics.FromPdfPage(_document.Pages[i], XGraphicsPdfPageOptions.Append);
            gfx.DrawLine(new XPen(Rule, 0.6), Margin, PageHeight - 40, PageWidth - Margin, PageHeight - 40);
            gfx.DrawString(Fit(_footer, _small, Width - 70, gfx), _small, new XSolidBrush(Muted), Margin, PageHeight - 28);
            gfx.DrawString(string.Create(CultureInfo.InvariantCulture, $"Page {i + 1} of {count}"), _small, new XSolidBrush(Muted),
                new XRect(Margin, PageHeight - 36, Width, 10), XStringFormats.TopRight);
        }

        _document.Save(stream);
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Save(stream);
        return stream.ToArray();
    }

    public void Dispose()
    {
        _gfx?.Dispose();
        _document.Dispose();
    }

    private void Ensure(double height)
    {
        if (_y + height > Bottom)
        {
            NewPage();
        }
    }

    private void NewPage()
    {
        _gfx?.Dispose();
        var page = _document.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        _gfx = XGraphics.FromPdfPage(page);
        _y = Margin;
    }

    private IEnumerable<string> Wrap(string text, XFont font, double width)
    {
        foreach (var paragraph in text.Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && G.MeasureString(candidate, font).Width > width)
                {
                    yield return line;
                    line = word;
                }
                else
                {
                    line = candidate;
                }
            }

            yield return line;
        }
    }

    private string Fit(string text, XFont font, double width, XGraphics? graphics = null)
    {
        var g = graphics ?? G;
        if (g.MeasureString(text, font).Width <= width)
        {
            return text;
        }

        var cut = text;
        while (cut.Length > 1 && g.MeasureString(cut + "…", font).Width > width)
        {
            cut = cut[..^1];
        }

        return cut + "…";
    }
}

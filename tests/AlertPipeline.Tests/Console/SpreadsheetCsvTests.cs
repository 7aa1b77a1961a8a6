using System.Globalization;
using AlertPipeline.ConsoleUi;
using CsvHelper;

namespace AlertPipeline.Tests.Console;

/// <summary>The console's CSV exports, written by CsvHelper: read back by a CSV reader, every field is what was written.</summary>
public sealed class SpreadsheetCsvTests
{
    [Fact]
    public void Write_CommasQuotesLineBreaksAndFormulas_ReadBackFieldForFieldWithFormulasDisarmed()
    {
        string[] header = ["pupil_name", "text", "detail", "plain"];
        string[] row = ["Smith, John", "she said \"don't tell\"\r\nthen left", "=HYPERLINK(\"http://x\",\"y\")", "Zoë"];

        var text = SpreadsheetCsv.Write(header, [row]);

        using var csv = new CsvReader(new StringReader(text), CultureInfo.InvariantCulture);
        Assert.True(csv.Read());
        Assert.Equal(header, csv.Parser.Record!);
        Assert.True(csv.Read());
        Assert.Equal(["Smith, John", "she said \"don't tell\"\r\nthen left", "'=HYPERLINK(\"http://x\",\"y\")", "Zoë"], csv.Parser.Record!);
        Assert.False(csv.Read());
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=1+2")]
    [InlineData("+44 7700 900123")]
    [InlineData("-cmd")]
    [InlineData("@SUM(A1)")]
    public void Write_FieldASpreadsheetWouldRun_GetsALeadingApostrophe(string field)
    {
        var text = SpreadsheetCsv.Write(["f"], [[field]]);

        using var csv = new CsvReader(new StringReader(text), CultureInfo.InvariantCulture);
        csv.Read();
        csv.Read();
        Assert.Equal("'" + field, csv.Parser.Record![0]);
    }
}

using System.Text;
using AlertPipeline.Detection.Explanation;

namespace AlertPipeline.Detection.Tests.Explanation;

public sealed class SnippetTests
{
    [Fact]
    public void Build_EveryCharacter_ControlAndLineSeparatorsShownAsSpaces()
    {
        var builder = new StringBuilder();
        for (var c = (char)0; c < char.MaxValue; c++)
        {
            var expected = char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c;
            Assert.Equal($"{expected} [x] {expected}", Snippet.Build($"{c} x {c}", [(2, 1)], builder));
        }
    }

    [Fact]
    public void Build_OverlappingAndTouchingSpans_MergeIntoOneBracketEach()
    {
        var spans = new List<(int Start, int Length)> { (10, 4), (0, 3), (2, 3), (10, 6), (20, 0) };
        Assert.Equal("[abcde]fghij[klmnop]qrstuvwxyz", Snippet.Build("abcdefghijklmnopqrstuvwxyz", spans, new StringBuilder()));
    }
}

using AlertPipeline.Detection.Normalization;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Normalization;

public sealed class GluedWordsTests
{
    private static readonly GluedWords Words = new([" paracetamol ", " kms ", " faggots and peas "]);

    /// <summary>The text the segmented variant scans: the normalised text with a space at every split point.</summary>
    private static string Segmented(string text)
    {
        var buffer = new NormalizedBuffer();
        TextNormalizer.Normalize(text, buffer);
        var points = new List<int>();
        if (!Words.FindSplitPoints(buffer, points))
        {
            return new string(buffer.Text);
        }

        var target = new NormalizedBuffer();
        TextNormalizer.Split(buffer, target, points);
        return new string(target.Text);
    }

    [Theory]
    [InlineData("h_o_w_m_a_n_y_p_a_r_a_c_e_t_a_m_o_l_t_o_d_i_e", "how many paracetamol to die")] // a list word the dictionary lacks
    [InlineData("r_a_z_o_r_o_n_m_y_a_r_m_a_g_a_i_n", "razor on my arm again")]
    [InlineData("d_o_n_t_t_e_l_l_y_o_u_r_p_a_r_e_n_t_s", "dont tell your parents")]
    [InlineData("k_m_s_t_h_i_s_i_s_t_o_o_m_u_c_h", "kms this is too much")]
    [InlineData("t_h_e_r_a_p_i_s_t", "therapist")] // fewest words: not "the rapist"
    [InlineData("f_a_g_g_o_t_s_a_n_d_p_e_a_s", "faggots and peas")] // ties: the commonest words, not "faggot sand peas"
    [InlineData("I W A N T T O D I E", "i want to die")] // spaced capitals are joined the same way
    [InlineData("z_x_q_v_w_t_h_e_m", "zxqvw them")] // unknown letters stay one word
    public void FindSplitPoints_LetterByLetterRun_ReadsTheFewestKnownWords(string text, string expected) =>
        Assert.Equal(expected, Segmented(text));

    [Theory]
    [InlineData("i want to die")] // nothing joined
    [InlineData("k_i_l_l")] // a joined run shorter than six letters
    [InlineData("s u i c i d e")] // one known word
    [InlineData("kill\u200Bmyself now")] // one join inside ordinary words: the glued variant's case, not a letter-by-letter run
    public void FindSplitPoints_NoLetterByLetterRun_LeavesTheTextAlone(string text)
    {
        var buffer = new NormalizedBuffer();
        TextNormalizer.Normalize(text, buffer);
        Assert.False(Words.FindSplitPoints(buffer, []));
    }

    [Fact]
    public void Dictionary_IsEmbedded() => Assert.True(GluedWords.Dictionary.Count > 60_000, $"{GluedWords.Dictionary.Count} words");

    /// <summary>
    /// A spaced-out ordinary word is never split: every dictionary word of six letters or more, written letter by
    /// letter with underscores, is read as itself (one word always costs less than two).
    /// </summary>
    [Fact]
    public void FindSplitPoints_EveryDictionaryWordSpelledOut_StaysOneWord()
    {
        var buffer = new NormalizedBuffer();
        var points = new List<int>();
        var checkedWords = 0;
        var split = new List<string>();
        foreach (var word in GluedWords.Dictionary.Where(w => w.Length >= GluedWords.MinRunLetters))
        {
            TextNormalizer.Normalize(string.Join('_', word.ToCharArray()), buffer);
            if (new string(buffer.Text) != word)
            {
                continue; // the normaliser reads it otherwise (a leet or a/i/u reading): not this class's case
            }

            checkedWords++;
            if (Words.FindSplitPoints(buffer, points))
            {
                split.Add(word);
            }
        }

        Assert.True(checkedWords > 40_000, $"only {checkedWords} words checked");
        Assert.Empty(split);
    }

    /// <summary>
    /// End to end with the seed lists: a regex entry, a context-requiring word and a combination, all read in a
    /// sentence glued letter by letter. Each was missed before the segmented variant (the glued variant only
    /// matches phrases whose spaces fall on join points, and runs no regex).
    /// </summary>
    [Theory]
    [InlineData("h_o_w_m_a_n_y_p_a_r_a_c_e_t_a_m_o_l_t_o_d_i_e", "suicide", Severity.Urgent)]
    [InlineData("r_a_z_o_r_o_n_m_y_a_r_m_a_g_a_i_n", "self-harm", Severity.High)]
    [InlineData("d_o_n_t_t_e_l_l_y_o_u_r_p_a_r_e_n_t_s_a_b_o_u_t_u_s_o_k", "child-sexual-exploitation", Severity.High)]
    public void Scan_SentenceGluedLetterByLetter_FlaggedAsItsPlainForm(string text, string category, Severity atLeast)
    {
        var result = Some.SeedDetector.Scan(text, SourceKinds.Chat);
        Assert.True(result.Flagged, $"'{text}' not flagged");
        Assert.Contains(category, result.Categories);
        Assert.True(result.Severity >= atLeast, $"{result.Severity}");
        Assert.All(result.Matches, m => Assert.InRange(m.Start + m.Length, 1, text.Length)); // offsets in the original
    }
}

using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace AlertPipeline.Detection.Normalization;

/// <summary>
/// What one non-ASCII code point becomes before tokenising: NFKC, homoglyph to Latin, case fold,
/// diacritics stripped, emoji to a word. The result is a string of final characters where
/// <c>' '</c> is a separator and every other character is a word character (letter or digit);
/// an empty string means "invisible: remove without ending the word".
/// </summary>
internal static class CharFolding
{
    /// <summary>
    /// Characters drawn like a Latin letter in another script. Applied case-sensitively before
    /// lower-casing because e.g. Greek capital Eta (Η) looks like "H" but its lower case (η) looks like "n".
    /// Only shapes a reader would take for the Latin letter are listed: a false mapping could invent a word.
    /// </summary>
    private static readonly FrozenDictionary<int, char> Homoglyphs = new Dictionary<int, char>
    {
        // Cyrillic capitals
        ['А'] = 'a', ['В'] = 'b', ['Е'] = 'e', ['Ё'] = 'e', ['К'] = 'k', ['М'] = 'm', ['Н'] = 'h', ['О'] = 'o',
        ['Р'] = 'p', ['С'] = 'c', ['Т'] = 't', ['У'] = 'y', ['Х'] = 'x', ['Ѕ'] = 's', ['І'] = 'i', ['Ї'] = 'i',
        ['Ј'] = 'j', ['Ԁ'] = 'd', ['Ԍ'] = 'g', ['Ү'] = 'y', ['Ӏ'] = 'l', ['Ԛ'] = 'q', ['Ԝ'] = 'w',
        // Cyrillic small
        ['а'] = 'a', ['в'] = 'b', ['е'] = 'e', ['ё'] = 'e', ['к'] = 'k', ['м'] = 'm', ['н'] = 'h', ['о'] = 'o',
        ['р'] = 'p', ['с'] = 'c', ['т'] = 't', ['у'] = 'y', ['х'] = 'x', ['ѕ'] = 's', ['і'] = 'i', ['ї'] = 'i',
        ['ј'] = 'j', ['ԁ'] = 'd', ['ԍ'] = 'g', ['ү'] = 'y', ['ӏ'] = 'l', ['ԛ'] = 'q', ['ԝ'] = 'w', ['һ'] = 'h',
        ['ь'] = 'b', ['п'] = 'n', ['г'] = 'r',
        // Greek capitals
        ['Α'] = 'a', ['Β'] = 'b', ['Ε'] = 'e', ['Ζ'] = 'z', ['Η'] = 'h', ['Ι'] = 'i', ['Κ'] = 'k', ['Μ'] = 'm',
        ['Ν'] = 'n', ['Ο'] = 'o', ['Ρ'] = 'p', ['Τ'] = 't', ['Υ'] = 'y', ['Χ'] = 'x',
        // Greek small
        ['α'] = 'a', ['ε'] = 'e', ['ι'] = 'i', ['κ'] = 'k', ['ν'] = 'v', ['ο'] = 'o', ['ρ'] = 'p', ['τ'] = 't',
        ['υ'] = 'u', ['χ'] = 'x', ['ω'] = 'w', ['η'] = 'n', ['γ'] = 'y', ['ς'] = 'c',
        // Latin look-alikes that NFKC keeps
        ['ı'] = 'i', ['ł'] = 'l', ['ø'] = 'o', ['đ'] = 'd', ['ħ'] = 'h', ['ŧ'] = 't', ['ƅ'] = 'b',
        ['Ł'] = 'l', ['Ø'] = 'o', ['Đ'] = 'd', ['Ħ'] = 'h', ['Ŧ'] = 't',
        ['ɑ'] = 'a', ['ɡ'] = 'g', ['ɪ'] = 'i', ['ʟ'] = 'l', ['ɴ'] = 'n', ['ʀ'] = 'r', ['ꜱ'] = 's', ['ᴛ'] = 't',
        ['ᴀ'] = 'a', ['ʙ'] = 'b', ['ᴄ'] = 'c', ['ᴅ'] = 'd', ['ᴇ'] = 'e', ['ɢ'] = 'g', ['ʜ'] = 'h', ['ᴊ'] = 'j',
        ['ᴋ'] = 'k', ['ᴍ'] = 'm', ['ᴏ'] = 'o', ['ᴘ'] = 'p', ['ᴜ'] = 'u', ['ᴠ'] = 'v', ['ᴡ'] = 'w', ['ʏ'] = 'y',
        ['ᴢ'] = 'z',
    }.ToFrozenDictionary();

    /// <summary>
    /// Emoji that pupils use in place of a word a list may hold. Each becomes the word with
    /// separators around it, so "get🔪now" reads "get knife now" and never glues to its neighbours.
    /// Emoji not listed are separators. Deliberately literal: 💀 is "skull", not "dead", because
    /// "💀" in teen chat means laughing.
    /// </summary>
    internal static readonly FrozenDictionary<int, string> EmojiWords = new Dictionary<int, string>
    {
        [0x1F52A] = "knife", // 🔪
        [0x1F5E1] = "dagger", // 🗡
        [0x1F52B] = "gun", // 🔫
        [0x1F48A] = "pills", // 💊
        [0x1F489] = "needle", // 💉
        [0x1FA78] = "blood", // 🩸
        [0x1FAA2] = "rope", // 🪢
        [0x1F480] = "skull", // 💀
        [0x2620] = "skull", // ☠
        [0x26B0] = "coffin", // ⚰
        [0x1FAA6] = "grave", // 🪦
        [0x1F4A3] = "bomb", // 💣
        [0x1F9E8] = "dynamite", // 🧨
        [0x1FA93] = "axe", // 🪓
        [0x2702] = "scissors", // ✂
        [0x1FA92] = "razor", // 🪒
        [0x1F6AC] = "cigarette", // 🚬
        [0x1F343] = "weed", // 🍃
        [0x1F33F] = "herb", // 🌿
        [0x1F344] = "mushroom", // 🍄
        [0x2744] = "snowflake", // ❄ (cocaine slang)
        [0x1F37E] = "alcohol", // 🍾
        [0x1F37A] = "beer", // 🍺
        [0x1F346] = "aubergine", // 🍆
        [0x1F351] = "peach", // 🍑
        [0x1F4A6] = "splash", // 💦
        [0x1F595] = "middle finger", // 🖕
        [0x1FA79] = "bandage", // 🩹
        [0x1F3B0] = "slot machine", // 🎰
        [0x1F3B2] = "dice", // 🎲
        [0x1F4B0] = "money bag", // 💰
        [0x1F6A8] = "siren", // 🚨
    }.ToFrozenDictionary();

    /// <summary>Lazily filled: BMP folds are computed once per character and then read without locks (reference writes are atomic).</summary>
    private static readonly string?[] BmpCache = new string?[0x10000];

    private static readonly ConcurrentDictionary<int, string> AstralCache = new();

    public static string Fold(int codePoint)
    {
        if (codePoint < 0x10000)
        {
            return BmpCache[codePoint] ??= Compute(codePoint);
        }

        return AstralCache.GetOrAdd(codePoint, Compute);
    }

    /// <summary>True for characters that draw nothing and are used to split words invisibly.</summary>
    public static bool IsInvisible(int cp) =>
        cp is 0x00AD or 0x034F or 0x061C or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x180E or 0x3164 or 0xFEFF or 0xFFA0
        || cp is >= 0x200B and <= 0x200F
        || cp is >= 0x202A and <= 0x202E
        || cp is >= 0x2060 and <= 0x206F
        || cp is >= 0xFE00 and <= 0xFE0F // variation selectors
        || cp is >= 0xE0000 and <= 0xE0FFF // tags, variation selectors supplement
        || cp is >= 0x1F3FB and <= 0x1F3FF; // skin tone modifiers

    private static string Compute(int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF)
        {
            // A lone surrogate (a malformed string, or a pair split by "s p a c i n g" an emoji): draws nothing a
            // keyword could contain, and char.ConvertFromUtf32 would throw on it.
            return " ";
        }

        if (IsInvisible(cp))
        {
            return string.Empty;
        }

        if (EmojiWords.TryGetValue(cp, out var word))
        {
            return " " + word + " ";
        }

        if (Homoglyphs.TryGetValue(cp, out var glyph))
        {
            return glyph.ToString();
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
        {
            return string.Empty;
        }

        // ß and friends need full case folding, which ToLowerInvariant does not do.
        if (cp is 0x00DF or 0x1E9E)
        {
            return "ss";
        }

        var text = char.ConvertFromUtf32(cp);
        string compat;
        try
        {
            compat = text.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // A lone surrogate or unassigned code point: nothing a keyword could contain.
            return " ";
        }

        var builder = new StringBuilder(compat.Length);
        foreach (var c in compat.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark || IsInvisible(c))
            {
                continue;
            }

            var folded = Homoglyphs.TryGetValue(c, out var g) ? char.ToLowerInvariant(g) : c;
            if (folded == '\u00DF')
            {
                builder.Append("ss");
            }
            else if (char.IsLetterOrDigit(folded) && !char.IsSurrogate(folded))
            {
                builder.Append(folded);
            }
            else if (folded is '\'' or '\u2019')
            {
                builder.Append('\'');
            }
            else
            {
                builder.Append(' ');
            }
        }

        var result = builder.ToString();
        return result.Length == 0 ? " " : result;
    }
}

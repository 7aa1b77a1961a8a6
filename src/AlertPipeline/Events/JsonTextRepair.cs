using System.Text;

namespace AlertPipeline.Events;

/// <summary>
/// Repairs the two text faults agents really produce, so the event is kept instead of failing its whole batch:
/// invalid UTF-8 (a byte cut mid-character) and an unpaired UTF-16 surrogate escape (<c>"\ud83d"</c>, text cut
/// mid-emoji). Each bad sequence becomes U+FFFD, the replacement character; nothing else changes. Pure.
/// <para>
/// System.Text.Json refuses both when it turns a value into a string, and before this repair that refusal escaped
/// as an empty-bodied 500 for the whole batch, which the agent retried for ever.
/// </para>
/// </summary>
internal static class JsonTextRepair
{
    private static readonly byte[] Replacement = "\\ufffd"u8.ToArray();

    /// <summary>The JSON with bad text replaced, or the same memory when nothing needed repair (the common case, no copy).</summary>
    public static ReadOnlyMemory<byte> Repair(ReadOnlyMemory<byte> json, out bool repaired)
    {
        repaired = false;
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
        {
            // The decoder's default fallback turns each invalid sequence into U+FFFD.
            json = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json.Span));
            repaired = true;
        }

        if (json.Span.IndexOf("\\u"u8) < 0 && json.Span.IndexOf("\\U"u8) < 0)
        {
            return json;
        }

        byte[]? copy = null;
        var span = json.Span;
        var inString = false;
        for (var i = 0; i < span.Length; i++)
        {
            var b = span[i];
            if (b == (byte)'"')
            {
                inString = !inString;
                continue;
            }

            if (!inString || b != (byte)'\\' || i + 1 >= span.Length)
            {
                continue;
            }

            if (span[i + 1] is not ((byte)'u' or (byte)'U') || !TryHex(span, i + 2, out var unit))
            {
                i++; // Any other escape (\" \\ \n ...) is two bytes; skipping both keeps \\u from looking like \u.
                continue;
            }

            if (char.IsHighSurrogate((char)unit) && i + 11 < span.Length && span[i + 6] == (byte)'\\'
                && span[i + 7] is (byte)'u' or (byte)'U' && TryHex(span, i + 8, out var low) && char.IsLowSurrogate((char)low))
            {
                i += 11; // A proper pair.
                continue;
            }

            if (char.IsSurrogate((char)unit))
            {
                // "\udXXX" and "\ufffd" are both six bytes: patched in place, offsets of everything else unchanged.
                copy ??= span.ToArray();
                Replacement.CopyTo(copy.AsSpan(i));
                repaired = true;
            }

            i += 5;
        }

        return copy ?? json;
    }

    private static bool TryHex(ReadOnlySpan<byte> span, int start, out int value)
    {
        value = 0;
        if (start + 4 > span.Length)
        {
            return false;
        }

        for (var k = start; k < start + 4; k++)
        {
            var digit = HexValue(span[k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}

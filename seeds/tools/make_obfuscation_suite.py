#!/usr/bin/env python3
"""Generate tests/suites/obfuscation.csv: obfuscated variants of phrases the lists flag.

Each row's notes hold `plain=<phrase>; <technique>`: the plain phrase is what the engine's
normaliser should recover (check_lists.py matches the plain form to confirm the LISTS cover it;
the engine's tests check that the normaliser gets from text to plain form). Deterministic, stdlib only:
    python3 seeds/tools/make_obfuscation_suite.py > tests/suites/obfuscation.csv
"""
import csv
import sys

# (plain phrase, source, expected category, expected minimum severity)
BASE = [
    ("kill myself", "chat", "suicide", "urgent"),
    ("i want to die", "chat", "suicide", "urgent"),
    ("suicide", "search", "suicide", "medium"),
    ("kms", "chat", "suicide", "high"),
    ("unalive myself", "chat", "suicide", "urgent"),
    ("how many paracetamol to die", "search", "suicide", "high"),
    ("end my life", "typed", "suicide", "urgent"),
    ("better off dead", "chat", "suicide", "urgent"),
    ("cut myself", "chat", "self-harm", "urgent"),
    ("self harm", "search", "self-harm", "medium"),
    ("thinspo", "search", "self-harm", "high"),
    ("kill yourself", "chat", "bullying", "urgent"),
    ("kys", "chat", "bullying", "urgent"),
    ("nobody likes you", "chat", "bullying", "high"),
    ("send nudes", "chat", "child-sexual-exploitation", "urgent"),
    ("our little secret", "chat", "child-sexual-exploitation", "urgent"),
    ("send me nudes", "chat", "child-sexual-exploitation", "urgent"),
    ("weed", "chat", "drugs", "medium"),
    ("ketamine", "search", "drugs", "medium"),
    ("cocaine", "search", "drugs", "medium"),
    ("zombie knife", "search", "weapons", "high"),
    ("knuckle duster", "search", "weapons", "high"),
    ("i'll kill you", "chat", "violence", "urgent"),
    ("shoot up the school", "chat", "violence", "critical"),
    ("white genocide", "chat", "extremism", "high"),
    ("heil hitler", "chat", "extremism", "medium"),
    ("nigger", "chat", "hate-speech", "high"),
    ("faggot", "chat", "hate-speech", "high"),
    ("paki", "chat", "hate-speech", "high"),
    ("retard", "chat", "discrimination", "high"),
    ("porn", "search", "pornography", "high"),
    ("pornhub", "search", "pornography", "high"),
    ("bet365", "search", "gambling", "medium"),
    ("fake id", "search", "illegal", "medium"),
    ("fuck", "chat", "offensive-language", "low"),
    ("cunt", "chat", "offensive-language", "medium"),
]

LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "g": "9"}
LEET2 = {"a": "@", "i": "!", "s": "$", "o": "0", "e": "€"}
CYR = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "k": "к"}  # Cyrillic
GRK = {"o": "ο", "i": "ι", "k": "κ", "n": "η", "v": "ν", "t": "τ", "a": "α", "u": "υ"}  # Greek
ZW = ["\u200b", "\u200d", "\u200c", "\u2060"]


def leet(s):
    return "".join(LEET.get(c, c) for c in s)


def leet2(s):
    return "".join(LEET2.get(c, c) for c in s)


def spaced(s):
    return " ".join(s.replace(" ", "  ")).replace("     ", "   ")


def dotted(s):
    return " ".join(".".join(w) for w in s.split())


def stretched(s):
    out = []
    for w in s.split():
        vowels = [i for i, c in enumerate(w) if c in "aeiouy"]
        i = vowels[-1] if vowels else len(w) - 1
        out.append(w[:i] + w[i] * 5 + w[i + 1:])
    return " ".join(out)


def homoglyph(table):
    def f(s):
        return "".join(table.get(c, c) for c in s)
    return f


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def zero_width(s):
    out = []
    for w in s.split():
        mid = max(1, len(w) // 2)
        out.append(w[:mid] + ZW[len(w) % len(ZW)] + w[mid:])
    return " ".join(out)


def mixed_case(s):
    return "".join(c.upper() if i % 2 else c for i, c in enumerate(s))


def underscores(s):
    return "_".join(s.replace(" ", "")) if len(s) < 12 else s.replace(" ", "_")


def combo(s):
    return mixed_case(leet(s)).replace("1", "1", 1)


TECHNIQUES = [
    ("leet", leet), ("leet-symbols", leet2), ("spaced", spaced), ("dotted", dotted),
    ("stretched", stretched), ("cyrillic", homoglyph(CYR)), ("greek", homoglyph(GRK)),
    ("fullwidth", fullwidth), ("zero-width", zero_width), ("mixed-case", mixed_case),
    ("underscores", underscores), ("leet+mixed-case", combo),
]

EMOJI = [
    ("zombie 🔪", "zombie knife", "search", "weapons", "high", "emoji 🔪 -> knife"),
    ("where can i buy a 🔫", "where can i buy a gun", "search", "weapons", "urgent", "emoji 🔫 -> gun"),
    ("buy a 🔪 online", "buy a knife online", "search", "weapons", "urgent", "emoji 🔪 -> knife"),
    ("gonna take all my 💊 tonight", "gonna take all my pills tonight", "chat", "suicide", "critical", "emoji 💊 -> pills"),
    ("i want to die 💀💀💀", "i want to die", "chat", "suicide", "urgent", "emoji decoration"),
    ("kys 🤡", "kys", "chat", "bullying", "urgent", "emoji decoration"),
    ("kill 🫵 yourself", "kill yourself", "chat", "bullying", "urgent", "emoji inside phrase (pointing)"),
    ("send n🍑des", "send nudes", "chat", "child-sexual-exploitation", "urgent", "emoji replacing a letter"),
    ("🔪 kill myself 🔪", "kill myself", "chat", "suicide", "urgent", "emoji decoration"),
    ("i'll 🔫 you", "i'll shoot you", "chat", "violence", "urgent", "emoji 🔫 in verb position -> shoot (needs the engine to map the emoji to a verb, which plain emoji->word mapping will not)"),
    ("❄️ and 💊 for sale", "coke and pills for sale", "chat", "drugs", "urgent", "emoji ❄️ -> coke (snow), 💊 -> pills (needs engine emoji mapping)"),
    ("🍃 plug hmu", "weed plug hmu", "chat", "drugs", "urgent", "emoji 🍃 -> weed (needs engine emoji mapping)"),
]

EXTRA = [
    ("k1ll mys3lf", "kill myself", "chat", "suicide", "urgent", "leet (brief's example)"),
    ("s u i c i d e", "suicide", "search", "suicide", "medium", "spacing (brief's example)"),
    ("diiiie", "die", "chat", "", "", "stretched single word: 'die' alone is not listed (benign by design)"),
    ("i wanna diiiiie", "i wanna die", "chat", "suicide", "urgent", "stretched"),
    ("KMS", "kms", "chat", "suicide", "high", "upper case"),
    ("KyS", "kys", "chat", "bullying", "urgent", "mixed case"),
    ("s.u.i.c.i.d.e", "suicide", "search", "suicide", "medium", "dots"),
    ("self-h4rm", "self harm", "search", "self-harm", "medium", "leet + hyphen"),
    ("un4l1ve mys3lf", "unalive myself", "chat", "suicide", "urgent", "leet"),
    ("p0rnhub", "pornhub", "url", "pornography", "high", "leet"),
    ("n1gg3r", "nigger", "chat", "hate-speech", "high", "leet"),
    ("f4gg0t", "faggot", "chat", "hate-speech", "high", "leet"),
    ("r3t4rd", "retard", "chat", "discrimination", "high", "leet"),
    ("sh4nk", "shank", "chat", "weapons", "medium", "leet"),
    ("z0mb1e kn1fe", "zombie knife", "search", "weapons", "high", "leet"),
    ("k3t", "ket", "chat", "drugs", "medium", "leet"),
    ("w33d", "weed", "chat", "drugs", "medium", "leet"),
    ("c0ca1ne", "cocaine", "chat", "drugs", "medium", "leet"),
    ("1488", "1488", "chat", "extremism", "high", "numeric code (not obfuscated: listed as is)"),
    ("h1tl3r d1d n0th1ng wr0ng", "hitler did nothing wrong", "chat", "extremism", "high", "leet"),
    ("b3t365", "bet365", "url", "gambling", "medium", "leet"),
    ("g0 d1e", "go die", "chat", "bullying", "high", "leet"),
    ("n o b o d y   l i k e s   y o u", "nobody likes you", "chat", "bullying", "high", "spacing"),
    ("ｋｉｌｌ ｙｏｕｒｓｅｌｆ", "kill yourself", "chat", "bullying", "urgent", "fullwidth"),
    ("ѕuісіdе", "suicide", "search", "suicide", "medium", "Cyrillic look-alikes (ѕ і с е)"),
    ("ρornhub", "pornhub", "url", "pornography", "high", "Greek rho for p"),
    ("s\u00adu\u00adi\u00adc\u00adi\u00add\u00ade", "suicide", "search", "suicide", "medium", "soft hyphens"),
    ("kill\u200bmyself", "kill myself", "chat", "suicide", "urgent", "zero-width space instead of space"),
]


def main():
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["text", "source", "expected_categories", "expected_min_severity", "notes"])
    seen = set()
    for plain, src, cat, sev in BASE:
        for name, f in TECHNIQUES:
            text = f(plain)
            if text == plain or text in seen:
                continue
            seen.add(text)
            w.writerow([text, src, cat, sev, f"plain={plain}; {name}"])
    for text, plain, src, cat, sev, note in EMOJI + EXTRA:
        w.writerow([text, src, cat, sev, f"plain={plain}; {note}"])


if __name__ == "__main__":
    main()

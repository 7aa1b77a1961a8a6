#!/usr/bin/env python3
"""Builds seeds/dictionary/english-words.txt from Debian's wamerican (SCOWL) word list.

The detector reads letter-by-letter glued text ("h_o_w_m_a_n_y_p_i_l_l_s") back into words with it; see
docs/decisions/0004-detection-engine.md. Lower-case words of two or more letters a-z, plus contractions with the
apostrophe removed ("don't" -> "dont"); possessives ("dog's") are left out. Of the two-letter entries only real words
are kept (SCOWL also lists abbreviations such as "wt", "cm", "pp", which would let a split read any two letters as
a word). Sorted, one per line.

Usage: python3 seeds/tools/build_dictionary.py [/usr/share/dict/american-english]
"""
import re
import sys
from pathlib import Path

source = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dict/american-english")
target = Path(__file__).resolve().parent.parent / "dictionary" / "english-words.txt"
TWO_LETTER_WORDS = set("ad ah am an as at aw ax ay be by do eh go ha he hi hm if in is it me my no of oh ok on or ow ox "
                       "so to uh um up us we ya ye yo".split())
words = set()
for line in source.read_text(encoding="utf-8").splitlines():
    if re.fullmatch(r"[a-z]{2,}", line) and (len(line) > 2 or line in TWO_LETTER_WORDS):
        words.add(line)
    elif re.fullmatch(r"(?:[a-z]+|I)'[a-z]+", line) and not line.endswith("'s"):
        words.add(line.replace("'", "").lower())
target.write_text("".join(w + "\n" for w in sorted(words)), encoding="utf-8")
print(f"{target}: {len(words)} words from {source}")

#!/usr/bin/env python3
"""Builds seeds/dictionary/frequent-words.txt: the 3,000 commonest words of ordinary English text, commonest first.

The word-head prefilter (docs/decisions/0004-detection-engine.md) anchors each list phrase on one of its words and
prefers a rare one ("how to die" on "die", not "how"), so that everyday text passes it without a second look. The
choice changes only speed, never what is flagged. Counted over the same benign corpus as probe_benign_corpus.py
(Debian READMEs, NEWS, changelogs and copyright files under /usr/share/doc) plus the benign-school suite's texts;
only words of seeds/dictionary/english-words.txt are kept.

Usage: python3 seeds/tools/build_frequent_words.py [--docs /usr/share/doc] [--count 3000]
"""
import argparse
import collections
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from probe_benign_corpus import build_corpus  # noqa: E402

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", default="/usr/share/doc")
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()
    dictionary_path = os.path.join(REPO, "seeds", "dictionary", "english-words.txt")
    with open(dictionary_path, encoding="utf-8") as f:
        dictionary = set(f.read().split())
    suite = os.path.join(REPO, "tests", "suites", "benign-school.csv")
    sentences, _ = build_corpus(args.docs, None, per_file=40)
    with open(suite, encoding="utf-8", newline="") as f:
        sentences += [row["text"] for row in csv.DictReader(f)]
    counts = collections.Counter()
    for sentence in sentences:
        for word in WORD.findall(sentence.lower()):
            word = word.replace("'", "")
            if word in dictionary:
                counts[word] += 1
    top = [word for word, _ in counts.most_common(args.count)]
    target = os.path.join(REPO, "seeds", "dictionary", "frequent-words.txt")
    with open(target, "w", encoding="utf-8") as f:
        f.write("".join(word + "\n" for word in top))
    print(f"{target}: {len(top)} words from {len(sentences)} sentences")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The "plain profanity list" baseline of issue 3's targets, measured on the data this project has.

    python3 seeds/tools/baseline_profanity.py [--davidson ../shared/eval/davidson_labeled_data.csv]

What many schools get today: a public profanity list matched as whole words, case-insensitively, with no
normalisation (no leet, spacing, look-alikes) and no categories, context or allow-list. Two lists are tried:
LDNOOBW (403 words) and surge-ai's profanity list (1,598 entries), both from ../shared/reference-lists. Each
is scored like `alertpipeline eval` scores "flagged at all": on the concerning and obfuscation suites every
text should flag (recall), on the benign-school suite none should (false alarms), and on the Davidson tweets
hate speech and offensive language should flag and "neither" should not (precision and recall). Compare with
the `(flagged at all)` rows of scripts/detection-quality.sh. Stdlib only.
"""
import argparse
import csv
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REFERENCE = os.path.join(REPO, "..", "shared", "reference-lists")


def ldnoobw():
    with open(os.path.join(REFERENCE, "ldnoobw_en.txt"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def surge():
    with open(os.path.join(REFERENCE, "surge_profanity_en.csv"), encoding="utf-8", newline="") as f:
        return [row["text"].strip() for row in csv.DictReader(f) if row["text"].strip()]


def matcher(words):
    alternatives = sorted({w.lower() for w in words}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in alternatives) + r")(?![\w])", re.IGNORECASE)
    return lambda text: pattern.search(text) is not None


def suite(name):
    with open(os.path.join(REPO, "tests", "suites", name + ".csv"), encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davidson", default=os.path.join(REPO, "..", "shared", "eval", "davidson_labeled_data.csv"))
    args = parser.parse_args()
    tweets = []
    if os.path.exists(args.davidson):
        with open(args.davidson, encoding="utf-8", newline="") as f:
            tweets = [(row["tweet"], row["class"] != "2") for row in csv.DictReader(f)]
    for name, words in (("LDNOOBW", ldnoobw()), ("surge-ai profanity", surge())):
        flags = matcher(words)
        print(f"{name} ({len(words)} entries), whole words, no normalisation")
        for suite_name in ("concerning", "obfuscation"):
            texts = suite(suite_name)
            hits = sum(flags(t) for t in texts)
            print(f"  {suite_name + '.csv':18} flagged {hits:5} of {len(texts):5}  recall {hits / len(texts):.3f}")
        benign = suite("benign-school")
        false_alarms = sum(flags(t) for t in benign)
        print(f"  {'benign-school.csv':18} flagged {false_alarms:5} of {len(benign):5}  (false alarms)")
        if tweets:
            tp = sum(1 for t, positive in tweets if positive and flags(t))
            fp = sum(1 for t, positive in tweets if not positive and flags(t))
            fn = sum(1 for t, positive in tweets if positive and not flags(t))
            print(f"  {'Davidson tweets':18} TP {tp} FP {fp} FN {fn}  precision {tp / (tp + fp):.3f}  recall {tp / (tp + fn):.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Score the lists on the Davidson et al. labelled tweets with the quick matcher (no normaliser).

    python3 seeds/tools/eval_davidson.py [/work/shared/eval/davidson_labeled_data.csv]

class 0 hate speech, 1 offensive, 2 neither. Reports, per class, the share of tweets that alert
in hate-speech / discrimination / offensive-language / any category. Tweets are not pupils' text:
treat this as a sanity check of the slur and profanity lists, nothing more. Stdlib only.
"""
import csv
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_lists import Quick, load  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/eval/davidson_labeled_data.csv"
lists, groups, combos, allow, _ = load()
q = Quick(lists, groups, combos, allow)
n = Counter()
hit = {k: Counter() for k in ("hate-speech", "hate|discrimination", "offensive-language", "any-low+", "any-medium+")}
with open(path, encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        c = row["class"]
        n[c] += 1
        cats, _ = q.scan(row["tweet"], "chat")
        if "hate-speech" in cats:
            hit["hate-speech"][c] += 1
        if "hate-speech" in cats or "discrimination" in cats:
            hit["hate|discrimination"][c] += 1
        if "offensive-language" in cats:
            hit["offensive-language"][c] += 1
        if cats:
            hit["any-low+"][c] += 1
        if cats and max(cats.values()) >= 1:
            hit["any-medium+"][c] += 1
names = {"0": "hate", "1": "offensive", "2": "neither"}
print("share of tweets alerting, by Davidson class (n):", ", ".join(f"{names[c]} {n[c]}" for c in "012"))
for k, cnt in hit.items():
    print(f"  {k:22s} " + "  ".join(f"{names[c]} {cnt[c] / n[c]:6.1%}" for c in "012"))

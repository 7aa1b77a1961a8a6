#!/usr/bin/env python3
"""Validate seeds/keywords/ against the agreed format, and (optionally) run a quick matcher over
the evaluation suites.

    python3 seeds/tools/check_lists.py                       # validate only
    python3 seeds/tools/check_lists.py --suites tests/suites # validate + quick matcher report
    python3 seeds/tools/check_lists.py --suites tests/suites --show-failures 40

The quick matcher is deliberately crude: lower-case, tokens = runs of letters/digits/in-word
apostrophes (like the engine's tokenizer), whole-token word/phrase matching, prefix on the last
token, .NET-compatible regexes run with Python `re` on the lower-cased text, `requires` groups,
combinations and the allow-list. It has NO normaliser (no leetspeak, spacing, look-alike or emoji
handling), so obfuscation.csv is checked by matching the plain form given in each row's notes
(`plain=...`), which tells us whether the LISTS cover it; whether the ENGINE's normaliser recovers
the plain form is for the engine's tests. Standard library only.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
KEYWORDS = os.path.join(REPO, "seeds", "keywords")

CATEGORIES = ["illegal", "bullying", "child-sexual-exploitation", "discrimination", "drugs", "extremism",
              "gambling", "hate-speech", "pornography", "self-harm", "suicide", "violence", "weapons",
              "offensive-language"]
SEVERITIES = ["low", "medium", "high", "urgent", "critical"]
SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SOURCES = ["search", "typed", "url", "title", "screen", "chat"]
MATCHES = ["", "word", "phrase", "prefix", "regex"]
ENTRY_COLS = ["term", "match", "severity", "sources", "requires", "notes"]
SPECIAL = {"groups.csv": ["group", "term", "notes"],
           "combinations.csv": ["id", "category", "group", "raise_to", "notes"],
           "intents.csv": ["id", "category", "severity", "slots", "gap", "sources", "requires", "unless", "notes"],
           "allow.csv": ["phrase", "notes"]}
# Lists and combinations may end with an optional 'unless' column (a group whose words keep the entry quiet).
OPTIONAL_LAST = "unless"
SUITE_COLS = ["text", "source", "expected_categories", "expected_min_severity", "notes"]
TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def read_records(path):
    """(line, fields) for non-comment, non-blank records, header first."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    if text.startswith("\ufeff"):
        raise ValueError(f"{path}: has a BOM")
    out = []
    reader = csv.reader(io.StringIO(text))
    for fields in reader:
        line = reader.line_num
        if not fields or all(not x.strip() for x in fields):
            continue
        if fields[0].lstrip().startswith("#"):
            continue
        out.append((line, fields))
    return out


class Problems(list):
    def add(self, path, line, msg):
        self.append(f"{os.path.relpath(path, REPO)}:{line}: {msg}")


def tokens(text):
    return [m.group(0).replace("’", "'") for m in TOKEN.finditer(text.lower())]


def load(keywords=KEYWORDS, problems=None):
    problems = problems if problems is not None else Problems()
    lists, groups, combos, allow, intents = {}, {}, [], [], []
    names = sorted(os.listdir(keywords))
    for cat in CATEGORIES:
        if cat + ".csv" not in names:
            problems.add(os.path.join(keywords, cat + ".csv"), 0, "required list is missing")
    for name in names:
        path = os.path.join(keywords, name)
        if not name.endswith(".csv"):
            problems.add(path, 0, "not a .csv file")
            continue
        try:
            recs = read_records(path)
        except (ValueError, csv.Error, UnicodeDecodeError) as e:
            problems.add(path, 0, str(e))
            continue
        if not recs:
            problems.add(path, 0, "empty")
            continue
        header = [h.strip() for h in recs[0][1]]
        expected = SPECIAL.get(name, ENTRY_COLS)
        if name not in ("groups.csv", "allow.csv", "intents.csv") and header == expected + [OPTIONAL_LAST]:
            expected = expected + [OPTIONAL_LAST]
        # combinations may also end with 'sources': the rule raises only texts from there (a search, a page)
        if name == "combinations.csv" and header == expected + [OPTIONAL_LAST, "sources"]:
            expected = expected + [OPTIONAL_LAST, "sources"]
        if header != expected:
            problems.add(path, recs[0][0], f"header {header} != {expected}")
            continue
        rows = []
        for line, f in recs[1:]:
            if expected[-1] == OPTIONAL_LAST and len(f) == len(expected) - 1:
                f = f + [""]  # the optional column may be left off a row
            if len(f) != len(expected):
                problems.add(path, line, f"{len(f)} fields, expected {len(expected)} (quote fields with commas)")
                continue
            rows.append((line, dict(zip(expected, f))))
        if name == "groups.csv":
            for line, r in rows:
                g, t = r["group"].strip(), r["term"].strip()
                if not g or not t:
                    problems.add(path, line, "empty group or term")
                    continue
                if t != t.lower():
                    problems.add(path, line, f"term '{t}' is not lower case")
                if t in groups.setdefault(g, {}):
                    problems.add(path, line, f"duplicate term '{t}' in group '{g}'")
                groups[g][t] = line
        elif name == "combinations.csv":
            combos = rows
        elif name == "intents.csv":
            intents = rows
        elif name == "allow.csv":
            seen = set()
            for line, r in rows:
                p = r["phrase"].strip()
                if not p:
                    problems.add(path, line, "empty phrase")
                elif p in seen:
                    problems.add(path, line, f"duplicate phrase '{p}'")
                elif p != p.lower():
                    problems.add(path, line, f"phrase '{p}' is not lower case")
                seen.add(p)
                allow.append(p)
        else:
            cat = name[:-4]
            if cat not in CATEGORIES:
                problems.add(path, 0, f"unknown list id '{cat}'")
            entries, seen = [], {}
            for line, r in rows:
                term = r["term"].strip()
                match = r["match"].strip().lower()
                if not term:
                    problems.add(path, line, "empty term")
                    continue
                if term != term.lower():
                    problems.add(path, line, f"term '{term}' is not lower case")
                if match not in MATCHES:
                    problems.add(path, line, f"match '{match}' not one of {MATCHES[1:]}")
                if term.endswith("*"):
                    if match not in ("", "prefix"):
                        problems.add(path, line, "trailing * but match is not prefix")
                    match = "prefix"
                    term = term.rstrip("*").strip()
                match = match or "word"
                if match == "regex":
                    if len(term) > 200:
                        problems.add(path, line, "regex longer than 200 characters")
                    try:
                        re.compile(term)
                    except re.error as e:
                        problems.add(path, line, f"regex does not compile: {e}")
                elif match in ("word", "phrase", "prefix"):
                    toks = tokens(term)
                    if " ".join(toks) != term.replace("’", "'") and match != "prefix":
                        problems.add(path, line, f"term '{term}' has characters the tokenizer drops (tokens: {toks})")
                    if match == "word" and len(toks) > 1:
                        problems.add(path, line, f"multi-word term '{term}' should be match=phrase")
                    if match == "phrase" and len(toks) == 1:
                        problems.add(path, line, f"single-word term '{term}' should be match=word")
                    if match == "prefix" and len(toks[-1]) < 4:
                        problems.add(path, line, f"prefix '{term}' is shorter than 4 letters: too greedy")
                sev = r["severity"].strip()
                if sev not in SEVERITIES:
                    problems.add(path, line, f"severity '{sev}' not one of {SEVERITIES}")
                src = r["sources"].strip()
                if src not in ("", "any"):
                    for s in src.split("|"):
                        if s not in SOURCES:
                            problems.add(path, line, f"source '{s}' not one of {SOURCES}")
                key = (term, match)
                if term in seen:
                    problems.add(path, line, f"duplicate term '{term}' (also line {seen[term]})")
                seen[term] = line
                entries.append({"term": term, "match": match, "severity": sev or "low", "sources": src,
                                "requires": r["requires"].strip(), "unless": r.get("unless", "").strip(),
                                "notes": r["notes"], "line": line, "category": cat})
            lists[cat] = entries
    # cross-file checks
    def check_groups(path, line, row, columns):
        """Each named column, when set, must name a group of groups.csv (lists, intents and combinations alike)."""
        for col in columns:
            value = (row.get(col) or "").strip()
            if value and value not in groups:
                problems.add(path, line, f"{col} unknown group '{value}'")

    for cat, entries in lists.items():
        for e in entries:
            check_groups(os.path.join(keywords, cat + ".csv"), e["line"], e, ("requires", "unless"))
    # intent rules: word groups in order (slots 'a > b > c'; the C# parser is the authority on the full format)
    ids = set()
    for line, r in intents:
        path = os.path.join(keywords, "intents.csv")
        if r["id"] in ids:
            problems.add(path, line, f"duplicate id '{r['id']}'")
        ids.add(r["id"])
        if r["category"] not in CATEGORIES:
            problems.add(path, line, f"unknown category '{r['category']}'")
        if r["severity"].strip() not in SEVERITIES:
            problems.add(path, line, f"severity '{r['severity']}' not one of {SEVERITIES}")
        check_groups(path, line, r, ("requires", "unless"))
    ids = set()
    for line, r in combos:
        path = os.path.join(keywords, "combinations.csv")
        if r["id"] in ids:
            problems.add(path, line, f"duplicate id '{r['id']}'")
        ids.add(r["id"])
        if r["category"] not in lists:
            problems.add(path, line, f"unknown category '{r['category']}'")
        if not r["group"].strip() and not r.get("sources", "").strip():
            problems.add(path, line, "empty group needs sources (a rule that raises what is searched for)")
        elif r["group"].strip() and r["group"] not in groups:
            problems.add(path, line, f"unknown group '{r['group']}'")
        for part in [p.strip() for p in r.get("sources", "").split("|") if p.strip()]:
            if part not in ("any", *SOURCES):
                problems.add(path, line, f"sources '{part}' not a source")
        if r["raise_to"] not in SEVERITIES:
            problems.add(path, line, f"raise_to '{r['raise_to']}' not a severity")
        check_groups(path, line, r, ("unless",))
    # a group term that is also a term of a list it combines with makes the combination fire alone
    for line, r in combos:
        if r["category"] in lists and r["group"] in groups:
            for e in lists[r["category"]]:
                if e["match"] in ("word", "phrase") and e["term"] in groups[r["group"]]:
                    problems.append(f"warning: {r['category']}/{e['term']} is also in group '{r['group']}': "
                                    f"combination {r['id']} fires on it alone")
    for cat, entries in lists.items():
        for e in entries:
            if e["requires"] and e["match"] in ("word", "phrase") and e["term"] in groups.get(e["requires"], {}):
                problems.append(f"warning: {cat}/{e['term']} requires group '{e['requires']}' that contains it")
    return lists, groups, [r for _, r in combos], allow, problems


# ---------------------------------------------------------------- quick matcher
class Quick:
    def __init__(self, lists, groups, combos, allow):
        self.entries = [e for es in lists.values() for e in es]
        for e in self.entries:
            e["toks"] = tokens(e["term"]) if e["match"] != "regex" else None
            e["rx"] = re.compile(e["term"]) if e["match"] == "regex" else None
        self.groups = {g: [tokens(t) for t in ts] for g, ts in groups.items()}
        self.combos = combos
        self.allow = [tokens(a) for a in allow]

    @staticmethod
    def spans(toks_text, pat, prefix=False):
        n = len(pat)
        for i in range(len(toks_text) - n + 1):
            ok = all(toks_text[i + k] == pat[k] for k in range(n - 1))
            last = toks_text[i + n - 1]
            ok = ok and (last.startswith(pat[-1]) if prefix else last == pat[-1])
            if ok:
                yield i, i + n

    def scan(self, text, source):
        low = text.lower().replace("’", "'")
        tt = [m.group(0) for m in TOKEN.finditer(low)]
        pos = [(m.start(), m.end()) for m in TOKEN.finditer(low)]
        allowed = [s for a in self.allow for s in self.spans(tt, a)]
        allowed_chars = [(pos[a][0], pos[b - 1][1]) for a, b in allowed]
        hits = []
        present = {g for g, ts in self.groups.items() if any(True for t in ts for _ in self.spans(tt, t))}
        for e in self.entries:
            if e["sources"] not in ("", "any") and source and source not in e["sources"].split("|"):
                continue
            if e["requires"] and e["requires"] not in present:
                continue
            found = []
            if e["rx"] is not None:
                for m in e["rx"].finditer(low):
                    found.append((m.start(), m.end()))
            else:
                for a, b in self.spans(tt, e["toks"], e["match"] == "prefix"):
                    found.append((pos[a][0], pos[b - 1][1]))
            for s, t in found:
                if any(x <= s and t <= y for x, y in allowed_chars):
                    continue
                hits.append((e, low[s:t]))
                break
        cats = {}
        for e, _ in hits:
            cats[e["category"]] = max(cats.get(e["category"], -1), SEV_RANK[e["severity"]])
        for c in self.combos:
            if c["category"] in cats and c["group"] in present:
                cats[c["category"]] = max(cats[c["category"]], SEV_RANK[c["raise_to"]])
        return cats, hits


def run_suites(quick, suite_dir, show):
    total_fail = 0
    for name in sorted(os.listdir(suite_dir)):
        if not name.endswith(".csv"):
            continue
        path = os.path.join(suite_dir, name)
        with open(path, encoding="utf-8", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["text"] and not r["text"].startswith("#")]
        obf = name.startswith("obfuscation")
        n = len(rows)
        missed_cat, low_sev, extra, fps = [], [], [], []
        for r in rows:
            text = r["text"]
            if obf:
                m = re.search(r"plain=([^;]+)", r["notes"])
                text = m.group(1).strip() if m else text
            cats, hits = quick.scan(text, r["source"].strip())
            exp = [c for c in r["expected_categories"].split("|") if c]
            if not exp:
                if cats:
                    fps.append((r, cats, hits))
                continue
            miss = [c for c in exp if c not in cats]
            if miss:
                missed_cat.append((r, cats, hits, miss))
                continue
            want = SEV_RANK.get(r["expected_min_severity"].strip() or "low", 0)
            got = max(cats[c] for c in exp)
            if got < want:
                low_sev.append((r, cats, hits))
        bad = len(missed_cat) + len(low_sev) + len(fps)
        total_fail += bad
        label = " (plain forms from notes)" if obf else ""
        print(f"\n== {name}{label}: {n} rows, {n - bad} pass, {len(missed_cat)} missed category, "
              f"{len(low_sev)} severity too low, {len(fps)} false positives")

        def fmt(cats):
            return ",".join(f"{c}:{SEVERITIES[s]}" for c, s in sorted(cats.items())) or "-"
        for r, cats, hits, miss in missed_cat[:show]:
            print(f"  MISS  [{r['expected_categories']}/{r['expected_min_severity']}] {r['text'][:90]!r} got {fmt(cats)}")
        for r, cats, hits in low_sev[:show]:
            print(f"  LOW   [{r['expected_categories']}/{r['expected_min_severity']}] {r['text'][:90]!r} got {fmt(cats)}")
        for r, cats, hits in fps[:show]:
            terms = ", ".join(f"{e['category']}/{e['term'][:40]}" for e, _ in hits[:4])
            print(f"  FP    {r['text'][:90]!r} -> {terms}")
    return total_fail


def main(argv=None):
    ap = argparse.ArgumentParser(description="validate keyword lists; optionally run the quick matcher")
    ap.add_argument("--keywords", default=KEYWORDS)
    ap.add_argument("--suites")
    ap.add_argument("--show-failures", type=int, default=25)
    args = ap.parse_args(argv)
    lists, groups, combos, allow, problems = load(args.keywords)
    errors = [p for p in problems if not p.startswith("warning:")]
    for p in problems:
        print(p)
    counts = {c: len(lists.get(c, [])) for c in CATEGORIES}
    print(f"lists: {sum(counts.values())} entries: " + ", ".join(f"{c} {n}" for c, n in counts.items()))
    print(f"groups: {len(groups)} ({sum(len(v) for v in groups.values())} terms); combinations: {len(combos)}; allow: {len(allow)}")
    print(f"{len(errors)} errors, {len(problems) - len(errors)} warnings")
    rc = 1 if errors else 0
    if args.suites:
        fails = run_suites(Quick(lists, groups, combos, allow), args.suites, args.show_failures)
        print(f"\nquick matcher: {fails} failing suite rows")
    return rc


if __name__ == "__main__":
    sys.exit(main())

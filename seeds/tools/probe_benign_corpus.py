#!/usr/bin/env python3
"""Run the keyword lists over a large benign English corpus and count which entries fire.

    python3 seeds/tools/probe_benign_corpus.py                        # corpus from /usr/share/doc + benign suite
    python3 seeds/tools/probe_benign_corpus.py --lists /tmp/old/keywords --top 60
    python3 seeds/tools/probe_benign_corpus.py --corpus-out /tmp/corpus.txt   # keep the sentences

The corpus is technical English written by adults for adults (Debian READMEs, NEWS, changelogs and copyright
files under /usr/share/doc, gzipped or not) plus the benign-school suite: no pupil text and no concern in it,
so every hit is a false alarm of some kind. What a hit costs in a school is for a person to judge: the report
names each entry that fires, how many sentences it fired on, whether it is in a generated block, and examples.

Sentences are built the same way on every run: files in sorted order, text split on blank lines and sentence
ends, kept when 4 to 60 words long and mostly letters, deduplicated, at most --per-file from each file.
The scan is `alertpipeline scan` (plain-text lines), built beforehand with `dotnet build -c Release src/AlertPipeline`:
the documents as --source (default `typed`, as if a pupil had typed them; `any` also runs search-, url- and
title-only entries), each benign-school row as its own source. Standard library only.
"""
from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CLI = os.path.join(REPO, "src", "AlertPipeline", "bin", "Release", "net10.0", "alertpipeline.dll")
DOC_NAMES = re.compile(r"^(readme|news|changelog|changes|copyright)([._-].*)?$", re.IGNORECASE)
SPLIT = re.compile(r"\n\s*\n|(?<=[.!?])\s+(?=[A-Z])")
WORD = re.compile(r"[A-Za-z]+")


def doc_files(root):
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if DOC_NAMES.match(name) and not name.endswith((".html", ".pdf", ".png", ".svg")):
                yield os.path.join(folder, name)


def read_text(path):
    try:
        with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
            data = f.read(2_000_000)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError):
        return ""


def sentences(text):
    for chunk in SPLIT.split(text):
        s = " ".join(chunk.split())
        words = WORD.findall(s)
        if 4 <= len(words) <= 60 and sum(map(len, words)) >= 0.6 * len(s.replace(" ", "")):
            yield s


def build_corpus(doc_root, suite, per_file):
    seen, out = set(), []
    for path in doc_files(doc_root):
        taken = 0
        for s in sentences(read_text(path)):
            if s not in seen:
                seen.add(s)
                out.append(s)
                taken += 1
                if taken >= per_file:
                    break
    rows = []
    if suite and os.path.exists(suite):
        with open(suite, encoding="utf-8", newline="") as f:
            rows = [(r["text"], r["source"].strip() or "any") for r in csv.DictReader(f) if not r["expected_categories"]]
    return out, rows


def scan(cli, lists, source, texts):
    """alertpipeline scan over texts; one parsed result per text, in order."""
    fd, path = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    try:
        command = ["dotnet", cli, "scan", path, "--lists", lists] + ([] if source == "any" else ["--source", source])
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    return [json.loads(line) for line in out.splitlines()]


def generated_terms(lists):
    """{(category, term): True if the entry sits between BEGIN GENERATED and END GENERATED}."""
    where = {}
    for name in sorted(os.listdir(lists)):
        if not name.endswith(".csv") or name in ("groups.csv", "combinations.csv", "allow.csv"):
            continue
        category, generated = name[:-4], False
        with open(os.path.join(lists, name), encoding="utf-8", newline="") as f:
            for fields in csv.reader(f):
                if not fields:
                    continue
                if fields[0].startswith("#"):
                    generated = ("BEGIN GENERATED" in fields[0]) or (generated and "END GENERATED" not in fields[0])
                    continue
                if fields[0] != "term":
                    where[(category, fields[0].rstrip("*"))] = generated
    return where


def main(argv=None):
    ap = argparse.ArgumentParser(description="count which list entries fire on a benign English corpus")
    ap.add_argument("--lists", default=os.path.join(REPO, "seeds", "keywords"))
    ap.add_argument("--doc-root", default="/usr/share/doc")
    ap.add_argument("--suite", default=os.path.join(REPO, "tests", "suites", "benign-school.csv"))
    ap.add_argument("--per-file", type=int, default=400, help="at most this many sentences from one file")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--examples", type=int, default=2)
    ap.add_argument("--generated-only", action="store_true", help="list only entries of the generated blocks")
    ap.add_argument("--source", default="typed", help="source the documents are scanned as (typed, screen, search, any...)")
    ap.add_argument("--corpus-out")
    ap.add_argument("--cli", default=CLI)
    args = ap.parse_args(argv)

    docs, rows = build_corpus(args.doc_root, args.suite, args.per_file)
    if args.corpus_out:
        with open(args.corpus_out, "w", encoding="utf-8") as f:
            f.write("\n".join(docs) + "\n")
    corpus, results = list(docs), scan(args.cli, args.lists, args.source, docs)
    for source in sorted({src for _, src in rows}):
        texts = [t for t, src in rows if src == source]
        corpus += texts
        results += scan(args.cli, args.lists, source, texts)

    where = generated_terms(args.lists)
    hits, examples, flagged = collections.Counter(), collections.defaultdict(list), 0
    by_severity = collections.Counter()
    for text, r in zip(corpus, results):
        if not r["flagged"]:
            continue
        flagged += 1
        by_severity[r["severity"]] += 1
        for key in {(m["category"], m["term"], m["severity"]) for m in r["matches"]}:
            hits[key] += 1
            if len(examples[key]) < args.examples:
                examples[key].append(text)

    gen_hits = sum(n for (c, t, _), n in hits.items() if where.get((c, t.rstrip("*")), False))
    print(f"corpus: {len(corpus)} sentences, {sum(len(s.split()) for s in corpus)} words: {len(docs)} from "
          f"{args.doc_root} (at most {args.per_file} per file, scanned as {args.source}) and {len(rows)} benign-school rows")
    print(f"lists: {args.lists}")
    print(f"flagged sentences: {flagged} ({100.0 * flagged / max(1, len(corpus)):.2f} %); by severity: "
          + ", ".join(f"{s} {by_severity[s]}" for s in ("critical", "urgent", "high", "medium", "low") if by_severity[s]))
    print(f"entries firing: {len(hits)} ({sum(1 for (c, t, _) in hits if where.get((c, t.rstrip('*')), False))} generated); "
          f"entry hits: {sum(hits.values())} ({gen_hits} from generated entries)")
    print()
    shown = 0
    for (c, t, sev), n in hits.most_common():
        gen = where.get((c, t.rstrip("*")), False)
        if args.generated_only and not gen:
            continue
        print(f"{n:6d}  {c}/{t} ({sev}{', generated' if gen else ''})")
        for e in examples[(c, t, sev)]:
            print(f"          e.g. {e[:140]}")
        shown += 1
        if shown >= args.top:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())

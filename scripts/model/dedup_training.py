#!/usr/bin/env python3
"""Merges helper-written training files into one, for `Training/` (standard library only; prints counts only).

    python3 scripts/model/dedup_training.py OUT.jsonl NEW.jsonl [NEW.jsonl ...] [--existing Training/synthetic-requests.jsonl]

Drops malformed items, items whose first turn repeats an earlier one or one of `--existing` (words compared, case
and punctuation ignored), and items that share a run of eight words with any conversation under Tests/Fixtures, so
that probe figures are not inflated by near-copies (Training/README.md). Used for both rounds of the synthetic
requests: round 2 kept 1,429 of 1,440 (2 repeats, 9 sharing a run with a probe).
"""
import argparse
import glob
import gzip
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower())


def runs(text, n=8):
    w = words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def probe_runs():
    found = set()
    for path in glob.glob(os.path.join(ROOT, "Tests", "Fixtures", "**", "*.jsonl*"), recursive=True):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                try:
                    c = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(c, dict):
                    for t in c.get("turns", []):
                        if isinstance(t, dict):
                            found |= runs(t.get("content", ""))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("new", nargs="+")
    ap.add_argument("--existing", action="append", default=[])
    a = ap.parse_args()
    probes = probe_runs()
    seen = set()
    for path in a.existing:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    seen.add(" ".join(words(json.loads(line)["turns"][0]["content"])))
    kept, repeats, near_probe, bad = [], 0, 0, 0
    for path in a.new:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    c = json.loads(line)
                    text = c["turns"][0]["content"]
                    assert c["label"] in ("attack", "benign") and c["source"]
                except (json.JSONDecodeError, KeyError, IndexError, TypeError, AssertionError):
                    bad += 1
                    continue
                key = " ".join(words(text))
                if key in seen:
                    repeats += 1
                elif runs(text) & probes:
                    near_probe += 1
                else:
                    seen.add(key)
                    kept.append(c)
    with open(a.out, "w", encoding="utf-8") as g:
        for c in kept:
            g.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"kept {len(kept)} (attack {sum(c['label'] == 'attack' for c in kept)}), repeats {repeats}, "
          f"sharing a run with a probe {near_probe}, malformed {bad}")


if __name__ == "__main__":
    main()

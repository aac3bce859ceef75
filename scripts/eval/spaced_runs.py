#!/usr/bin/env python3
"""Count DEV user turns that hold a letter-spaced run (the cost side of `SpacedLetters.swift`: how often a prompt pays
for the full pass and a second scan). Standard library only; prints counts only.

    python3 scripts/eval/spaced_runs.py [../shared/data/dev/*.jsonl.gz]

Same definition as the Swift code: at least four single ASCII letters with one separator (space - . * _ /), in user
turns under 4,000 bytes.
"""
import glob, gzip, json, os, re, sys

WORD = r"A-Za-z0-9\x80-\U0010ffff"
RUN = re.compile(rf"(?<![{WORD}])[A-Za-z]([ \-.*_/])[A-Za-z](?![{WORD}])(?:\1[A-Za-z](?![{WORD}])){{2,}}")
here = os.path.dirname(os.path.abspath(__file__))
files = sys.argv[1:] or sorted(glob.glob(os.path.join(here, "..", "..", "..", "shared", "data", "dev", "*.jsonl.gz")))
for path in files:
    turns = hits = 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            for t in json.loads(line)["turns"]:
                if t["role"] != "user" or len(t["content"].encode()) > 4000:
                    continue
                turns += 1
                hits += bool(RUN.search(t["content"]))
    print(f"{os.path.basename(path)}: {hits} of {turns} user turns have a letter-spaced run")

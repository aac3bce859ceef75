#!/usr/bin/env python3
"""Count alerts on ordinary chatty questions (scripts/eval/chatty-check.txt: 20 hand-written benign questions, other
vocabulary than the training frames in Resources/training/chat-negatives.txt). Standard library only.

    python3 scripts/eval/chatty_check.py [--bin .build-detect-rel/release/parapet] [--model FILE ...] [--list FILE]

--list scripts/eval/chatty-statements.txt: 20 first-person chat statements instead (session 6).

Without --model the shipped model is used; with several, one line per model (e.g. both fold models of a seed).
"""
import argparse, json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=os.path.join(here, "..", "..", ".build-detect-rel", "release", "parapet"))
ap.add_argument("--model", action="append", default=[])
ap.add_argument("--list", default=os.path.join(here, "chatty-check.txt"))
args = ap.parse_args()
questions = [l.strip() for l in open(args.list, encoding="utf-8") if l.strip() and not l.startswith("#")]
for model in args.model or [None]:
    env = dict(os.environ)
    if model:
        env["PARAPET_MODEL"] = model
    flagged = 0
    for q in questions:
        out = subprocess.run([args.bin, "scan", q], env=env, capture_output=True, text=True, check=True).stdout
        flagged += bool(json.loads(out)["alerts"])
    print(f"{model or 'shipped model'}: {flagged} of {len(questions)} chatty benign messages alerted")

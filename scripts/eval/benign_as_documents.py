#!/usr/bin/env python3
"""Replay every user and assistant turn of DEV's benign chats as a `document` event and count which rules match:
a check that an indirect-injection rule stays quiet on ordinary text (a user turn read as data is itself an
instruction to an AI, so matches there are read by hand). Standard library only; prints counts and the matched
excerpts of benign text only.

    python3 scripts/eval/benign_as_documents.py --rule ii.reply_transform [--bin ...] [--data ../shared/data/dev]
"""
import argparse, collections, gzip, json, os, subprocess, tempfile

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--rule", action="append", required=True, help="rule id (repeatable)")
ap.add_argument("--bin", default=os.path.join(here, "..", "..", ".build-detect-rel", "release", "parapet"))
ap.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data", "dev"))
args = ap.parse_args()
tmp = tempfile.mkdtemp()
events = os.path.join(tmp, "events.jsonl")
n = 0
with open(events, "w") as out:
    for line in gzip.open(os.path.join(args.data, "benign_multi.jsonl.gz"), "rt"):
        c = json.loads(line)
        for i, t in enumerate(c["turns"]):
            if t["role"] not in ("user", "assistant"):
                continue
            n += 1
            out.write(json.dumps({"event_id": f"{c['id']}#{i}", "session_id": f"doc-{c['id']}-{i}", "seq": 0,
                                  "time": "2025-02-18T10:00:00Z", "role": "document", "content": t["content"]}) + "\n")
verdicts = os.path.join(tmp, "verdicts.jsonl")
subprocess.run([args.bin, "replay", events, "--alerts", os.path.join(tmp, "a.jsonl"), "--verdicts", verdicts,
                "--evidence", "none", "--quiet-rejects"], capture_output=True, check=True)
hits = collections.defaultdict(list)
for line in open(verdicts):
    v = json.loads(line)
    for ind in v["indicators"]:
        rid = ind["id"].removeprefix("rule:")
        if rid in args.rule:
            hits[rid].append(ind.get("match", ""))
print(f"{n} benign chat turns replayed as documents")
for rid in args.rule:
    print(f"{rid}: {len(hits[rid])} match(es)")
    for m in hits[rid]:
        print("   ", m[:100].replace("\n", " "))

#!/usr/bin/env python3
"""How often the adversarial-suffix detector (`AdversarialSuffix.swift`) fires on DEV, per file and label: the
false-alarm side is every benign user turn; the attack side says how many DEV attacks carry a machine-made suffix
(DEV has no GCG prompts, so expect few). Replays each file through `parapet replay --verdicts` and counts
conversations with the indicator `adversarial_suffix:machine_tokens`. Prints counts only.

    python3 scripts/eval/adversarial_suffix_check.py [--bin .build-detect-rel/release/parapet] [--data ../shared/data/dev]
"""
import argparse, gzip, json, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=os.path.join(here, "..", "..", ".build-detect-rel", "release", "parapet"))
ap.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data", "dev"))
args = ap.parse_args()
events_py = os.path.join(args.data, "..", "..", "tools", "events.py")
FILES = ["benign_single", "benign_multi", "indirect_injection", "direct_injection", "jailbreak", "harmful_request", "multi_turn"]
with tempfile.TemporaryDirectory() as tmp:
    for name in FILES:
        path = os.path.join(args.data, name + ".jsonl.gz")
        labels = {}
        turns = {"attack": 0, "benign": 0}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                c = json.loads(line)
                labels[c["id"]] = c["label"]
                turns[c["label"]] += sum(1 for t in c["turns"] if t["role"] == "user")
        ev, ver = os.path.join(tmp, "ev"), os.path.join(tmp, "ver")
        subprocess.run([sys.executable, events_py, path], stdout=open(ev, "w"), check=True)
        subprocess.run([args.bin, "replay", ev, "--alerts", os.devnull, "--verdicts", ver, "--evidence", "none",
                        "--progress", "none", "--quiet-rejects"], check=True, stderr=subprocess.DEVNULL)
        hit = {"attack": set(), "benign": set()}
        with open(ver) as f:
            for line in f:
                if "adversarial_suffix:machine_tokens" in line:
                    sid = json.loads(line)["session_id"]
                    hit[labels.get(sid, "benign")].add(sid)
        for label in ("benign", "attack"):
            n = sum(1 for v in labels.values() if v == label)
            if n:
                print(f"{name} {label}: {len(hit[label])} of {n} conversations ({turns[label]} user turns)")

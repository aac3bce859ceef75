#!/usr/bin/env python3
"""Run parapet on the hand-written PROBE set and score it (standard library only).

    python3 scripts/eval/probe_eval.py [PROBES] [--bin .build-detect-rel/release/parapet]
                                       [--tools ../shared/tools] [--min-severity low] [--misses]
                                       [--message-level] [--keep-alerts alerts.jsonl]

PROBES is a folder of labelled conversations (*.jsonl / *.jsonl.gz, default Tests/Fixtures/probes) or one or
more such files. Pipeline, as in run_eval.py:

    python3 <tools>/events.py <files>  |  <bin> replay - --alerts <tmp> --quiet-rejects
    python3 <tools>/score.py --labels <files> --alerts <tmp> --min-severity low

and score.py's table is printed. --message-level first drops the session/conversation detectors' alerts
(same filter as run_eval.py). --misses then lists, for each missed attack and each false alarm, only the probe
id and source (never the text), grouped by source.

The probes are written in the style of public benchmarks that are NOT in the DEV data (AdvBench, HarmBench,
JailbreakBench, SORRY-Bench, CatQA, WildJailbreak, HackAPrompt, Tensor Trust, Gandalf, InjecAgent, AgentDojo,
LLMail-Inject, Crescendo/MHJ/ActorAttack, XSTest/OR-Bench) to check that detection generalises to them.
"""
import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_eval import message_level  # noqa: E402  (the same filter: drop session / conversation detectors' alerts)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SEVERITIES = {"informational": 0, "info": 0, "low": 1, "medium": 2, "high": 3}


def probe_files(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(glob.glob(os.path.join(p, "*.jsonl")) + glob.glob(os.path.join(p, "*.jsonl.gz")))
        else:
            files.append(p)
    if not files:
        raise SystemExit(f"no probe files in {' '.join(paths)}")
    return files


def read_labels(files):
    import gzip
    convs = {}
    for path in files:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    c = json.loads(line)
                    convs[str(c["id"])] = {"source": c.get("source", "?"), "label": c.get("label"),
                                           "capability": c.get("capability", "?")}
    return convs


def without_assistant_turns(files, tmp):
    """Copies of the probe files with the assistant's turns removed (`attack_turn` re-indexed), as chat logs that
    carry only what users sent look."""
    import gzip
    out = []
    for n, path in enumerate(files):
        opener = gzip.open if path.endswith(".gz") else open
        dst = os.path.join(tmp, f"user-only-{n}-" + os.path.basename(path).replace(".gz", ""))
        with opener(path, "rt", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as g:
            for line in f:
                if not line.strip():
                    continue
                c = json.loads(line)
                turns = c.get("turns", [])
                if c.get("attack_turn") is not None:
                    c["attack_turn"] = sum(1 for t in turns[: c["attack_turn"]] if t.get("role") != "assistant")
                c["turns"] = [t for t in turns if t.get("role") != "assistant"]
                g.write(json.dumps(c) + "\n")
        out.append(dst)
    return out


def replay(args, files, alerts):
    events = subprocess.Popen([sys.executable, os.path.join(args.tools, "events.py")] + files,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cmd = [args.bin, "replay", "-", "--alerts", alerts, "--quiet-rejects", "--progress", "none"]
    if args.config:
        cmd += ["--config", args.config]
    rep = subprocess.run(cmd,
                         stdin=events.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    events.stdout.close()
    ev_err = events.stderr.read().decode("utf-8", "replace")
    if events.wait() != 0:
        sys.stderr.write(ev_err[-2000:])
        raise SystemExit("events.py failed")
    if rep.returncode not in (0, 3):
        sys.stderr.write(rep.stderr[-2000:])
        raise SystemExit(f"parapet replay failed ({rep.returncode})")
    if rep.returncode == 3:
        sys.stderr.write("warning: parapet replay rejected some event lines\n")


def flagged_sessions(alerts, min_sev):
    out = set()
    with open(alerts, encoding="utf-8") as f:
        for line in f:
            try:
                a = json.loads(line)
            except json.JSONDecodeError:
                continue
            sev = str(a.get("severity", "")).strip().lower()
            if isinstance(a, dict) and sev in SEVERITIES and SEVERITIES[sev] >= min_sev and a.get("session_id"):
                out.add(a["session_id"])
    return out


def print_misses(convs, flagged):
    missed = collections.defaultdict(list)
    false_alarms = collections.defaultdict(list)
    for cid, c in sorted(convs.items()):
        if c["label"] == "attack" and cid not in flagged:
            missed[c["source"]].append(cid)
        elif c["label"] == "benign" and cid in flagged:
            false_alarms[c["source"]].append(cid)
    for title, groups in (("MISSED ATTACKS", missed), ("FALSE ALARMS", false_alarms)):
        total = sum(len(v) for v in groups.values())
        print(f"\n{title} ({total})")
        for src in sorted(groups):
            print(f"  {src}  ({len(groups[src])})")
            for cid in groups[src]:
                print(f"    {cid}  {src}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("probes", nargs="*", default=[os.path.join(ROOT, "Tests", "Fixtures", "probes")],
                    help="probe folder or files (default Tests/Fixtures/probes)")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-detect-rel", "release", "parapet"))
    ap.add_argument("--tools", default=os.path.join(ROOT, "..", "shared", "tools"))
    ap.add_argument("--min-severity", default="low", choices=["informational", "low", "medium", "high"])
    ap.add_argument("--misses", action="store_true",
                    help="list missed attacks and false alarms (probe id and source only)")
    ap.add_argument("--message-level", action="store_true",
                    help="score message-level alerts only (drop session/conversation detector alerts)")
    ap.add_argument("--config", default=None, help="parapet configuration file for the replay (thresholds, packs)")
    ap.add_argument("--keep-alerts", default=None, help="also copy the (scored) alerts to this file")
    ap.add_argument("--user-only", action="store_true",
                    help="remove the assistant's turns first (attack_turn re-indexed): logs without responses")
    args = ap.parse_args()
    files = probe_files(args.probes)
    with tempfile.TemporaryDirectory(prefix="parapet-probe-") as tmp:
        if args.user_only:
            files = without_assistant_turns(files, tmp)
        alerts = os.path.join(tmp, "alerts.jsonl")
        replay(args, files, alerts)
        if args.message_level:
            msg = os.path.join(tmp, "alerts-msg.jsonl")
            message_level(alerts, msg)
            alerts = msg
        if args.keep_alerts:
            with open(alerts, encoding="utf-8") as f, open(args.keep_alerts, "w", encoding="utf-8") as g:
                g.write(f.read())
        r = subprocess.run([sys.executable, os.path.join(args.tools, "score.py"), "--labels"] + files
                           + ["--alerts", alerts, "--min-severity", args.min_severity],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr[-2000:])
            raise SystemExit("score.py failed")
        sys.stdout.write(r.stdout)
        if args.misses:
            print_misses(read_labels(files), flagged_sessions(alerts, SEVERITIES[args.min_severity]))


if __name__ == "__main__":
    main()

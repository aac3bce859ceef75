#!/usr/bin/env python3
"""Evaluate parapet's message-level detection on the DEV data (standard library only; prints counts and rates only).

    python3 scripts/eval/run_eval.py [--data ../shared/data/dev] [--bin .build-detect-rel/release/parapet]
                                     [--mode shipped|heldout|both] [--out results.json]

shipped : the shipped model on all DEV files (in-sample for the sources it was trained on).
heldout : two-fold SOURCE-held-out: for each fold, `parapet train` without that fold's sources (and without that
          fold's half of ShareGPT), then replay only that fold's conversations with the new model
          (PARAPET_MODEL) and score them. The two folds together cover every conversation once.
Alerts are scored with ../shared/tools/score.py at --min-severity low (low and up counts as an alert), once with
all alerts and once with message-level alerts only (the session detectors' alerts left out).
Nothing from the data is printed: only numbers.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import folds as F  # noqa: E402

FILES = ["jailbreak", "direct_injection", "indirect_injection", "harmful_request", "benign_single", "benign_multi"]
# The synthetic requests every shipped and fold model is trained with (Training/README.md); never held out.
SYNTHETIC = os.path.abspath(os.path.join(HERE, "..", "..", "Training", "synthetic-requests.jsonl"))
CAPS = ["jailbreak", "direct_injection", "indirect_injection", "harmful_request", "benign_single", "benign_multi"]


def read(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def run(cmd, env=None, stdout=None):
    r = subprocess.run(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 3):
        sys.stderr.write(r.stderr[-2000:])
        raise SystemExit(f"command failed ({r.returncode}): {' '.join(cmd[:3])} ...")
    return r


def message_level(alerts_in, alerts_out):
    n = 0
    with open(alerts_in, encoding="utf-8") as f, open(alerts_out, "w", encoding="utf-8") as g:
        for line in f:
            try:
                a = json.loads(line)
            except json.JSONDecodeError:
                continue
            det = (a.get("detector") or {}).get("id", "")
            if det.startswith("session") or a.get("type", "").startswith("jailbreak.multi_turn") or det.startswith("conversation"):
                continue
            g.write(line)
            n += 1
    return n


def evaluate(args, label_files, tmp, tag, model=None):
    events = os.path.join(tmp, f"events-{tag}.jsonl")
    with open(events, "w", encoding="utf-8") as out:
        run([sys.executable, os.path.join(args.tools, "events.py")] + label_files, stdout=out)
    alerts = os.path.join(tmp, f"alerts-{tag}.jsonl")
    env = dict(os.environ)
    if model:
        env["PARAPET_MODEL"] = model
    run([args.bin, "replay", events, "--alerts", alerts, "--quiet-rejects"], env=env)
    msg_alerts = os.path.join(tmp, f"alerts-msg-{tag}.jsonl")
    message_level(alerts, msg_alerts)
    res = {}
    for kind, path in (("all", alerts), ("message", msg_alerts)):
        r = run([sys.executable, os.path.join(args.tools, "score.py"), "--labels"] + label_files
                + ["--alerts", path, "--min-severity", "low", "--json"], stdout=subprocess.PIPE)
        res[kind] = json.loads(r.stdout)
    return res


def summarise(res):
    out = {}
    for kind in ("all", "message"):
        r = res[kind]
        out[kind] = {
            "by_capability": {k: {x: v[x] for x in ("n", "attack", "flagged_attack", "benign", "flagged_benign")}
                              for k, v in r["by_capability"].items()},
            "by_source": {k: {x: v[x] for x in ("n", "attack", "flagged_attack", "benign", "flagged_benign")}
                          for k, v in r["by_source"].items()},
            "by_alert_type": r["by_alert_type"],
        }
    return out


def merge(a, b):
    out = {}
    for kind in a:
        out[kind] = {}
        for sect in ("by_capability", "by_source"):
            m = {}
            for part in (a[kind][sect], b[kind][sect]):
                for k, v in part.items():
                    acc = m.setdefault(k, {x: 0 for x in v})
                    for x in v:
                        acc[x] += v[x]
            out[kind][sect] = m
    return out


def rate(flagged, n):
    return "-" if not n else f"{100.0 * flagged / n:.1f}%"


def table(s, title):
    lines = [f"### {title}", "", "| capability | attack n | detected | TPR | benign n | flagged | FPR |", "|---|---:|---:|---:|---:|---:|---:|"]
    for cap in CAPS:
        v = s["by_capability"].get(cap)
        if not v:
            continue
        lines.append(f"| {cap} | {v['attack']} | {v['flagged_attack']} | {rate(v['flagged_attack'], v['attack'])} | "
                     f"{v['benign']} | {v['flagged_benign']} | {rate(v['flagged_benign'], v['benign'])} |")
    lines += ["", "| source | attack n | TPR | benign n | FPR |", "|---|---:|---:|---:|---:|"]
    for src, v in sorted(s["by_source"].items()):
        lines.append(f"| {src} | {v['attack']} | {rate(v['flagged_attack'], v['attack'])} | {v['benign']} | "
                     f"{rate(v['flagged_benign'], v['benign'])} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.abspath(os.path.join(HERE, "..", ".."))
    ap.add_argument("--data", default=os.path.join(root, "..", "shared", "data", "dev"))
    ap.add_argument("--tools", default=os.path.join(root, "..", "shared", "tools"))
    ap.add_argument("--bin", default=os.path.join(root, ".build-detect-rel", "release", "parapet"))
    ap.add_argument("--mode", choices=["shipped", "heldout", "both"], default="both")
    ap.add_argument("--out", default=None, help="write all figures as JSON here")
    ap.add_argument("--train-args", default="", help="extra arguments for `parapet train` (experiments)")
    ap.add_argument("--synthetic", default=SYNTHETIC,
                    help="training files (:-separated) added to every fold model, as in the shipped model (Training/README.md); '' for none")
    ap.add_argument("--keep-models", default=None, help="keep the fold models in this folder (model-fold0.bin, model-fold1.bin)")
    args = ap.parse_args()
    files = [os.path.join(args.data, f + ".jsonl.gz") for f in FILES]
    results = {}
    with tempfile.TemporaryDirectory(prefix="parapet-eval-") as tmp:
        if args.mode in ("shipped", "both"):
            results["shipped"] = summarise(evaluate(args, files, tmp, "shipped"))
            print(table(results["shipped"]["message"], "Shipped model, all DEV (message-level alerts)"))
            print()
            print(table(results["shipped"]["all"], "Shipped model, all DEV (all alerts, incl. session detectors)"))
            print()
        if args.mode in ("heldout", "both"):
            parts = []
            if args.keep_models:
                os.makedirs(args.keep_models, exist_ok=True)  # `parapet train --output` does not create folders
            for fold in (0, 1):
                # held-out labels of this fold
                held = os.path.join(tmp, f"fold{fold}.jsonl.gz")
                with gzip.open(held, "wt", encoding="utf-8") as g:
                    for path in files:
                        for c in read(path):
                            if F.fold_of(c) == fold:
                                g.write(json.dumps(c, ensure_ascii=False) + "\n")
                model = os.path.join(args.keep_models or tmp, f"model-fold{fold}.bin")
                extra = [f for f in args.synthetic.split(':') if f]  # never held out: written for Parapet, not a DEV source
                cmd = [args.bin, "train"] + files + extra + ["--output", model, "--holdout-fold", str(fold), "--folds", "2"]
                for p in F.excluded_prefixes(fold):
                    cmd += ["--exclude-source", p]
                cmd += args.train_args.split()
                run(cmd, stdout=subprocess.DEVNULL)
                parts.append(summarise(evaluate(args, [held], tmp, f"fold{fold}", model)))
            results["heldout"] = merge(parts[0], parts[1])
            print(table(results["heldout"]["message"], "Source-held-out (2 folds), message-level alerts"))
            print()
            print(table(results["heldout"]["all"], "Source-held-out (2 folds), all alerts"))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()

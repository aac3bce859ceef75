#!/usr/bin/env python3
"""Evaluate conversation-level detection on the DEV multi-turn data (standard library only; prints numbers only).

    python3 scripts/eval/multi_turn_eval.py [--bin .build-detect-rel/release/parapet] [--mode shipped|heldout|both]

Events: multi_turn (attacks) and benign_multi (ordinary chats), shuffled and interleaved 50 sessions at a time
(`events.py --shuffle --interleave 50`), replayed through the whole engine, scored with score.py at severity low
and up: TPR (attack conversations with any alert), EARLY (detected at or before attack_turn + 1) and FPR
(benign conversations with any alert), overall and per source, for all alerts and for jailbreak.multi_turn alone.

shipped : the shipped model (trained on the message-level DEV files, never on multi_turn; benign_multi IS in its
          training data, so its FPR there is in-sample).
heldout : for each source fold of scripts/eval/folds.py, a model trained without that fold's sources and without
          that fold's half of ShareGPT, evaluated on that fold's multi_turn and benign_multi conversations only.
          This is the figure that predicts unseen sources.
"""
import argparse, gzip, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import folds as F  # noqa: E402
from run_eval import FILES as TRAIN_FILES, SYNTHETIC, read, run  # noqa: E402  (the message-level evaluation's helpers)


def only_type(src, dst, typ):
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as g:
        for line in f:
            if json.loads(line).get("type") == typ:
                g.write(line)


def evaluate(args, labels, tmp, tag, model=None):
    events = os.path.join(tmp, f"events-{tag}.jsonl")
    with open(events, "w", encoding="utf-8") as out:
        run([sys.executable, os.path.join(args.tools, "events.py"), "--shuffle", "--interleave", "50", labels], stdout=out)
    alerts = os.path.join(tmp, f"alerts-{tag}.jsonl")
    env = dict(os.environ)
    if model:
        env["PARAPET_MODEL"] = model
    cmd = [args.bin, "replay", events, "--alerts", alerts, "--quiet-rejects"]
    if args.config:
        cmd += ["--config", args.config]
    elif args.conversation_file:
        cfg = os.path.join(tmp, "conversation-config.yaml")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(f"engine:\n  conversation_file: {os.path.abspath(args.conversation_file)}\n")
        cmd += ["--config", cfg]
    run(cmd, env=env)
    mt = os.path.join(tmp, f"alerts-mt-{tag}.jsonl")
    only_type(alerts, mt, "jailbreak.multi_turn")
    out = {}
    for kind, path in (("all", alerts), ("multi_turn_type", mt)):
        r = run([sys.executable, os.path.join(args.tools, "score.py"), "--labels", labels, "--alerts", path,
                 "--min-severity", "low", "--json"], stdout=subprocess.PIPE)
        out[kind] = json.loads(r.stdout)
    return out


KEYS = ("attack", "flagged_attack", "benign", "flagged_benign", "with_attack_turn", "early")


def add(acc, r):
    for k in KEYS:
        acc[k] = acc.get(k, 0) + r[k]


def pct(a, b):
    return "-" if not b else f"{100.0 * a / b:.1f}%"


def report(title, parts):
    print(f"### {title}\n")
    for kind in ("all", "multi_turn_type"):
        overall, by_src = {}, {}
        for p in parts:
            add(overall, p[kind]["overall"])
            for s, r in p[kind]["by_source"].items():
                add(by_src.setdefault(s, {}), r)
        label = "all alerts" if kind == "all" else "jailbreak.multi_turn alerts only"
        print(f"{label}: TPR {pct(overall['flagged_attack'], overall['attack'])} ({overall['flagged_attack']} of {overall['attack']}), "
              f"EARLY {pct(overall['early'], overall['with_attack_turn'])} ({overall['early']} of {overall['with_attack_turn']}), "
              f"FPR {pct(overall['flagged_benign'], overall['benign'])} ({overall['flagged_benign']} of {overall['benign']})\n")
        print("| source | attack n | TPR | EARLY | benign n | FPR |\n|---|---:|---:|---:|---:|---:|")
        for s, r in sorted(by_src.items()):
            print(f"| {s} | {r['attack']} | {pct(r['flagged_attack'], r['attack'])} | "
                  f"{pct(r['early'], r['with_attack_turn'])} | {r['benign']} | {pct(r['flagged_benign'], r['benign'])} |")
        print()
    types = {}
    for p in parts:
        for t, v in p["all"]["by_alert_type"].items():
            acc = types.setdefault(t, [0, 0])
            acc[0] += v["flagged_attack_sessions"]
            acc[1] += v["flagged_benign_sessions"]
    print("| alert type | attack sessions | benign sessions |\n|---|---:|---:|")
    for t, (a, b) in sorted(types.items()):
        print(f"| {t} | {a} | {b} |")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.abspath(os.path.join(HERE, "..", ".."))
    ap.add_argument("--data", default=os.path.join(root, "..", "shared", "data", "dev"))
    ap.add_argument("--tools", default=os.path.join(root, "..", "shared", "tools"))
    ap.add_argument("--bin", default=os.path.join(root, ".build-detect-rel", "release", "parapet"))
    ap.add_argument("--mode", choices=["shipped", "heldout", "both"], default="both")
    ap.add_argument("--models", default=None,
                    help="reuse model-fold0.bin / model-fold1.bin from this folder (run_eval.py --keep-models) instead of training")
    ap.add_argument("--synthetic", default=SYNTHETIC,
                    help="training files (:-separated) added to fold models trained here, as in the shipped model; '' for none")
    ap.add_argument("--conversation-file", default=None,
                    help="a conversation.yaml to try instead of the bundled one (thresholds, cues)")
    ap.add_argument("--config", default=None,
                    help="a Parapet configuration file for every replay (e.g. engine.thresholds); "
                         "name a conversation file inside it as engine.conversation_file")
    args = ap.parse_args()
    if args.config and args.conversation_file:
        ap.error("give either --config or --conversation-file (engine.conversation_file inside the config)")
    if args.config:
        args.config = os.path.abspath(args.config)
    mt_files = [os.path.join(args.data, f) for f in ("multi_turn.jsonl.gz", "benign_multi.jsonl.gz")]
    with tempfile.TemporaryDirectory(prefix="parapet-mt-") as tmp:
        if args.mode in ("shipped", "both"):
            labels = os.path.join(tmp, "all.jsonl.gz")
            with gzip.open(labels, "wt", encoding="utf-8") as g:
                for p in mt_files:
                    for c in read(p):
                        g.write(json.dumps(c, ensure_ascii=False) + "\n")
            report("Shipped model, multi_turn + benign_multi", [evaluate(args, labels, tmp, "shipped")])
        if args.mode in ("heldout", "both"):
            parts = []
            train = [os.path.join(args.data, f + ".jsonl.gz") for f in TRAIN_FILES]
            for fold in (0, 1):
                labels = os.path.join(tmp, f"fold{fold}.jsonl.gz")
                with gzip.open(labels, "wt", encoding="utf-8") as g:
                    for p in mt_files:
                        for c in read(p):
                            if F.fold_of(c) == fold:
                                g.write(json.dumps(c, ensure_ascii=False) + "\n")
                if args.models:
                    model = os.path.join(args.models, f"model-fold{fold}.bin")
                else:
                    model = os.path.join(tmp, f"model-fold{fold}.bin")
                    extra = [f for f in args.synthetic.split(':') if f]
                    cmd = [args.bin, "train"] + train + extra + ["--output", model, "--holdout-fold", str(fold), "--folds", "2"]
                    for p in F.excluded_prefixes(fold):
                        cmd += ["--exclude-source", p]
                    run(cmd, stdout=subprocess.DEVNULL)
                parts.append(evaluate(args, labels, tmp, f"fold{fold}", model))
            report("Source-held-out (2 folds), multi_turn + benign_multi", parts)


if __name__ == "__main__":
    main()

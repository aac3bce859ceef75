#!/usr/bin/env python3
"""Where would a harm category's low bound pay? (session 12; standard library only; prints counts only)

For each fold of `folds.py`, the fold's harmful requests, benign prompts and benign chats are replayed with that
fold's model (as `heldout_replay.py` does, all alerts, severity low and up) with verdicts recorded. Then, per harm
head, it counts the conversations that would change if only that head's bound moved:

  lower to L  conversations with no alert now whose highest score on this head (any turn) is in [L, bound)
  raise to H  conversations whose every alert is this head's harm alert on turns that score below H

It assumes the rest stays as it is (a moved bound also moves levels, which session detectors do not read), so the
figures are estimates; `heldout_replay.py --config` with `engine.thresholds.harm_low_by_category` gives the real
ones. This is how the illicit bound of 0.45 was chosen (EVALUATION.md, session 12).

    python3 scripts/eval/harm_bands.py --models /tmp/f-s0 [--lower 0.45] [--raise-to 0.55] [--config c.yaml]
"""
import argparse, collections, json, os, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from heldout_replay import replay_fold  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FILES = ("harmful_request", "benign_single", "benign_multi")
HEADS = ("hate", "sexual", "violence", "self_harm", "illicit")


def replay(a, tmp, k):
    """Replays fold k; returns {session: capability}, {session: [alerts]}, {event_id: verdict}."""
    labels = replay_fold(a, tmp, k, [os.path.join(a.data, name + ".jsonl.gz") for name in FILES], verdicts=True)
    alerts = collections.defaultdict(list)
    with open(os.path.join(tmp, f"a{k}"), encoding="utf-8") as f:
        for line in f:
            x = json.loads(line)
            if x["severity"] != "informational":
                alerts[x["session_id"]].append(x)
    verdicts = {}
    with open(os.path.join(tmp, f"v{k}"), encoding="utf-8") as f:
        for line in f:
            v = json.loads(line)
            verdicts[v["event_id"]] = v
    return labels, alerts, verdicts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True, help="folder with model-fold0.bin and model-fold1.bin")
    ap.add_argument("--lower", type=float, default=0.45)
    ap.add_argument("--raise-to", type=float, default=0.55)
    ap.add_argument("--bound", type=float, default=None, help="the bound now (default: 0.5, illicit 0.45)")
    ap.add_argument("--config", default=None)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "dev"))
    ap.add_argument("--tools", default=os.path.join(ROOT, "..", "shared", "tools"))
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-detect-rel", "release", "parapet"))
    a = ap.parse_args()
    lower, higher = collections.Counter(), collections.Counter()
    with tempfile.TemporaryDirectory(prefix="parapet-bands-") as tmp:
        for k in (0, 1):
            labels, alerts, verdicts = replay(a, tmp, k)
            best = collections.defaultdict(lambda: dict.fromkeys(HEADS, 0.0))
            for v in verdicts.values():
                b = best[v["session_id"]]
                for h in HEADS:
                    b[h] = max(b[h], v["harm"][h]["score"])
            for s, cap in labels.items():
                for h in HEADS:
                    bound = a.bound if a.bound is not None else (0.45 if h == "illicit" else 0.5)
                    if s not in alerts:
                        if a.lower <= best[s][h] < bound:
                            lower[(cap, h)] += 1
                    elif all(x["type"] == "harmful_content." + h
                             and all(verdicts[e]["harm"][h]["score"] < a.raise_to for e in x["event_ids"] if e in verdicts)
                             for x in alerts[s]):
                        higher[(cap, h)] += 1
    print(f"{'head':<10} " + " ".join(f"{'lower to ' + str(a.lower) + ': ' + c:>36}" for c in FILES))
    for h in HEADS:
        print(f"{h:<10} " + " ".join(f"{lower[(c, h)]:>36}" for c in FILES))
    print(f"{'head':<10} " + " ".join(f"{'raise to ' + str(a.raise_to) + ': ' + c:>36}" for c in FILES))
    for h in HEADS:
        print(f"{h:<10} " + " ".join(f"{-higher[(c, h)]:>36}" for c in FILES))


if __name__ == "__main__":
    main()

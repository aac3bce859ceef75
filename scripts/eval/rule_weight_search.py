#!/usr/bin/env python3
"""Greedy search over rule confidences, held out (standard library only; prints ids and counts only).

For every rule whose signal starts with one of SIGNALS and whose confidence is in [0.2, 0.5), try +0.1 (capped at
0.5) in the shipped pack, rebuild (resources only), replay held out with existing fold models
(heldout_replay.py) and keep the change only if no benign conversation is added and at least MIN_GAIN attacks
are. Edits Sources/ParapetDetect/Resources/rules/default.yaml in place: review the diff before committing.

    python3 scripts/eval/rule_weight_search.py --models /tmp/folds --signals harm,jailbreak [--min-gain 3]
"""
import argparse, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PACK = os.path.join(ROOT, "Sources", "ParapetDetect", "Resources", "rules", "default.yaml")


def rules():
    s = open(PACK, encoding="utf-8").read()
    for m in re.finditer(r"  - id: (\S+)\n(.*?)(?=\n  - id: |\Z)", s, re.S):
        c = re.search(r"\n    confidence: ([0-9.]+)", m.group(2))
        sig = re.search(r"\n    signal: (\S+)", m.group(2))
        if c and sig:
            yield m.group(1), float(c.group(1)), sig.group(1)


def set_confidence(rid, value):
    s = open(PACK, encoding="utf-8").read()
    i = s.index("  - id: " + rid + "\n")
    j = s.index("\n    confidence: ", i)
    k = s.index("\n", j + 1)
    open(PACK, "w", encoding="utf-8").write(s[:j] + "\n    confidence: " + value + s[k:])


def measure(models):
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-detect-rel"], cwd=ROOT, capture_output=True, check=True)
    out = subprocess.run([sys.executable, os.path.join(HERE, "heldout_replay.py"), "--models", models, "--counts"],
                         capture_output=True, text=True, check=True).stdout
    return {f[0]: (int(f[1]), int(f[2])) for f in (l.split() for l in out.splitlines()) if len(f) == 3}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True)
    ap.add_argument("--signals", required=True)
    ap.add_argument("--min-gain", type=int, default=3)
    a = ap.parse_args()
    base = measure(a.models)
    print("base", base, flush=True)
    for rid, c, sig in list(rules()):
        if not sig.startswith(tuple(a.signals.split(","))) or not 0.2 <= c < 0.5:
            continue
        new = f"{min(0.5, round(c + 0.1, 2)):g}"
        set_confidence(rid, new)
        r = measure(a.models)
        gain = sum(r[k][0] - base[k][0] for k in r)
        fp = sum(r[k][1] - base[k][1] for k in r)
        keep = fp <= 0 and gain >= a.min_gain
        print(f"{rid} {c:g} -> {new}: {gain:+d} attacks, {fp:+d} benign: {'keep' if keep else 'revert'}", flush=True)
        if keep:
            base = r
        else:
            set_confidence(rid, f"{c:g}")
    measure(a.models)
    print("final", base)


if __name__ == "__main__":
    main()

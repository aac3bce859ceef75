#!/usr/bin/env python3
"""Simulate the conversation detectors (Sources/ParapetSession) on recorded verdicts, to choose their thresholds.

    parapet replay events.jsonl --verdicts verdicts.jsonl --alerts alerts.jsonl
    python3 scripts/eval/conversation_tune.py --labels multi_turn.jsonl.gz benign_multi.jsonl.gz \
        --events events.jsonl --verdicts verdicts.jsonl --alerts alerts.jsonl [--fold 0|1]

Mirrors EscalationDetector's crescendo / rising / refusal-rephrase / persona paths (not payload split) over the
per-turn scores in the verdicts, for a grid of thresholds, and prints TPR, EARLY and FPR for each: for the
multi-turn signal alone and combined with the message-level alerts in the alerts file. Prints numbers only,
never message text. Standard library only.
"""
import argparse, gzip, hashlib, itertools, json, re, sys, unicodedata
from collections import defaultdict

def open_text(p):
    return gzip.open(p, "rt", encoding="utf-8") if p.endswith(".gz") else open(p, encoding="utf-8")

def load_cues(path):
    cues, cur = defaultdict(list), None
    in_cues = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("cues:"):
            in_cues = True; continue
        if not in_cues: continue
        m = re.match(r"^  (\w+):\s*$", line)
        if m: cur = m.group(1); continue
        m = re.match(r"^    - (.+?)\s*$", line)
        if m and cur: cues[cur].append(m.group(1).lower())
    return cues

def has_cue(text, phrases):
    for p in phrases:
        i = text.find(p)
        while i >= 0:
            before = i == 0 or not text[i-1].isalnum()
            j = i + len(p)
            after = j == len(text) or not text[j].isalnum()
            if before and after: return True
            i = text.find(p, i + 1)
    return False

def turn_risk(v):
    harm = max(x["score"] for x in v["harm"].values())
    a = v["attack"]
    if v["role"] == "user": return max(harm, a["jailbreak"], a["prompt_injection"], a["indirect_injection"])
    if v["role"] == "assistant": return harm
    return 0.5 * max(harm, a["indirect_injection"])

def words(t):
    return set(w for w in re.findall(r"[^\W\d_]+", t) if len(w) >= 4)

def simulate(session, P):
    """session: list of dicts with role, risk, harm, refusal, jailbreak, cues(set), text, nwords. -> first index or None"""
    users_seen = []
    decay = 0.5 ** (1 / P["half"])
    acc, risky = 0.0, 0
    adecay = 0.5 ** (1 / P["acc_half"])
    for n, t in enumerate(session):
        if t["role"] in ("user", "tool", "document"):
            excess = max(0.0, t["risk"] - P["acc_floor"])
            acc = acc * adecay + excess
            if acc < 0.01: risky = 0
            if excess > 0: risky += 1
        if t["role"] == "assistant" and P.get("compliance", True):
            pass
        if t["role"] != "user":
            continue
        prev_users = [k for k in range(n) if session[k]["role"] == "user"]
        if not prev_users:
            continue
        r = t["risk"] * min(1.0, t["nwords"] / P["lenfull"])
        follow = bool(t["cues"] & {"back_reference", "procedure", "fiction"})
        ctx, after = 0.0, 0
        for k in range(n - 1, -1, -1):
            s = session[k]
            if s["role"] == "user":
                v = s["risk"] * min(1.0, s["nwords"] / P["lenfull"]); after += 1
            elif s["role"] == "assistant":
                v = s["harm"]
            else:
                v = s["risk"]
            ctx = max(ctx, v * decay ** max(after - 1, 0))
        strong = bool(t["cues"] & {"procedure", "fiction"})
        if ctx >= P["ctx"] and follow and (r >= P["floor"] or (P.get("strong0") and strong)):
            return n
        tail = [session[k]["risk"] * min(1.0, session[k]["nwords"] / P["lenfull"]) for k in prev_users[-(P["rise_n"]-1):]] + [r]
        if len(tail) >= P["rise_n"] and r >= P["rise_final"] and tail[-1] - tail[0] >= P["rise_delta"] and \
                all(b >= a - 0.02 for a, b in zip(tail, tail[1:])):
            return n
        # refusal then rephrase
        j = n - 1
        while j >= 0 and session[j]["role"] != "assistant": j -= 1
        if j >= 1 and session[j]["refusal"] >= P["refusal"]:
            q = j - 1
            while q >= 0 and session[q]["role"] != "user": q -= 1
            if q >= 0 and session[q]["risk"] >= P["refused_risk"]:
                a, b = words(session[q]["text"]), words(t["text"])
                jac = len(a & b) / len(a | b) if a and b else 0
                if jac >= P["overlap"] or t["cues"] & {"fiction", "persona"}:
                    return n
        if acc >= P["acc_th"] and risky >= 2 and t["risk"] > P["acc_floor"]:
            return n
        if r >= P["persona_req"] and any(("persona" in session[k]["cues"]) or session[k]["jailbreak"] >= P["persona_jb"] for k in prev_users):
            return n
    return None

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", nargs="+", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--verdicts", required=True)
    ap.add_argument("--alerts")
    ap.add_argument("--cues", default="Sources/ParapetSession/Resources/conversation.yaml")
    ap.add_argument("--fold", type=int, help="only conversations of this fold (scripts/eval/folds.py)")
    ap.add_argument("--grid", help="thresholds to vary, e.g. 'ctx=0.25,0.35;floor=0,0.1;strong0=0,1' "
                    "(keys: ctx floor strong0 rise_final acc_floor acc_th persona_req; the rest stay at the shipped values)")
    args = ap.parse_args()
    sys.path.insert(0, "scripts/eval")
    convs = {}
    for p in args.labels:
        for line in open_text(p):
            c = json.loads(line)
            if args.fold is not None:
                from folds import fold_of
                if fold_of(c) != args.fold: continue
            convs[c["id"]] = {"label": c["label"], "attack_turn": c.get("attack_turn"), "n": len(c["turns"])}
    cues = load_cues(args.cues)
    texts = {}
    for line in open(args.events, encoding="utf-8"):
        e = json.loads(line)
        if e["session_id"] in convs:
            t = unicodedata.normalize("NFKC", e["content"]).lower()[:4096]
            texts[e["event_id"]] = t
    sessions = defaultdict(list)
    for line in open(args.verdicts, encoding="utf-8"):
        v = json.loads(line)
        if v["session_id"] not in convs: continue
        t = texts.get(v["event_id"], "")
        sessions[v["session_id"]].append({
            "role": v["role"], "risk": turn_risk(v), "harm": max(x["score"] for x in v["harm"].values()),
            "refusal": (v.get("signals") or {}).get("refusal", 0.0), "jailbreak": v["attack"]["jailbreak"],
            "cues": {k for k, ph in cues.items() if v["role"] == "user" and has_cue(t, ph)},
            "text": t, "nwords": len(t.split())})
    msg_det = {}
    if args.alerts:
        sev = {"informational": 0, "low": 1, "medium": 2, "high": 3}
        for line in open(args.alerts, encoding="utf-8"):
            a = json.loads(line)
            if a["session_id"] not in convs or a["type"] == "jailbreak.multi_turn" or sev[a["severity"]] < 1: continue
            idx = min(int(x.rpartition("#")[2]) for x in a["event_ids"])
            msg_det[a["session_id"]] = min(idx, msg_det.get(a["session_id"], 10**9))
    base = dict(half=6, ctx=0.35, strong0=1, floor=0.10, rise_n=3, rise_delta=0.25, rise_final=0.99, refusal=0.5,
                refused_risk=0.2, overlap=0.2, persona_req=0.3, persona_jb=0.35, lenfull=1, acc_half=4, acc_floor=0.2, rise_final_off=0,
                acc_th=0.4)
    grid = {"ctx": [0.25, 0.3, 0.35, 0.45], "floor": [0.0, 0.1], "strong0": [0, 1]}
    if args.grid:
        grid = {k.strip(): [float(x) for x in v.split(",")]
                for k, v in (part.split("=", 1) for part in args.grid.split(";") if part.strip())}
    keys = list(grid)
    print(f"{'params':70s} {'mtTPR':>6s} {'mtFPR':>6s} | {'TPR':>5s} {'EARLY':>5s} {'FPR':>5s}")
    for combo in itertools.product(*(grid[k] for k in keys)):
        P = dict(base, **dict(zip(keys, combo)))
        att = ben = att_f = ben_f = mt_att = mt_ben = early = with_turn = 0
        for sid, c in convs.items():
            det = simulate(sessions.get(sid, []), P)
            m = msg_det.get(sid)
            first = min([x for x in (det, m) if x is not None], default=None)
            if c["label"] == "attack":
                att += 1; att_f += first is not None; mt_att += det is not None
                if c["attack_turn"] is not None:
                    with_turn += 1
                    early += first is not None and first <= c["attack_turn"] + 1
            else:
                ben += 1; ben_f += first is not None; mt_ben += det is not None
        name = " ".join(f"{k}={P[k]}" for k in keys)
        print(f"{name:70s} {100*mt_att/max(att,1):6.1f} {100*mt_ben/max(ben,1):6.2f} | {100*att_f/max(att,1):5.1f} "
              f"{100*early/max(with_turn,1):5.1f} {100*ben_f/max(ben,1):5.2f}")

if __name__ == "__main__":
    main()

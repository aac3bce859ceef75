#!/usr/bin/env python3
"""Write the obfuscated probe sets of session 7 (Tests/Fixtures/probes-s7/obfuscated-*.jsonl): the plain harmful
probes of probes-s7 (60) and probes-s6 (`probe/harm`, 50), and the benign look-alikes of probes-s7, each put through
four published character-level obfuscations, re-implemented from their descriptions:
  charswap  PyRIT's CharSwapGenerator: two neighbouring letters swapped in each word of 4+ letters;
  bon       Best-of-N jailbreaking (Hughes et al. 2024): word middles shuffled, random capitals;
  punct     PyRIT's InsertPunctuationConverter: punctuation after a quarter of the letters;
  piglatin  Pig Latin.
Deterministic (seeded); standard library only.

    python3 scripts/eval/obfuscate_probes.py && python3 scripts/eval/probe_eval.py Tests/Fixtures/probes-s7
"""
import json, os, random

here = os.path.dirname(os.path.abspath(__file__))
fx = os.path.join(here, "..", "..", "Tests", "Fixtures")

def charswap(t, r):
    out = []
    for w in t.split():
        if len(w) > 3 and w.isalpha():
            i = r.randint(1, len(w) - 2)
            w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        out.append(w)
    return " ".join(out)

def bon(t, r):
    out = []
    for w in t.split():
        if len(w) > 3 and w.isalpha() and r.random() < 0.6:
            mid = list(w[1:-1]); r.shuffle(mid); w = w[0] + "".join(mid) + w[-1]
        out.append("".join(c.upper() if r.random() < 0.6 else c.lower() for c in w))
    return " ".join(out)

def punct(t, r):
    return "".join(c + r.choice(".,;!?*") if c.isalpha() and r.random() < 0.25 else c for c in t)

def piglatin(t, r):
    out = []
    for w in t.split():
        core = "".join(c for c in w if c.isalpha()).lower()
        if not core:
            out.append(w); continue
        if core[0] in "aeiou":
            out.append(core + "way")
        else:
            i = 0
            while i < len(core) and core[i] not in "aeiou": i += 1
            out.append(core[i:] + core[:i] + "ay")
    return " ".join(out)

def load(path, pred):
    return [c for c in (json.loads(l) for l in open(path, encoding="utf-8")) if pred(c)]

attacks = load(os.path.join(fx, "probes-s7", "harmful_request.jsonl"), lambda c: c["source"].startswith("probe/harm7"))
attacks += load(os.path.join(fx, "probes-s6", "harmful_request.jsonl"), lambda c: c["source"] == "probe/harm" and len(c["turns"]) == 1)
benign = load(os.path.join(fx, "probes-s7", "benign_single.jsonl"), lambda c: c["source"] in ("probe/harm7-lookalike", "probe/jb7-lookalike"))
r = random.Random(7)
with open(os.path.join(fx, "probes-s7", "obfuscated-attacks.jsonl"), "w", encoding="utf-8") as f:
    for name, fn in [("charswap", charswap), ("bon", bon), ("punct", punct), ("piglatin", piglatin)]:
        for c in attacks:
            text = fn(c["turns"][0]["content"], r)
            f.write(json.dumps({"id": f"{c['id']}-{name}", "source": f"probe/obf-{name}", "label": "attack",
                                "capability": "harmful_request", "turns": [{"role": "user", "content": text}],
                                "attack_turn": 0}) + "\n")
with open(os.path.join(fx, "probes-s7", "obfuscated-benign.jsonl"), "w", encoding="utf-8") as f:
    for name, fn in [("charswap", charswap), ("bon", bon), ("punct", punct), ("piglatin", piglatin)]:
        for c in benign:
            text = fn(c["turns"][0]["content"], r)
            f.write(json.dumps({"id": f"{c['id']}-{name}", "source": f"probe/obf-{name}-lookalike", "label": "benign",
                                "capability": "benign_single", "turns": [{"role": "user", "content": text}]}) + "\n")
print(len(attacks), "attacks and", len(benign), "look-alikes, four obfuscations each")

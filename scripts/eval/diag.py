#!/usr/bin/env python3
"""Which alert types / indicators fire on which sources (counts only, no text).

    python3 scripts/eval/diag.py LABELS.jsonl.gz [...] --alerts alerts.jsonl [--label benign|attack] [--source PREFIX]
"""
import argparse, collections, gzip, json

ap = argparse.ArgumentParser()
ap.add_argument("labels", nargs="+")
ap.add_argument("--alerts", required=True)
ap.add_argument("--label", default="benign")
ap.add_argument("--source", default="")
a = ap.parse_args()
conv = {}
for p in a.labels:
    with gzip.open(p, "rt", encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            conv[c["id"]] = (c["source"], c["label"])
types, inds, roles = collections.Counter(), collections.Counter(), collections.Counter()
sess = set()
with open(a.alerts, encoding="utf-8") as f:
    for line in f:
        x = json.loads(line)
        s = conv.get(x["session_id"])
        if not s or s[1] != a.label or not s[0].startswith(a.source):
            continue
        key = (s[0].split("/")[0], x["type"], x.get("subtype"), x["severity"], (x.get("detector") or {}).get("id"))
        types[key] += 1
        sess.add(x["session_id"])
        for ev in x.get("evidence", []):
            roles[ev.get("role")] += 1
            for i in ev.get("indicators", []):
                inds[i] += 1
print("sessions", len(sess))
for k, v in types.most_common(40):
    print(v, k)
print("roles", dict(roles))
for k, v in inds.most_common(40):
    print(v, k)

#!/usr/bin/env python3
"""Allocation sites per event: the difference of two DHAT output files (runs at two event counts), per call stack.

    dhat_sites.py DHAT_N1.json DHAT_N2.json N2_MINUS_N1 [FRAMES]

Prints blocks and bytes per event for each site with at least 0.05 blocks per event, with FRAMES (default 4)
demangled Swift frames above the allocator (needs `swift demangle` on PATH).
"""
import collections
import json
import re
import subprocess
import sys

a_path, b_path, events = sys.argv[1], sys.argv[2], float(sys.argv[3])
depth = int(sys.argv[4]) if len(sys.argv) > 4 else 4
ALLOCATOR = ("swift_allocObject", "swift_slowAlloc", "_allocateUninitialized", "allocateBuffer")


def load(path):
    d = json.load(open(path))
    frames = d["ftbl"]
    sites = collections.defaultdict(lambda: [0, 0])
    for pp in d["pps"]:
        key = tuple(frames[i] for i in pp["fs"][: depth + 6])
        sites[key][0] += pp["tbk"]
        sites[key][1] += pp["tb"]
    return sites


A, B = load(a_path), load(b_path)
rows = []
for key in set(A) | set(B):
    blocks = B.get(key, [0, 0])[0] - A.get(key, [0, 0])[0]
    size = B.get(key, [0, 0])[1] - A.get(key, [0, 0])[1]
    if blocks:
        rows.append((blocks / events, size / events, key))
rows.sort(key=lambda r: -r[0])
symbol = {}
for _, _, key in rows:
    for f in key:
        m = re.match(r"0x[0-9A-Fa-f]+: (\S+)", f)
        if m:
            symbol[f] = m.group(1)
names = sorted(set(symbol.values()))
demangled = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                           capture_output=True, text=True).stdout.split("\n")
readable = dict(zip(names, demangled))
print(f"total {sum(r[0] for r in rows):.2f} blocks, {sum(r[1] for r in rows):.0f} bytes per event")
for blocks, size, key in rows:
    if blocks < 0.05:
        continue
    print(f"{blocks:7.2f} blocks {size:9.0f} B")
    shown = 0
    for f in key:
        s = symbol.get(f)
        if not s or "malloc" in s:
            continue
        name = readable.get(s, s)
        if shown == 0 and any(x in name for x in ALLOCATOR):
            continue
        print("       ", name[:160])
        shown += 1
        if shown >= depth:
            break

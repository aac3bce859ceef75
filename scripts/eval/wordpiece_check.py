#!/usr/bin/env python3
"""Reference ids for WordPieceTokenizer (Sources/ParapetDetect/WordPieceTokenizer.swift).

Writes a JSONL of {"text": ..., "ids": [...]} tokenised by HuggingFace `tokenizers` (the all-MiniLM-L6-v2
tokenizer.json; no special tokens, no truncation, no padding). The Swift test
`WordPieceTokenizerTests.referenceFile` compares every line when PARAPET_WORDPIECE_CHECK points at the file:

    python3 scripts/eval/wordpiece_check.py --tokenizer path/to/tokenizer.json \\
        --corpus data/dev/benign_multi.jsonl.gz -n 5000 -o /tmp/wordpiece.jsonl
    PARAPET_WORDPIECE_CHECK=/tmp/wordpiece.jsonl swift test --filter WordPieceTokenizerTests

Corpus: a .jsonl[.gz] whose lines have "turns": [{"content": ...}] (or "text"), or plain text (.txt[.gz]).
Samples are random windows of random lengths, some of them perturbed (case changes, accents, CJK, emoji,
zero-width and control characters, odd whitespace, special tokens, combining marks) so that the slow paths are
exercised too. `--codepoints` writes one line per code point instead ("a<c>b <c> x<c>"), a sweep of the
per-character tables.
"""
import argparse
import gzip
import json
import random
import sys


def read_corpus(path):
    opener = gzip.open if path.endswith(".gz") else open
    texts = []
    with opener(path, "rt", encoding="utf-8") as f:
        if ".jsonl" in path or ".json" in path:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                row = json.loads(line)
                for turn in row.get("turns", []):
                    c = turn.get("content")
                    if isinstance(c, str) and c:
                        texts.append(c)
                if isinstance(row.get("text"), str) and row["text"]:
                    texts.append(row["text"])
        else:
            texts = [line.rstrip("\n") for line in f if line.strip()]
    return texts


INSERTS = [
    "é", "É", "ï", "Ü", "ñ", "ç", "ø", "ß", "ẞ", "İ", "ı", "Σ", "ς", "Ω", "Å", "ﬁ", "≠", "½", "²", "™",
    "中", "文", "日本語", "한국어", "ｆｕｌｌ", "が", "パ", "😀", "🤯", "👍🏽", "👨\u200d👩\u200d👧", "1\ufe0f\u20e3", "🇫🇷",
    "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f",
    "\x85", "\ufffd", "\ue000", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u2003", "\u180e",
    "e\u0301", "a\u0308\u0323", "\u0301", "\u0345", "\u1734", "\u0e33", "\u0f73",
    "[SEP]", "[CLS]", "[MASK]", "[UNK]", "[PAD]", "[sep]", "[SEP", "’", "“", "”", "…", "—", "«", "»", "¿", "¡",
    "\u037e", "\u1fef", "\u2329", "ا", "ש", "ไทย", "अ", "ক্ষ", "Ⅻ", "𝐀", "𝕏", "\U0001d165\U0001d16d",
    "\U0002b830", "\U0002b920", "\U00030000", "\u0378", "\u2e43", "\u0890",
]


def perturb(text, rng):
    r = rng.random()
    if r < 0.25:
        return text
    if r < 0.35:
        return text.upper()
    if r < 0.45:
        return "".join(c.upper() if rng.random() < 0.3 else c for c in text)
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        pos = rng.randint(0, len(chars))
        chars.insert(pos, rng.choice(INSERTS))
    return "".join(chars)


def samples(texts, n, rng):
    for _ in range(n):
        t = rng.choice(texts)
        r = rng.random()
        if r < 0.15:
            s = t
        elif r < 0.25:
            s = rng.choice(INSERTS) * rng.randint(1, 120)  # also long words (> 100 characters)
        else:
            length = int(rng.choice([20, 60, 150, 500, 1500]) * (0.5 + rng.random()))
            start = rng.randint(0, max(0, len(t) - length))
            s = t[start:start + length]
            if rng.random() < 0.2:
                s += " " + rng.choice(texts)[:200]
        yield perturb(s, rng)


def codepoints():
    for cp in range(0, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if 0x40000 <= cp < 0xE0000:  # unassigned planes: nothing new to learn there
            continue
        c = chr(cp)
        yield f"a{c}b {c} x{c}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True, help="tokenizer.json of all-MiniLM-L6-v2")
    ap.add_argument("--corpus", help="text corpus (.jsonl[.gz] with turns[].content, or plain text)")
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--codepoints", action="store_true", help="one line per code point instead of corpus samples")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(args.tokenizer)
    tok.no_truncation()
    tok.no_padding()

    if args.codepoints:
        texts = list(codepoints())
    else:
        if not args.corpus:
            ap.error("--corpus is required unless --codepoints")
        rng = random.Random(args.seed)
        texts = [s for s in samples(read_corpus(args.corpus), args.n, rng)]
    with open(args.output, "w", encoding="utf-8") as out:
        for i in range(0, len(texts), 1000):
            batch = texts[i:i + 1000]
            for text, enc in zip(batch, tok.encode_batch(batch, add_special_tokens=False)):
                out.write(json.dumps({"text": text, "ids": enc.ids}) + "\n")
    print(f"wrote {len(texts)} lines to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()

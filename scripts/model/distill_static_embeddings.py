#!/usr/bin/env python3
"""Distil static token embeddings from sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0).

Model2vec-style: every WordPiece token of the vocabulary is run alone through the
transformer ([CLS] token [SEP], mean pooling, L2 normalisation, as the sentence
model does), the 384-dim outputs are reduced by PCA to --dims dimensions and written
as float32 little-endian rows (vocab order) to --out in the "PPEM" format that
`parapet train --embeddings` reads: "PPEM", UInt32 version (1), UInt32 rows, UInt32 dims,
32 bytes SHA-256 of vocab.txt, then rows*dims float32 little-endian.

Pure numpy forward pass (no torch): the weights are read from model.safetensors.
Deterministic: no sampling anywhere.

    python3 scripts/model/distill_static_embeddings.py --model DIR --dims 128 --out minilm-static-128.bin
"""
import argparse, json, struct, sys
import numpy as np


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        dtype = {"F32": np.float32, "F16": np.float16, "I64": np.int64}[meta["dtype"]]
        out[name] = np.frombuffer(data[a:b], dtype=dtype).reshape(meta["shape"]).astype(np.float32)
    return out


def layer_norm(x, g, b, eps=1e-12):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def gelu(x):
    from scipy.special import erf
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def encode(w, ids, mask, heads=12, layers=6):
    """ids: [B, T] int, mask: [B, T] 0/1 -> mean-pooled, L2-normalised [B, 384]."""
    p = lambda k: w[k] if k in w else w["bert." + k] if "bert." + k in w else w[k.replace("embeddings.", "embeddings.")]
    B, T = ids.shape
    x = p("embeddings.word_embeddings.weight")[ids] + p("embeddings.position_embeddings.weight")[:T][None] \
        + p("embeddings.token_type_embeddings.weight")[0][None, None]
    x = layer_norm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
    H = x.shape[-1]; d = H // heads
    bias = (1.0 - mask[:, None, None, :]) * -1e9
    for l in range(layers):
        pre = f"encoder.layer.{l}."
        lin = lambda t, n: t @ p(pre + n + ".weight").T + p(pre + n + ".bias")
        q = lin(x, "attention.self.query").reshape(B, T, heads, d).transpose(0, 2, 1, 3)
        k = lin(x, "attention.self.key").reshape(B, T, heads, d).transpose(0, 2, 1, 3)
        v = lin(x, "attention.self.value").reshape(B, T, heads, d).transpose(0, 2, 1, 3)
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(0, 2, 1, 3).reshape(B, T, H)
        x = layer_norm(lin(a, "attention.output.dense") + x, p(pre + "attention.output.LayerNorm.weight"), p(pre + "attention.output.LayerNorm.bias"))
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(h, "output.dense") + x, p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"))
    m = mask[..., None].astype(np.float32)
    e = (x * m).sum(1) / m.sum(1)
    return e / np.linalg.norm(e, axis=-1, keepdims=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="folder with model.safetensors and vocab.txt")
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--out", required=True, help="output file (PPEM format, see above)")
    a = ap.parse_args()
    w = load_safetensors(a.model + "/model.safetensors")
    vocab = [l.rstrip("\n") for l in open(a.model + "/vocab.txt", encoding="utf-8")]
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    n = len(vocab)
    out = np.zeros((n, 384), np.float32)
    bs = 2048
    for i in range(0, n, bs):
        j = min(n, i + bs)
        ids = np.stack([np.full(j - i, cls), np.arange(i, j), np.full(j - i, sep)], 1)
        out[i:j] = encode(w, ids, np.ones_like(ids))
        print(f"{j}/{n}", file=sys.stderr, end="\r")
    mean = out.mean(0)
    u, s, vt = np.linalg.svd(out - mean, full_matrices=False)
    red = (out - mean) @ vt[: a.dims].T
    print(f"\nPCA {a.dims} dims keep {float((s[:a.dims]**2).sum() / (s**2).sum()):.3f} of variance", file=sys.stderr)
    import hashlib
    digest = hashlib.sha256(open(a.model + "/vocab.txt", "rb").read()).digest()
    with open(a.out, "wb") as f:
        f.write(b"PPEM" + struct.pack("<III", 1, n, a.dims) + digest)
        f.write(red.astype("<f4").tobytes())


if __name__ == "__main__":
    main()

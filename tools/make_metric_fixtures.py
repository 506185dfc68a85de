#!/usr/bin/env python3
"""Golden values for Lethe's metrics (ROUGE, Porter stemmer, ROC AUC, MIA scores).

Writes tests/reference/metrics/{rouge,stem,roc,mia}.json and README.md. References:
  - ROUGE: Google's rouge_score (RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=...))
  - stems: nltk.stem.porter.PorterStemmer() (the stemmer rouge_score uses)
  - ROC: sklearn.metrics.roc_auc_score / roc_curve; TPR@FPR as tpr[np.where(fpr < a)[0][-1]]
  - MIA: numpy, written line for line after muse_bench's metrics/privleak.py (Muse convention)
    and open-unlearning's mia/min_k.py, min_k_plus_plus.py (OpenUnlearning convention).
Deterministic (fixed seeds). Run:  /opt/lethe-py/bin/python tools/make_metric_fixtures.py
"""
import json
import os
import random
import sys
import warnings
import zlib

import nltk
import numpy as np
import rouge_score
import scipy
import sklearn
from nltk.stem import porter
from rouge_score import rouge_scorer, tokenize
from sklearn.metrics import auc as sk_auc
from sklearn.metrics import roc_auc_score, roc_curve

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference", "metrics")

# ---------------------------------------------------------------------------------------------
# A 64-bit LCG shared with the C++ tests (tests/metrics/fixture_lcg.h): large inputs are stored as
# (seed, n) and regenerated on both sides instead of being written out.
MASK = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):  # 31 random bits
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & MASK
        return self.s >> 33


def lcg_logprobs(seed, n):
    """Token log-probs -(u % 16000) / 1000.0, in [-15.999, 0]."""
    g = Lcg(seed)
    return [-(g.next() % 16000) / 1000.0 for _ in range(n)]


def lcg_mu_sigma(seed, n):
    g = Lcg(seed)
    mu = [-(g.next() % 8000) / 1000.0 for _ in range(n)]
    sigma = [0.05 + (g.next() % 3000) / 1000.0 for _ in range(n)]
    return mu, sigma


def lcg_roc(seed, n, levels):
    """Scores (u % levels) / 7.0 (ties when levels is small); label 1 more likely at high score."""
    g = Lcg(seed)
    labels, scores = [], []
    for _ in range(n):
        s = g.next() % levels
        scores.append(s / 7.0)
        labels.append(1 if (g.next() % levels) < s + levels // 4 else 0)
    return labels, scores


# ---------------------------------------------------------------------------------------------
# ROUGE
WORDS = """the a of and to in is was for on that with as by at from it be this are or an were which
but not have had has his her they their its one all also more been than other who new first would
can after into over some time two when there only may most like about these such between during
running runs ran runner happily happy happiness relational relate relation conditional conditions
generalization generalize general agreed agree agreement hopping hoped hope hopeful hopefully
caresses ponies ties cats feed plastered motoring sing conflated troubled sized falling hissing
fizzed failing filing happy sky skies dying lying news innings proceed exceeded succeed
electrical electricity formalize formative triplicate goodness revival allowance inference airliner
gyroscopic adjustable defensible irritant replacement adjustment dependent adoption homologous
communism activate angularity effective bowdlerize probate rate cease controlling rolling
university universal universe computing computer computation computational studies studying
studied memorization memorize memorized unlearning unlearned learners learning learned
1990s 2024 3rd covid19 gpt4 abc123 x86 y2k""".split()
PUNCT = [",", ".", "!", "?", ";", ":", "'s", "-", "--", "...", "(", ")", "\"", "/", "&"]


def salad(rng, n, vocab):
    out = []
    for _ in range(n):
        w = rng.choice(vocab)
        r = rng.random()
        if r < 0.15:
            w = w.capitalize()
        elif r < 0.2:
            w = w.upper()
        if rng.random() < 0.2:
            w = w + rng.choice(PUNCT)
        out.append(w)
    sep = rng.choice([" ", " ", " ", "  ", "\n", "\t", " - "])
    return sep.join(out)


TOKENIZE_STRINGS = [
    "", " ", "\n\t  ", "!!!", "... --- ???", "Hello, World!", "HELLO world hello",
    "Café naïve résumé façade", "İstanbul İİ", "5\u212a run \u212aelvin", "Straße ǅemal Ωmega",
    "我爱北京天安门 and Beijing", "emoji 😀 in🙂side", "\ufb01nance of\ufb03ce", "mañana año",
    "3.14 1,000 2024-01-01 v2.0.1", "e-mail re-enter co-operate", "don't won't it's", "a_b c__d",
    "tab\tseparated\nnew\r\nlines", "ALLCAPS MiXeD lower", "x", "ab", "abc", "abcd", "yyyy syzygy",
    "relational conditional hopefulness", "The quick brown fox jumps over the lazy dog.",
    "\u00a0non\u00a0breaking\u2003space", "zero\u200bwidth", "Ω≈ç√∫˜µ≤≥÷", "ÀÉÎÕÜ àéîõü",
    "KNOWLEDGE-Distillation: 95% (p<0.05)", "caresses ponies ties caress cats", "skies dying news innings",
]


def rouge_cases():
    rng = random.Random(20240601)
    pairs = []
    # Word salads drawing on a shared vocabulary, from tiny to medium; some with a small vocab
    # (many repeated words -> non-trivial LCS and n-gram clipping).
    for i in range(150):
        vocab = WORDS if i % 3 else WORDS[:12]
        pairs.append((salad(rng, rng.randint(0, 30), vocab), salad(rng, rng.randint(0, 30), vocab)))
    # Identical, one side empty, punctuation only, case-only differences.
    for i in range(10):
        t = salad(rng, rng.randint(1, 25), WORDS)
        pairs.append((t, t))
        pairs.append((t, t.upper()))
    pairs += [("", ""), ("", "some words here"), ("some words here", ""), ("!!! ...", "?? --"),
              ("...", "the cat"), ("the cat", "...")]
    # Tokenization-focused strings against each other and against salads.
    for s in TOKENIZE_STRINGS:
        pairs.append((s, salad(rng, 8, WORDS)))
        pairs.append((s, rng.choice(TOKENIZE_STRINGS)))
    # Stemming makes a difference: inflected forms of the same stems.
    stems_pairs = [("The runner was running and hoped to win", "runners run hopefully to winning"),
                   ("relational generalizations agreed", "relate generalize agreement"),
                   ("studies of memorization in unlearning", "studying memorized unlearned things")]
    pairs += stems_pairs
    # Long texts (MUSE VerbMem compares ~128-token continuations; these are longer).
    for n in (300, 600):
        a = salad(rng, n, WORDS[:80])
        b = salad(rng, n, WORDS[:80])
        pairs.append((a, b))
    scorers = {st: rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=st) for st in (False, True)}
    cases = []
    for ref, pred in pairs:
        c = {"ref": ref, "pred": pred}
        for st in (False, True):
            s = scorers[st].score(ref, pred)  # score(target, prediction)
            c["stem" if st else "plain"] = [[s[k].precision, s[k].recall, s[k].fmeasure]
                                            for k in ("rouge1", "rouge2", "rougeL")]
        cases.append(c)
    stemmer = porter.PorterStemmer()
    toks = [{"text": s, "plain": tokenize.tokenize(s, None), "stem": tokenize.tokenize(s, stemmer)}
            for s in TOKENIZE_STRINGS]
    return {"cases": cases, "tokenize": toks}


# ---------------------------------------------------------------------------------------------
# Porter stemmer: roots x suffixes aimed at every rule, random letter strings (y-runs, doubled
# consonants) and the irregular forms.
ROOTS = """relat condit valen hesit digit conform radic differ vil analog vietnam predic oper feud
decis hope callous formal sensit sensib tripl form electr good reviv allow infer airlin gyroscop
adjust defens irrit replac depend adopt homolog commun activ angular effect bowdler prob rat ceas
control rol hop fil fail fizz hiss fall tann conflat troubl siz motor plaster agr fe bl sing spi
di ti li happ sk enjo geo theo archaeo philo car pon cat caress gener nation ration sens emot
nerv structur kind dark bright slow quick play cry fly tr stud memor learn comput univers organ
critic hyster mechan photograph""".split()
SUFFIXES = """ational tional enci anci izer bli alli entli eli ousli ization ation ator alism iveness
fulness ousness aliti iviti biliti fulli logi icate ative alize iciti ical ful ness al ance ence er
ic able ible ant ement ment ent ion sion tion ou ism ate iti ous ive ize e ll s es ies sses ss ied
ing ed eed y ly ily edly ingly ed ings ers ated ating ization izations ness es ally ically""".split()


def stem_corpus():
    rng = random.Random(7)
    words = set()
    for r in ROOTS:
        for s in rng.sample(SUFFIXES, 12):
            words.add(r + s)
    for _ in range(500):
        n = rng.randint(1, 12)
        words.add("".join(rng.choice("aeiouybcdlmnrstyyzw") for _ in range(n)))
    for w in ["sky", "skies", "dying", "lying", "tying", "news", "innings", "inning", "outings", "outing",
              "cannings", "canning", "howe", "proceed", "exceed", "succeed", "dies", "died", "spied",
              "flies", "ies", "ied", "eed", "ed", "ing", "yyyy", "syzygy", "y", "by", "a", "ab", "abc",
              "1990s", "abc123ing", "x86s", "covid19", "gpt4", "relationally", "generalizations"]:
        words.add(w)
    words.update(w.lower() for w in WORDS)
    stemmer = porter.PorterStemmer()
    words = sorted(words)
    return {"words": words, "stems": [stemmer.stem(w) for w in words]}


# ---------------------------------------------------------------------------------------------
# ROC
def tpr_at(fpr, tpr, a):
    return float(tpr[np.where(fpr < a)[0][-1]])


def roc_case(labels, scores, full, gen=None, score_num=None):
    """score_num: integer numerators with scores = num / 7.0 (stored instead of the scores)."""
    y = np.array(labels)
    s = np.array(scores, dtype=np.float64)
    if gen:
        c = {"gen": gen}
    elif score_num is not None:
        c = {"labels": labels, "score_num": score_num}
    else:
        c = {"labels": labels, "scores": scores}
    if len(np.unique(y)) < 2:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            v = roc_auc_score(y, s)
        c["single_class"] = True
        c["sklearn_result"] = "nan + UndefinedMetricWarning" if np.isnan(v) and w else repr(v)
        return c
    c["auc"] = float(roc_auc_score(y, s))
    fpr, tpr, thr = roc_curve(y, s)
    c["tpr_at_fpr"] = [[a, tpr_at(fpr, tpr, a)] for a in (0.01, 0.05, 0.1, 0.5)]
    if full:
        c["curve"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": [None] + thr[1:].tolist()}
        fpr2, tpr2, thr2 = roc_curve(y, s, drop_intermediate=False)
        c["curve_all"] = {"fpr": fpr2.tolist(), "tpr": tpr2.tolist(), "thresholds": [None] + thr2[1:].tolist()}
    return c


def roc_cases():
    rng = random.Random(11)
    cases = [roc_case([0, 1], [0.1, 0.9], True), roc_case([1, 0], [0.1, 0.9], True),
             roc_case([0, 1], [0.5, 0.5], True), roc_case([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], True),
             roc_case([0, 1, 0, 1, 0, 1], [1.0] * 6, True), roc_case([0, 0, 0], [0.1, 0.2, 0.3], False),
             roc_case([1], [0.3], False), roc_case([1, 1, 1, 1], [0.1, 0.1, 0.2, 0.3], False),
             roc_case([0, 1, 1, 0, 1], [-0.0, 0.0, 0.0, -0.0, 1e-300], True)]
    for i in range(60):
        n = rng.randint(2, 40)
        levels = rng.choice([2, 3, 5, 1000])  # small: heavy ties
        labels = [rng.randint(0, 1) for _ in range(n)]
        num = [rng.randrange(levels) for _ in range(n)]
        cases.append(roc_case(labels, [v / 7.0 for v in num], full=i < 20, score_num=num))
    for seed, n, levels in [(1, 500, 3), (2, 2000, 50), (3, 5000, 100000), (4, 20000, 7), (5, 100000, 1000003),
                            (6, 1000, 1)]:
        labels, scores = lcg_roc(seed, n, levels)
        cases.append(roc_case(labels, scores, False, gen={"seed": seed, "n": n, "levels": levels}))
    return cases


# ---------------------------------------------------------------------------------------------
# MIA scores, following the reference code line by line.
def muse_min_k(all_prob, ratio):  # muse_bench metrics/privleak.py
    k_length = int(len(all_prob) * ratio)
    topk_prob = np.sort(all_prob)[:k_length]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(-np.mean(topk_prob).item())


def ou_min_k(lp, k):  # open-unlearning mia/min_k.py
    lp = np.array(lp, dtype=np.float64)
    if lp.size == 0:
        return 0.0
    num_k = max(1, int(len(lp) * k))
    return -float(np.mean(np.sort(lp)[:num_k]))


KS = [0.05, 0.1, 0.2, 0.29, 0.3, 0.4, 0.5, 0.6, 0.07, 1.0]


def mia_entry(lp, mu=None, sigma=None):
    e = {"loss": float(-np.mean(np.array(lp))) if lp else None,
         "min_k_muse": [muse_min_k(lp, k) for k in KS], "min_k_ou": [ou_min_k(lp, k) for k in KS]}
    if mu is not None:
        z = (np.array(lp) - np.array(mu)) / np.array(sigma)
        e["mink_pp_muse"] = [muse_min_k(z, k) for k in KS]
        e["mink_pp_ou"] = [ou_min_k(z.tolist(), k) for k in KS]
    return e


def nan_to_none(x):
    if isinstance(x, float) and np.isnan(x):
        return None
    if isinstance(x, list):
        return [nan_to_none(v) for v in x]
    if isinstance(x, dict):
        return {k: nan_to_none(v) for k, v in x.items()}
    return x


def mia_cases():
    rng = random.Random(5)
    explicit = []
    for n in [0, 1, 2, 3, 4, 5, 7, 9, 10, 13, 20, 33]:
        lp = [round(-rng.expovariate(0.5), 6) for _ in range(n)]
        if n > 4:
            lp[1] = lp[3]  # a tie
        mu = [round(-rng.uniform(0.5, 6), 6) for _ in range(n)]
        sigma = [round(rng.uniform(0.1, 3), 6) for _ in range(n)]
        e = {"logprobs": lp, "mu": mu, "sigma": sigma}
        e.update(mia_entry(lp, mu, sigma))
        explicit.append(e)
    generated = []
    for seed, n in [(101, 64), (102, 127), (103, 128), (104, 129), (105, 257), (106, 1000), (107, 4099)]:
        lp = lcg_logprobs(seed, n)
        mu, sigma = lcg_mu_sigma(seed + 1000, n)
        e = {"gen": {"seed": seed, "n": n, "mu_sigma_seed": seed + 1000}}
        e.update(mia_entry(lp, mu, sigma))
        generated.append(e)
    # Long inputs as (unit, count): the text is unit * count.
    texts = [(t, 1) for t in TOKENIZE_STRINGS] + [("a", 10000), ("The cat sat on the mat. ", 700),
                                                   ("Ωmega ünïcode 🙂 ", 333)]
    zl = []
    for unit, count in texts:
        n = len(zlib.compress(bytes(unit * count, "utf-8")))
        zl.append({"unit": unit, "count": count, "zlib_len": n, "score_for_loss_2_5": 2.5 / n})
    # PrivLeak as muse_bench computes it: sweep(ppl, y) = roc_curve(y, -ppl) -> auc, forget = 0.
    priv = []
    for seed, nf, nh in [(201, 100, 100), (202, 37, 50), (203, 400, 300)]:
        g = Lcg(seed)
        forget = [((g.next() % 5000) / 1000.0) - 0.4 for _ in range(nf)]   # members: lower scores
        holdout = [(g.next() % 5000) / 1000.0 for _ in range(nh)]
        ppl = np.array(forget + holdout)
        y = np.array([0] * nf + [1] * nh)
        fpr, tpr, _ = roc_curve(y, -ppl)
        a = float(sk_auc(fpr, tpr))
        priv.append({"seed": seed, "n_forget": nf, "n_holdout": nh, "auc": a,
                     "privleak_books": (a - 0.5392999999999999) / 0.5392999999999999 * 100,
                     "privleak_news": (a - 0.47719999999999996) / 0.47719999999999996 * 100})
    return {"ks": KS, "explicit": nan_to_none(explicit), "generated": nan_to_none(generated), "zlib": zl,
            "privleak": priv}


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {"rouge.json": rouge_cases(), "stem.json": stem_corpus(), "roc.json": {"cases": roc_cases()},
             "mia.json": mia_cases()}
    for name, data in files.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
    versions = (f"rouge_score {getattr(rouge_score, '__version__', '0.1.2')}, nltk {nltk.__version__}, "
                f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
                f"zlib {zlib.ZLIB_RUNTIME_VERSION}, Python {sys.version.split()[0]}")
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write("# Golden values for the metrics tests\n\n"
                "Produced by:\n\n    /opt/lethe-py/bin/python tools/make_metric_fixtures.py\n\n"
                f"with {versions}.\n\n"
                "- rouge.json: rouge_score RougeScorer rouge1/rouge2/rougeL [precision, recall, fmeasure],\n"
                "  use_stemmer False (`plain`) and True (`stem`); `tokenize`: tokenize.tokenize outputs.\n"
                "- stem.json: nltk PorterStemmer().stem(word) for a generated word list.\n"
                "- roc.json: roc_auc_score, roc_curve (drop_intermediate True/False), TPR@FPR as\n"
                "  tpr[np.where(fpr < a)[0][-1]]; `gen` cases are regenerated from an LCG (seed, n, levels).\n"
                "- mia.json: loss, Min-K% (muse_bench and open-unlearning conventions), Min-K%++, zlib\n"
                "  lengths, MUSE PrivLeak (null = NaN).\n")
    for name in files:
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()

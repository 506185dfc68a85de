#!/usr/bin/env python3
"""Golden values for the losses area (tests/reference/losses/), from an independent PyTorch
implementation of docs REFERENCE.md section 1 in float64.

Written from the formulas, in the style of the reference code (HF cross entropy on shifted
labels, F.logsigmoid, F.kl_div(batchmean, log_target), F.mse_loss), not from the C++ sources.

Usage:  /opt/lethe-py/bin/python tools/losses_reference.py [--out tests/reference/losses]
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

IGNORE = -100


# ---------------------------------------------------------------- the reference formulas
def shifted_ce(logits, labels):
    """Per-token NLL [B,T-1] of labels[:,1:] under logits[:,:-1] (0 where ignored)."""
    z = logits[:, :-1, :]
    y = labels[:, 1:]
    return F.cross_entropy(z.transpose(1, 2), y, ignore_index=IGNORE, reduction="none")


def nll_sum(logits, labels):  # REFERENCE: nll_sum(b)
    return shifted_ce(logits, labels).sum(-1)


def n_unshifted(labels):  # REFERENCE: n(b), counted on the unshifted labels
    return (labels != IGNORE).sum(-1).double()


def n_shifted(labels):
    return (labels[:, 1:] != IGNORE).sum(-1).double()


def nll_mean(logits, labels):  # HF outputs.loss
    z = logits[:, :-1, :].reshape(-1, logits.shape[-1])
    return F.cross_entropy(z, labels[:, 1:].reshape(-1), ignore_index=IGNORE)


def simnpo_avg(logits, labels, beta, gamma, shifted=False):
    n = n_shifted(labels) if shifted else n_unshifted(labels)
    r = nll_sum(logits, labels) / n - gamma
    return -F.logsigmoid(beta * r).mean() * 2 / beta


def simnpo_batch_mean(logits, labels, beta):
    return -F.logsigmoid(beta * nll_mean(logits, labels)).mean() * 2 / beta


def simnpo_logits(logits, beta, gamma):
    return -F.logsigmoid(beta * (-logits - gamma)).mean() * 2 / beta


def npo_sum(logits, ref_logits, labels, beta):
    r = nll_sum(logits, labels) - nll_sum(ref_logits, labels)
    return -F.logsigmoid(beta * r).mean() * 2 / beta


def npo_token_mean(logits, ref_logits, labels, beta):
    n = n_shifted(labels)
    r = nll_sum(logits, labels) / n - nll_sum(ref_logits, labels) / n
    return -F.logsigmoid(beta * r).mean() * 2 / beta


def npo_batch_mean(logits, ref_logits, labels, beta):
    r = nll_mean(logits, labels) - nll_mean(ref_logits, labels)
    return -F.logsigmoid(beta * r).mean() * 2 / beta


def npo_logits(logits, ref_logits, beta):
    return -F.logsigmoid(beta * (ref_logits - logits)).mean() * 2 / beta


def kl_all(logits, ref_logits):  # open-unlearning compute_kl_divergence
    V = logits.shape[-1]
    cur = F.log_softmax(logits, -1).view(-1, V)
    ref = F.log_softmax(ref_logits, -1).view(-1, V)
    return F.kl_div(cur, ref, reduction="batchmean", log_target=True)


def kl_labelled(logits, ref_logits, labels):
    cur = F.log_softmax(logits[:, :-1], -1)
    ref = F.log_softmax(ref_logits[:, :-1], -1)
    per_pos = F.kl_div(cur, ref, reduction="none", log_target=True).sum(-1)  # [B,T-1]
    m = labels[:, 1:] != IGNORE
    return per_pos[m].mean()


def rmu_forget(h, u, c, mask=None):
    control = (u / torch.norm(u) * c).view(1, 1, -1)
    if mask is None:
        return F.mse_loss(h, control.expand_as(h))
    sel = h[mask.bool()]  # [N,C]
    return F.mse_loss(sel, control.view(1, -1).expand_as(sel))


def rmu_retain(h, h_frozen, alpha, mask=None):
    if mask is None:
        return F.mse_loss(h, h_frozen) * alpha
    m = mask.bool()
    return F.mse_loss(h[m], h_frozen[m]) * alpha


# ---------------------------------------------------------------- inputs and outputs
def t2j(t):
    return t.tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests",
                                                  "reference", "losses"))
    args = ap.parse_args()
    out = os.path.normpath(args.out)
    os.makedirs(out, exist_ok=True)

    g = torch.Generator().manual_seed(20240611)
    B, T, V, C = 3, 5, 7, 6
    logits = torch.randn(B, T, V, generator=g, dtype=torch.float64) * 2.0
    ref_logits = logits + 0.5 * torch.randn(B, T, V, generator=g, dtype=torch.float64)
    labels = torch.randint(0, V, (B, T), generator=g)
    labels[0, 0] = IGNORE            # an ignored first label: changes n(b) but not the sum
    labels[1, 2] = IGNORE
    labels[1, 3] = IGNORE
    labels[2, 4] = IGNORE            # an ignored last label
    retain_logits = torch.randn(B, T, V, generator=g, dtype=torch.float64) * 1.5
    retain_labels = torch.randint(0, V, (B, T), generator=g)
    retain_labels[2, 1] = IGNORE
    h = torch.randn(B, T, C, generator=g, dtype=torch.float64) * 3.0
    h_frozen = h + 0.1 * torch.randn(B, T, C, generator=g, dtype=torch.float64)
    u = torch.rand(C, generator=g, dtype=torch.float64)
    mask = torch.ones(B, T, dtype=torch.int64)
    mask[0, 3:] = 0
    mask[2, 4] = 0

    tok = -shifted_ce(logits, labels)
    values = {
        "token_logprob": t2j(tok),
        "token_mask": t2j((labels[:, 1:] != IGNORE).long()),
        "nll_sum": t2j(nll_sum(logits, labels)),
        "count": t2j(n_shifted(labels)),
        "count_unshifted": t2j(n_unshifted(labels)),
        "nll_mean": nll_mean(logits, labels).item(),
        "simnpo_avg_reference": simnpo_avg(logits, labels, 1.0, 0.3).item(),
        "simnpo_avg_shifted": simnpo_avg(logits, labels, 1.0, 0.3, shifted=True).item(),
        "simnpo_batch_mean": simnpo_batch_mean(logits, labels, 0.5).item(),
        "simnpo_logits": simnpo_logits(logits, 0.7, 0.2).item(),
        "npo_sequence_sum": npo_sum(logits, ref_logits, labels, 0.1).item(),
        "npo_sequence_mean": npo_token_mean(logits, ref_logits, labels, 0.5).item(),
        "npo_batch_mean": npo_batch_mean(logits, ref_logits, labels, 0.0225).item(),
        "npo_logits": npo_logits(logits, ref_logits, 0.7).item(),
        "grad_ascent": (-nll_mean(logits, labels)).item(),
        "grad_diff": (-5.0 * nll_mean(logits, labels)
                      + 1.0 * nll_mean(retain_logits, retain_labels)).item(),
        "retain_nll": nll_mean(retain_logits, retain_labels).item(),
        "kl_all": kl_all(logits, ref_logits).item(),
        "kl_labelled": kl_labelled(logits, ref_logits, labels).item(),
        "rmu_forget": rmu_forget(h, u, 6.5).item(),
        "rmu_forget_masked": rmu_forget(h, u, 6.5, mask).item(),
        "rmu_retain": rmu_retain(h, h_frozen, 1200.0).item(),
        "rmu_retain_masked": rmu_retain(h, h_frozen, 1200.0, mask).item(),
    }
    params = {
        "simnpo_avg": {"beta": 1.0, "gamma": 0.3},
        "simnpo_batch_mean": {"beta": 0.5},
        "simnpo_logits": {"beta": 0.7, "gamma": 0.2},
        "npo_sequence_sum": {"beta": 0.1},
        "npo_sequence_mean": {"beta": 0.5},
        "npo_batch_mean": {"beta": 0.0225},
        "npo_logits": {"beta": 0.7},
        "grad_diff": {"forget_weight": 5.0, "retain_weight": 1.0},
        "rmu": {"c": 6.5, "alpha": 1200.0},
    }
    # RMU control direction: the WMDP code's torch.rand after torch.manual_seed(seed), fp32.
    rand = {}
    for seed, channels in ((1001, 16), (42, 5)):
        torch.manual_seed(seed)
        rand[str(seed)] = {"channels": channels, "values": t2j(torch.rand(1, 1, channels).view(-1))}

    doc = {
        "about": "Golden values for lethe losses, float64 unless noted; see README.md",
        "inputs": {
            "logits": t2j(logits), "ref_logits": t2j(ref_logits), "labels": t2j(labels),
            "retain_logits": t2j(retain_logits), "retain_labels": t2j(retain_labels),
            "h": t2j(h), "h_frozen": t2j(h_frozen), "u": t2j(u), "mask": t2j(mask),
        },
        "params": params,
        "values": values,
        "rmu_rand_fp32": rand,
        "torch_version": torch.__version__,
    }
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(doc, f, indent=1)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("# Golden values for the losses area\n\n"
                "Produced by (from the repository root):\n\n"
                "    /opt/lethe-py/bin/python tools/losses_reference.py\n\n"
                f"with torch {torch.__version__}. `golden.json` holds the inputs (float64, "
                "B=3, T=5, V=7, C=6, labels with -100) and every loss of REFERENCE.md section 1 "
                "computed by the independent PyTorch implementation in that script; "
                "`rmu_rand_fp32` holds torch.rand(1,1,C) after torch.manual_seed(seed).\n")
    print("wrote", os.path.join(out, "golden.json"), file=sys.stderr)


if __name__ == "__main__":
    main()

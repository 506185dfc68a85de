#!/usr/bin/env python3
"""The same training steps as bench_train_step.cpp in transformers + torch (eager): SimNPO-avg +
retain NLL, and NPO + retain NLL (reference model forward every step, as the reference code),
torch.optim.AdamW, clip_grad_norm_ 1.0, fp32 and pure bf16 weights. Prints tokens/s, GFLOP/s and
the ratio to Lethe's figures in OUT/lethe.json.  Usage: train_step_hf.py OUT"""
import json
import sys
import time

import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM

out = sys.argv[1]
torch.set_num_threads(int(__import__("os").environ.get("LETHE_THREADS", "2")))
lethe = json.load(open(out + "/lethe.json"))
N, tokens = lethe["parameters"], lethe["tokens_per_step"]
torch.manual_seed(0)
B, T = 4, 256
f = torch.randint(3, 8192, (B, T))
r = torch.randint(3, 8192, (B, T))


def seq_nll(model, ids):
    logits = model(input_ids=ids).logits[:, :-1].float()
    lp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    return -lp.sum(-1), torch.full((ids.shape[0],), ids.shape[1], dtype=torch.float32)


for loss in ("simnpo", "npo"):
    for prec, dtype in (("fp32", torch.float32), ("bf16_mixed", torch.bfloat16)):
        model = AutoModelForCausalLM.from_pretrained(out + "/model", torch_dtype=dtype)
        ref = AutoModelForCausalLM.from_pretrained(out + "/model", torch_dtype=dtype).eval() if loss == "npo" else None
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
        best = 1e30
        for it in range(4):
            t0 = time.perf_counter()
            opt.zero_grad()
            s, n = seq_nll(model, f)
            if loss == "simnpo":
                lf = -(2 / 2.5) * F.logsigmoid(2.5 * (s / n)).mean()
            else:
                with torch.no_grad():
                    s_ref, _ = seq_nll(ref, f)
                lf = -(2 / 0.1) * F.logsigmoid(0.1 * (s - s_ref)).mean()
            lr_ = model(input_ids=r, labels=r).loss
            (lf + lr_).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            dt = time.perf_counter() - t0
            if it > 0:
                best = min(best, dt)
        key = f"{loss}_{prec}"
        tps = tokens / best
        ours = lethe[key]["tokens_per_s"]
        label = "bf16 pure weights" if dtype == torch.bfloat16 else "fp32"
        print(f"torch {key} ({label}): {best:.3f} s/step, {tps:.0f} tokens/s, {6 * N * tps / 1e9:.1f} GFLOP/s; "
              f"lethe {ours:.0f} tokens/s, ratio lethe/torch {ours / tps:.2f}")

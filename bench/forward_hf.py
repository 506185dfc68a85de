#!/usr/bin/env python3
"""The transformers half of bench/run_forward.sh: loads the model bench_forward wrote, checks its
logits equal Lethe's (fp32 max abs err; bf16 stated), times the same forward and generation work,
and prints both with the ratio Lethe/transformers (higher = Lethe faster)."""
import json
import sys
import time

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM


def best_of(reps, f):
    best = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def main(out):
    torch.set_num_threads(int(json.load(open(f"{out}/lethe.json"))["threads"]))
    lethe = json.load(open(f"{out}/lethe.json"))
    n_params, n_mm, B, T = lethe["parameters"], lethe["matmul_parameters"], lethe["batch"], lethe["seq"]
    rows = []
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        model = AutoModelForCausalLM.from_pretrained(f"{out}/model", torch_dtype=dtype, attn_implementation="eager").eval()
        ref = load_file(f"{out}/logits_{name}.safetensors")
        ids = ref["input_ids"]
        with torch.inference_mode():
            logits = model(input_ids=ids).logits[:, -4:].float()
            err = (logits - ref["logits"]).abs().max().item()
            t_fwd = best_of(3, lambda: model(input_ids=ids))
            prompts = ids[:, :32]
            mask = torch.ones_like(prompts)
            t_gen = best_of(2, lambda: model.generate(input_ids=prompts, attention_mask=mask, max_new_tokens=64, min_new_tokens=64,
                                                      do_sample=False, pad_token_id=0))
        fwd_tps, gen_tps = B * T / t_fwd, B * 64 / t_gen
        le = lethe[name]
        rows.append((name, err, le["forward_tokens_per_s"], fwd_tps, le["generate_tokens_per_s"], gen_tps))
        print(f"transformers {name}: forward {t_fwd:.3f} s ({fwd_tps:.0f} tok/s, {2 * n_mm * fwd_tps / 1e9:.1f} GFLOP/s); "
              f"generation {t_gen:.3f} s ({gen_tps:.1f} tok/s); max |logit diff| vs Lethe = {err:.3g}")
    print(f"\n{n_params / 1e6:.1f}M-parameter Llama ({n_mm / 1e6:.1f}M in matrix products; GFLOP/s = 2 x that x tok/s), batch {B}x{T} forward, {B}x64 greedy new tokens, {lethe['threads']} threads")
    print("| dtype | max abs logit diff | forward tok/s Lethe | transformers | ratio | generate tok/s Lethe | transformers | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name, err, lf, hf, lg, hg in rows:
        print(f"| {name} | {err:.2g} | {lf:.0f} | {hf:.0f} | {lf / hf:.2f} | {lg:.1f} | {hg:.1f} | {lg / hg:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lethe-bench-forward")

#!/usr/bin/env python3
"""Golden fixtures for the model tests: tiny random Llama-family models with odd sizes, their logits
for a fixed padded batch (left- and right-padded), and greedy generations, all computed by Hugging
Face transformers (eager attention, fp32).

    .venv/bin/python tools/make_model_fixtures.py tests/reference/models

Writes, per variant, <out>/<variant>/{config.json, model.safetensors, expected.safetensors,
generation.json}. expected.safetensors holds input_ids_{left,right}, attention_mask_{left,right},
position_ids_{left,right} and logits_{left,right} ([B,T,V] fp32). generation.json holds the greedy
continuations of the left-padded prompts.

    .venv/bin/python tools/make_model_fixtures.py --check-roundtrip BUILD/lethe

instead makes Lethe write checkpoints (`lethe init-model` then `lethe forward`), loads them with
AutoModelForCausalLM.from_pretrained and prints the max abs logit difference per family.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import save_file, load_file
from transformers import AutoModelForCausalLM, LlamaConfig, MistralConfig, Qwen2Config

VARIANTS = {
    # GQA 4/2, untied, plain RoPE, head_dim 10 (hidden 40).
    "llama": (LlamaConfig, dict(hidden_size=40, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False)),
    # MQA, tied embeddings, q/k/v/o biases, llama3 RoPE scaling.
    "llama_tied_llama3": (LlamaConfig, dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=1,
                                            tie_word_embeddings=True, attention_bias=True, rope_theta=500000.0,
                                            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                          "high_freq_factor": 4.0, "original_max_position_embeddings": 8})),
    # Linear RoPE scaling.
    "llama_linear": (LlamaConfig, dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=4,
                                       tie_word_embeddings=False, rope_scaling={"type": "linear", "factor": 2.0})),
    # Sliding window 4, shorter than the sequences.
    "mistral": (MistralConfig, dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=2, sliding_window=4,
                                    tie_word_embeddings=False)),
    # q/k/v biases, tied, rope_theta 1e6.
    "qwen2": (Qwen2Config, dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                                rope_theta=1000000.0)),
}
COMMON = dict(vocab_size=99, intermediate_size=37, num_hidden_layers=2, max_position_embeddings=64,
              rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=0, initializer_range=0.3)
LENGTHS = [9, 6, 4]


def make_model(name, seed=1234):
    cls, kw = VARIANTS[name]
    cfg = cls(**COMMON, **kw)
    cfg._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager").float().eval()
    with torch.no_grad():  # non-trivial norms and biases, so that a dropped one shows
        for n, p in model.named_parameters():
            if n.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif n.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
    return model


def batch(padding_side, vocab=99, seed=7):
    g = torch.Generator().manual_seed(seed)
    T = max(LENGTHS)
    ids = torch.zeros(len(LENGTHS), T, dtype=torch.long)
    mask = torch.zeros(len(LENGTHS), T, dtype=torch.long)
    for b, n in enumerate(LENGTHS):
        toks = torch.randint(3, vocab, (n,), generator=g)
        sl = slice(T - n, T) if padding_side == "left" else slice(0, n)
        ids[b, sl] = toks
        mask[b, sl] = 1
    pos = (mask.cumsum(1) - 1).masked_fill(mask == 0, 1)
    return ids, mask, pos


def write_variant(out, name):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    model = make_model(name)
    model.save_pretrained(d, safe_serialization=True)
    expected = {}
    with torch.no_grad():
        for side in ("left", "right"):
            ids, mask, pos = batch(side)
            logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits
            expected.update({f"input_ids_{side}": ids, f"attention_mask_{side}": mask,
                             f"position_ids_{side}": pos, f"logits_{side}": logits.float().contiguous()})
        ids, mask, _ = batch("left")
        gen = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False,
                             pad_token_id=0, eos_token_id=None)
    save_file(expected, os.path.join(d, "expected.safetensors"))
    prompts = [ids[b, mask[b].bool()].tolist() for b in range(ids.shape[0])]
    new = gen[:, ids.shape[1]:].tolist()
    with open(os.path.join(d, "generation.json"), "w") as f:
        json.dump({"prompts": prompts, "greedy_new_tokens": new, "max_new_tokens": 8}, f)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters")


def check_roundtrip(lethe):
    worst = 0.0
    for name in VARIANTS:
        cls, kw = VARIANTS[name]
        cfg = dict(COMMON, **kw)
        cfg["model_type"] = cls.model_type
        with tempfile.TemporaryDirectory() as tmp:
            cfg_path = os.path.join(tmp, "config.json")
            with open(cfg_path, "w") as f:
                json.dump(cfg, f)
            mdir = os.path.join(tmp, "model")
            subprocess.run([lethe, "init-model", "--config", cfg_path, "--out", mdir, "--seed", "5"], check=True,
                           stdout=subprocess.DEVNULL)
            ids, mask, pos = batch("left")
            ids_arg = ";".join(",".join(str(t) for t in ids[b, mask[b].bool()].tolist()) for b in range(ids.shape[0]))
            out = os.path.join(tmp, "logits.safetensors")
            subprocess.run([lethe, "forward", "--model", mdir, "--ids", ids_arg, "--out", out], check=True,
                           stdout=subprocess.DEVNULL)
            lethe_out = load_file(out)
            model = AutoModelForCausalLM.from_pretrained(mdir, attn_implementation="eager").float().eval()
            with torch.no_grad():
                ref = model(input_ids=lethe_out["input_ids"], attention_mask=lethe_out["attention_mask"],
                            position_ids=lethe_out["position_ids"]).logits
            m = lethe_out["attention_mask"].bool()
            diff = (ref - lethe_out["logits"]).abs()[m].max().item()
            worst = max(worst, diff)
            print(f"{name}: transformers loaded Lethe's checkpoint; max |logit diff| on real tokens = {diff:.3g}")
    print(f"worst: {worst:.3g}")
    return 0 if worst <= 1e-4 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", default="tests/reference/models")
    ap.add_argument("--check-roundtrip", metavar="LETHE", help="path of the lethe binary")
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.check_roundtrip:
        sys.exit(check_roundtrip(a.check_roundtrip))
    for name in VARIANTS:
        write_variant(a.out, name)
    with open(os.path.join(a.out, "README.md"), "w") as f:
        f.write("# Model fixtures\n\nGenerated by Hugging Face transformers (eager attention, fp32) with:\n\n"
                "    .venv/bin/python tools/make_model_fixtures.py tests/reference/models\n\n"
                f"transformers {__import__('transformers').__version__}, torch {torch.__version__}.\n"
                "Each directory: a tiny random model (HF save_pretrained), expected.safetensors (padded batches and "
                "their logits), generation.json (greedy continuations of the left-padded prompts).\n")


if __name__ == "__main__":
    main()

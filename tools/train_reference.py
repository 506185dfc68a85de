#!/usr/bin/env python3
"""Golden fixture for Lethe's trainer: two optimizer steps of SimNPO (avg) + retain NLL in
PyTorch/transformers on the tiny Llama fixture, with torch.optim.AdamW and clip_grad_norm_.

Usage: /opt/lethe-py/bin/python tools/train_reference.py tests/reference/train
Writes step.safetensors (inputs + parameters after steps 1 and 2) and step.json (settings,
losses, grad norms) and README.md with the command.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "tests/reference/models/llama")
SETTINGS = dict(lr=2e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.01, max_grad_norm=0.5,
                beta=0.3, gamma=0.1, forget_weight=1.5, retain_weight=0.7)
# Parameters saved after step 1 (all parameters are saved after step 2; keeps the fixture small).
STEP1_NAMES = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
               "model.layers.1.mlp.down_proj.weight", "model.norm.weight", "lm_head.weight"]


def batch(gen, B, T, pad_rows):
    ids = torch.randint(3, 99, (B, T), generator=gen)
    mask = torch.ones(B, T, dtype=torch.long)
    for row, n in pad_rows:  # right padding: last n positions
        mask[row, T - n:] = 0
        ids[row, T - n:] = 0
    labels = ids.masked_fill(mask == 0, -100)
    return ids, mask, labels


def seq_nll(logits, labels):
    """Per-sequence summed NLL of shifted labels, and the unshifted label count (reference n(b))."""
    lg, lb = logits[:, :-1].float(), labels[:, 1:]
    lp = torch.log_softmax(lg, -1).gather(-1, lb.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    m = lb != -100
    return -(lp * m).sum(-1), m.sum(-1), (labels != -100).sum(-1)


def main(out_dir):
    torch.manual_seed(0)
    s = SETTINGS
    model = AutoModelForCausalLM.from_pretrained(MODEL, torch_dtype=torch.float32)
    model.train()
    gen = torch.Generator().manual_seed(1234)
    f_ids, f_mask, f_lab = batch(gen, 2, 12, [(1, 3)])
    r_ids, r_mask, r_lab = batch(gen, 2, 12, [(0, 2)])
    opt = torch.optim.AdamW(model.parameters(), lr=s["lr"], betas=(s["beta1"], s["beta2"]), eps=s["eps"],
                            weight_decay=s["weight_decay"])
    tensors = {"forget_ids": f_ids, "forget_mask": f_mask, "forget_labels": f_lab,
               "retain_ids": r_ids, "retain_mask": r_mask, "retain_labels": r_lab}
    record = {"settings": s, "loss": [], "loss_forget": [], "loss_retain": [], "grad_norm": []}
    for step in (1, 2):
        opt.zero_grad()
        logits = model(input_ids=f_ids, attention_mask=f_mask).logits
        nll_sum, _, n_ref = seq_nll(logits, f_lab)
        r = nll_sum / n_ref - s["gamma"]  # SimNPO avg, length_norm reference, gamma inside beta
        lf = -(2.0 / s["beta"]) * F.logsigmoid(s["beta"] * r).mean()
        lr_ = model(input_ids=r_ids, attention_mask=r_mask, labels=r_lab).loss  # HF token mean
        loss = s["forget_weight"] * lf + s["retain_weight"] * lr_
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), s["max_grad_norm"])
        opt.step()
        record["loss"].append(loss.item())
        record["loss_forget"].append(lf.item())
        record["loss_retain"].append(lr_.item())
        record["grad_norm"].append(gn.item())
        for name, p in model.named_parameters():
            if step == 2 or name in STEP1_NAMES:
                tensors[f"step{step}/{name}"] = p.detach().clone().contiguous()
    os.makedirs(out_dir, exist_ok=True)
    save_file(tensors, os.path.join(out_dir, "step.safetensors"))
    with open(os.path.join(out_dir, "step.json"), "w") as f:
        json.dump(record, f, indent=2)
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("# Trainer golden fixture\n\nMade by:\n\n    /opt/lethe-py/bin/python tools/train_reference.py "
                "tests/reference/train\n\n(torch %s, transformers 4.44.2). Two AdamW steps of SimNPO-avg + "
                "retain NLL on tests/reference/models/llama; see the script for the settings.\n" % torch.__version__)
    print(json.dumps(record))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests/reference/train"))

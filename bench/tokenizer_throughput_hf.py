#!/usr/bin/env python
"""HF fast tokenizer counterpart of bench/tokenizer_throughput.cpp: same lines, same checksum.

Usage: /opt/lethe-py/bin/python bench/tokenizer_throughput_hf.py TOKENIZER_JSON TEXT_FILE [PASSES=3]
Runs single-threaded (RAYON_NUM_THREADS=1, one encode call per line) like the C++ program,
and also reports encode_batch with the default thread pool.
"""
import json, os, sys, time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
from tokenizers import Tokenizer  # noqa: E402


def load(path):
    try:
        return Tokenizer.from_file(path)
    except Exception:  # tokenizers 0.19 reads merges only as "a b" strings
        j = json.load(open(path, encoding="utf-8"))
        j["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
        return Tokenizer.from_str(json.dumps(j))


def main():
    tok = load(sys.argv[1])
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    with open(sys.argv[2], encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    nbytes = sum(len(l.encode("utf-8")) for l in lines)

    def run():
        tokens, checksum = 0, 0
        for l in lines:
            ids = tok.encode(l, add_special_tokens=False).ids
            for i, t in enumerate(ids):
                checksum = (checksum + t * (i + 1)) % ((1 << 61) - 1)
            tokens += len(ids)
        return tokens, checksum

    tokens, checksum = run()
    t0 = time.perf_counter()
    for _ in range(passes):
        for l in lines:
            tok.encode(l, add_special_tokens=False)
    sec = (time.perf_counter() - t0) / passes
    print("hf: %d lines, %.2f MB, %d tokens, checksum %d" % (len(lines), nbytes / 1e6, tokens, checksum))
    print("hf: %.3f s/pass, %.2f MB/s, %.0f tokens/s (encode per line, RAYON_NUM_THREADS=%s)"
          % (sec, nbytes / 1e6 / sec, tokens / sec, os.environ["RAYON_NUM_THREADS"]))
    t0 = time.perf_counter()
    tok.encode_batch(lines, add_special_tokens=False)
    sec = time.perf_counter() - t0
    print("hf: encode_batch %.3f s, %.2f MB/s" % (sec, nbytes / 1e6 / sec))


if __name__ == "__main__":
    main()

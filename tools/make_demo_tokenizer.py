#!/usr/bin/env python3
"""The small tokenizer the fast demo ships (configs/demo/tokenizer/): a GPT-2-style byte-level BPE with
1024 tokens trained by Hugging Face `tokenizers` on the demo's generated corpus, so a tiny model sees
word-sized tokens (a 49k-token head would dominate its step). Byte-level, so any text still encodes.

    build/lethe demo --write-data /tmp/demo_data      # the generated corpus (deterministic)
    .venv/bin/python tools/make_demo_tokenizer.py /tmp/demo_data configs/demo/tokenizer
"""
import glob
import json
import os
import sys

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers


def main(data, out):
    texts = []
    for path in sorted(glob.glob(os.path.join(data, "corpus", "*.jsonl"))):
        with open(path) as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1024, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    bos = tok.token_to_id("<|endoftext|>")
    tok.post_processor = processors.TemplateProcessing(single="<|endoftext|> $A", pair="<|endoftext|> $A <|endoftext|> $B",
                                                       special_tokens=[("<|endoftext|>", bos)])
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                   "add_bos_token": True, "model_max_length": 512, "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=2)
    n = sum(len(tok.encode(t).ids) for t in texts)
    print(f"vocab {tok.get_vocab_size()}, {len(texts)} documents, {n} tokens")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

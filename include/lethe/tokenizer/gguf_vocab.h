// The tokenizer part of a GGUF file's metadata ("tokenizer.ggml.*" keys), as plain data.
// Filled by the GGUF reader (src/io/gguf_*.cpp); turned into a Tokenizer by the tokenizer
// library (Tokenizer::from_gguf_vocab). Keeping it plain data keeps tokenizer free of io.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lethe {

struct GgufVocab {
  std::string model;                 // tokenizer.ggml.model: "gpt2" (byte-level BPE) or "llama" (SentencePiece)
  std::string pre;                   // tokenizer.ggml.pre: pre-tokenizer name ("smollm", "llama-bpe", "qwen2", "default", ...)
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens
  std::vector<float> scores;         // tokenizer.ggml.scores (may be empty)
  std::vector<int32_t> token_types;  // tokenizer.ggml.token_type: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
  std::vector<std::string> merges;   // tokenizer.ggml.merges ("a b" per merge; gpt2 only)
  std::optional<int64_t> bos_id, eos_id, unk_id, pad_id;  // tokenizer.ggml.{bos,eos,unknown,padding}_token_id
  std::optional<bool> add_bos, add_eos;                   // tokenizer.ggml.add_{bos,eos}_token
  std::optional<bool> add_space_prefix;                   // tokenizer.ggml.add_space_prefix (llama)
  std::string chat_template;                              // tokenizer.chat_template (may be empty)
};

}  // namespace lethe

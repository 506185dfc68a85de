// lethe::Tokenizer: a Hugging Face tokenizer.json pipeline (normalizer -> added tokens ->
// pre-tokenizer -> BPE model -> post-processor; decoder for the way back), or the same built
// from a GGUF vocabulary. Ids match HF `tokenizers` (checked by tests/tokenizer/*).
// Thread-safe for concurrent encode/decode. Copies share the loaded pipeline.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lethe/core/files.h"
#include "lethe/tokenizer/gguf_vocab.h"

namespace lethe {

class Tokenizer {
 public:
  // Loads a tokenizer.json file. Throws FormatError(path, ...) naming any unsupported
  // component type, a malformed JSON or a missing vocabulary.
  static Tokenizer from_file(const std::string& path);
  // Builds from an already parsed tokenizer.json; `origin` names it in errors.
  static Tokenizer from_json(const json& config, const std::string& origin);
  // Reads <dir>/tokenizer.json plus <dir>/tokenizer_config.json if present (bos/eos/pad/unk
  // tokens, add_bos_token, add_eos_token, chat_template, model_max_length).
  static Tokenizer from_directory(const std::string& dir);
  // Builds the pipeline of a GGUF vocabulary: "gpt2" (byte-level BPE, regex chosen by `pre`
  // as llama.cpp does) or "llama" (SentencePiece as BPE with byte_fallback, merges derived
  // from scores as transformers' GGUFLlamaConverter does).
  static Tokenizer from_gguf_vocab(const GgufVocab& vocab);

  // Token ids of `text` (invalid UTF-8 is read as U+FFFD first); add_special_tokens applies
  // the post-processor (BOS/EOS), as HF's default (true).
  std::vector<int32_t> encode(const std::string& text, bool add_special_tokens = true) const;
  // Text of `ids` through the decoder; special added tokens are dropped if skip_special_tokens.
  // Ids without a token are ignored (as HF does).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  std::optional<int32_t> token_to_id(const std::string& token) const;
  // Empty string for an unknown id.
  std::string id_to_token(int32_t id) const;
  // Number of ids including added tokens (largest id + 1).
  size_t vocab_size() const;
  // True for added tokens marked "special".
  bool is_special(int32_t id) const;
  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  std::optional<int32_t> pad_id() const;
  std::optional<int32_t> unk_id() const;
  // Whether encode(..., true) puts BOS first / EOS last.
  bool adds_bos() const;
  bool adds_eos() const;
  // Jinja chat template ("" if none is known).
  const std::string& chat_template() const;

  // A tokenizer.json equivalent to the loaded pipeline (`tokenizers.Tokenizer.from_file` on it
  // gives identical ids).
  json to_json() const;
  // What goes into tokenizer_config.json: bos_token, eos_token, pad_token, unk_token,
  // add_bos_token, add_eos_token, chat_template, model_max_length (those that are known).
  json special_tokens_config() const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace lethe

// The loaded pipeline behind lethe::Tokenizer (private to src/tokenizer).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "lethe/tokenizer/added_tokens.h"
#include "lethe/tokenizer/bpe_model.h"
#include "lethe/tokenizer/decoders.h"
#include "lethe/tokenizer/normalizers.h"
#include "lethe/tokenizer/post_processor.h"
#include "lethe/tokenizer/pre_tokenizers.h"
#include "lethe/tokenizer/tokenizer.h"

namespace lethe {

struct Tokenizer::Impl {
  std::string origin;
  json config;  // tokenizer.json without model vocab/merges (those come from `model`)
  std::unique_ptr<tok::Normalizer> normalizer;
  std::unique_ptr<tok::PreTokenizer> pre_tokenizer;
  std::unique_ptr<tok::BpeModel> model;
  std::unique_ptr<tok::PostProcessor> post_processor;
  std::unique_ptr<tok::Decoder> decoder;
  tok::AddedVocabulary added;
  // Special-token configuration (tokenizer_config.json or GGUF metadata).
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
  std::optional<bool> add_bos_token, add_eos_token;
  std::string chat_template;
  std::optional<int64_t> model_max_length;
};

}  // namespace lethe

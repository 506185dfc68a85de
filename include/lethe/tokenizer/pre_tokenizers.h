// Pre-tokenizers (tokenizer.json "pre_tokenizer"): ByteLevel, Split, Metaspace, Digits,
// Whitespace, WhitespaceSplit, Sequence. Each cuts the text pieces into smaller pieces (words
// the model encodes independently) and may rewrite them (ByteLevel maps bytes to printable
// characters, Metaspace spaces to U+2581).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lethe/core/files.h"
#include "lethe/tokenizer/piece.h"

namespace lethe::tok {

// GPT-2's pre-tokenizer regex (ByteLevel with use_regex=true; GGUF pre "gpt2", "smollm", ...).
extern const char* const kGpt2Regex;
// Llama-3's (GGUF pre "llama-bpe"/"llama3").
extern const char* const kLlama3Regex;
// Qwen2's (GGUF pre "qwen2"): Llama-3's with single digits.
extern const char* const kQwen2Regex;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits (and may rewrite) the text pieces of `pieces`; pieces with an id are left alone.
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

// Builds the pre-tokenizer described by `config` (null -> nullptr). `origin` names the file.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& config, const std::string& origin);

// HF SplitDelimiterBehavior.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Applies `behavior` to `matches`, a cover of the text by (begin, end, is_match) ranges, and
// returns the kept ranges (HF NormalizedString::split).
std::vector<std::pair<size_t, size_t>> apply_split_behavior(
    const std::vector<std::tuple<size_t, size_t, bool>>& matches, SplitBehavior behavior);

}  // namespace lethe::tok

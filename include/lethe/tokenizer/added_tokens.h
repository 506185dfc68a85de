// Added tokens (tokenizer.json "added_tokens"): strings that are never split. Non-normalized
// ones are matched on the raw input, normalized ones on the normalized text (HF
// AddedVocabulary::extract_and_normalize). Matching is leftmost-longest, then single_word,
// lstrip and rstrip are honoured as HF does.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lethe/core/files.h"
#include "lethe/tokenizer/normalizers.h"
#include "lethe/tokenizer/piece.h"

namespace lethe::tok {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool single_word = false, lstrip = false, rstrip = false, normalized = true, special = false;
  json to_json() const;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `normalizer` (may be null) is applied to the patterns of normalized tokens.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Splits the text pieces on tokens of one set (normalized == false: raw set; true: normalized
  // set), giving matched pieces their id.
  void split(std::vector<Piece>& pieces, bool normalized_set) const;

  std::optional<int32_t> token_to_id(const std::string& content) const;
  const AddedToken* by_id(int32_t id) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Matcher {
    std::vector<std::string> patterns;                  // what is searched for
    std::vector<size_t> token;                          // index into tokens_ per pattern
    std::vector<std::vector<size_t>> by_first_byte;     // pattern indices, longest first
    bool empty() const { return patterns.empty(); }
  };
  void build(Matcher& m, bool normalized_set, const Normalizer* normalizer);
  void split_one(const Piece& p, const Matcher& m, std::vector<Piece>& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<std::string, int32_t> content_to_id_;
  std::unordered_map<int32_t, size_t> id_to_index_;
  Matcher raw_, normalized_;
};

}  // namespace lethe::tok

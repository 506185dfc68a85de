// The BPE model (tokenizer.json "model" of type BPE): vocabulary, ranked merges, byte_fallback
// (<0xXX> tokens), unk_token/fuse_unk, ignore_merges, continuing_subword_prefix and
// end_of_word_suffix. A word is encoded by repeatedly merging the adjacent pair of lowest rank
// (leftmost first), with a min-heap over a linked list of symbols: O(n log n) per word.
// Results are cached per word (bounded cache, guarded by a mutex).
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lethe/core/files.h"

namespace lethe::tok {

class BpeModel {
 public:
  // Builds from the "model" object of tokenizer.json; throws FormatError(origin, ...) for a
  // missing vocab, a malformed merge or a merge whose result is not in the vocabulary.
  BpeModel(const json& config, const std::string& origin);

  // Appends the ids of `word` (one pre-token) to `out`.
  void tokenize(const std::string& word, std::vector<int32_t>& out) const;

  std::optional<int32_t> token_to_id(const std::string& token) const;
  // Empty string for ids outside the model vocabulary.
  const std::string& id_to_token(int32_t id) const;
  // One past the largest id of the vocabulary.
  size_t vocab_size() const { return id_to_token_.size(); }
  // The "model" object for tokenizer.json (vocab and merges as "a b" strings).
  json to_json() const;

 private:
  void merge_word(const std::string& word, std::vector<int32_t>& out) const;
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  struct MergeInfo { int32_t rank, new_id; };
  std::unordered_map<uint64_t, MergeInfo> merges_;  // (left id, right id) -> rank, merged id
  std::vector<std::pair<int32_t, int32_t>> merge_list_;  // by rank, for to_json
  std::optional<int32_t> unk_id_;
  std::string unk_token_, prefix_, suffix_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  int32_t byte_ids_[256];  // id of "<0xXX>", -1 if absent

  static constexpr size_t kCacheCapacity = 200000;  // words; a full cache stops growing
  static constexpr size_t kMaxCachedWordBytes = 256;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace lethe::tok

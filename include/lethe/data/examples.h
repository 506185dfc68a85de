// Cutting tokenized corpora into fixed-length training examples (REFERENCE.md §2).
//
//   per_document  (WMDP recipe) each document is encoded (with the tokenizer's BOS/EOS when
//                 add_special_tokens), its content truncated so that the whole fits max_length
//                 (as HF truncation=True keeps the special tokens), then right-padded to
//                 max_length. Labels = ids; pads get -100 when mask_padding_in_labels, else the
//                 pad id itself (what the WMDP reference code trains on, n(b) = max_length).
//   token_stream  (MUSE recipe) documents joined with `separator`, encoded once without special
//                 tokens, cut into ceil(N / (L-1)) chunks of L-1 tokens, each prefixed with BOS
//                 (L tokens). A short last chunk is completed by appending the FIRST CHUNK
//                 (including its BOS, exactly as muse_bench's DefaultDataset does) and cutting at
//                 L. Labels = inputs, attention mask all ones.
// attention_mask is kept per example because with pad = EOS it cannot be recovered from the ids
// (REFERENCE.md §4).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lethe/tokenizer/tokenizer.h"

namespace lethe::data {

// Label value of ignored positions (as losses::kIgnoreIndex).
constexpr int64_t kIgnoreLabel = -100;

// One training sequence; the three vectors have the same length T.
struct Example {
  std::vector<int64_t> input_ids;       // [T]
  std::vector<int64_t> labels;          // [T] -100 where ignored
  std::vector<int64_t> attention_mask;  // [T] 1 = token, 0 = pad
  size_t size() const { return input_ids.size(); }
};

enum class CutMode { per_document, token_stream };

// Where padding goes: right (the default; HF's padding_side "right") or left (HF's "left", what
// WMDP's RMU code sets: pads before the tokens).
enum class PadSide { right, left };
// Parses "right" | "left"; throws ConfigError naming `key` otherwise.
PadSide parse_pad_side(const std::string& value, const std::string& key = "pad_side");
const char* to_string(PadSide side);

// Parses "per_document" | "token_stream"; throws ConfigError naming `key` otherwise.
CutMode parse_cut_mode(const std::string& value, const std::string& key = "mode");
const char* to_string(CutMode mode);

struct CutOptions {
  int64_t max_length = 1024;           // L: tokens per example (token_stream: including BOS)
  bool add_special_tokens = true;      // per_document: BOS/EOS of the post-processor, as HF
  bool pad_to_max_length = true;       // per_document: false keeps each example's own length
                                       // (collate pads to the longest of the batch)
  bool mask_padding_in_labels = true;  // per_document: labels of pads = -100 (false: = pad id)
  PadSide pad_side = PadSide::right;   // per_document with pad_to_max_length: where pads go
  std::optional<int32_t> pad_id;       // default: tokenizer pad, else EOS (as the reference code)
  std::optional<int32_t> bos_id;       // token_stream: default the tokenizer's BOS
  std::string separator = "\n\n";      // token_stream: joins the documents
  bool wrap_with_bos = true;           // token_stream: the wrap-around appends the first chunk
                                       // with its BOS (muse_bench); false: raw stream tokens
  int threads = 0;                     // per_document: encoding workers (0 = up to 8, at most
                                       // the hardware threads); the result does not depend on it
};

// The pad id to use: options.pad_id, else the tokenizer's pad token, else its EOS; throws
// ConfigError when none exists.
int32_t resolve_pad_id(const Tokenizer& tokenizer, const CutOptions& options);
// The BOS id for token_stream: options.bos_id, else the tokenizer's BOS; throws ConfigError.
int32_t resolve_bos_id(const Tokenizer& tokenizer, const CutOptions& options);

// Per-document examples of `documents` (one per document, in order).
std::vector<Example> cut_per_document(const std::vector<std::string>& documents,
                                      const Tokenizer& tokenizer, const CutOptions& options);
// Token-stream chunks of `documents`.
std::vector<Example> cut_token_stream(const std::vector<std::string>& documents,
                                      const Tokenizer& tokenizer, const CutOptions& options);
// Dispatches on `mode`.
std::vector<Example> cut_corpus(const std::vector<std::string>& documents, const Tokenizer& tokenizer,
                                CutMode mode, const CutOptions& options);

// --- the same on token ids (no tokenizer), used by the above and by tests -----------------------

// One per-document example: prefix + content[:L - |prefix| - |suffix|] + suffix, padded with
// `pad_id` to L (on options.pad_side) when pad_to_max_length.
Example make_document_example(const std::vector<int32_t>& prefix, const std::vector<int32_t>& content,
                              const std::vector<int32_t>& suffix, const CutOptions& options,
                              int32_t pad_id);
// Chunks of the token stream `tokens` as described for token_stream (empty stream -> none).
std::vector<Example> chunk_token_stream(const std::vector<int32_t>& tokens, int64_t max_length,
                                        int32_t bos_id, bool wrap_with_bos = true);

}  // namespace lethe::data

// DataConfig: the `data:` section of a recipe, typed. from_json() accepts the recipe's key names
// and the longer synonyms below (a key and its synonym must not disagree); any other key is a
// ConfigError naming it ("data.<key>: ...").
//
//   forget | forget_paths              file or list of files (unlearn); see "corpus entries"
//   retain | retain_paths              file or list of files (unlearn; may be empty)
//   train  | train_paths               file or list of files (finetune)
//   format                             auto | jsonl | json | txt | lines
//   text_field | field                 JSON field holding the text ("text")
//   split_blank_lines                  txt: one document per blank-line separated block (false)
//   min_chars                          drop documents of fewer characters (0 = keep all)
//   cut | mode                         per_document | token_stream
//   max_length                         tokens per example (1024)
//   add_bos | add_special_tokens       per_document: the tokenizer's BOS/EOS (true)
//   pad_to_max_length                  per_document: pad every example to max_length (true)
//   mask_padding | mask_padding_in_labels   labels of pads = -100 (true; false = WMDP code)
//   pad                                "auto" (pad token, else EOS) | "eos" | "pad" | an id
//   pad_side                           right | left (where pads go, in examples and batches)
//   bos_id                             token_stream: BOS id override (-1 = the tokenizer's)
//   separator                          token_stream: document separator ("\n\n")
//   wrap_with_bos                      token_stream: wrap-around as muse_bench (true)
//   pairing                            random | modulo | cyclic
//   shuffle                            per-epoch seeded shuffle of the forget/train order (true)
//   seed                               pairing and shuffle seed (42)
//   forget_mix                         concat | round_robin: several forget corpora as one set,
//                                      or one corpus (topic) per optimizer step in turn (batch_plan.h)
//   max_examples                       keep the first N forget (finetune: train) examples (0 = all)
//   max_forget_examples, max_retain_examples   per set (0 = all; override max_examples)
//
// Corpus entries: each item of forget / retain / train is a path, or a mapping
//   {path: FILE, format: ..., text_field: ..., max_length: N, min_chars: N}
// whose keys (all but path optional) override the section's for that file, e.g. WMDP's RMU
// truncates the bio corpus at 512 tokens and the cyber one at 768. Each file is read and cut on
// its own (token_stream: one stream per file) and the examples are concatenated in list order;
// the forget entry's index is its topic (forget_mix round_robin; RMU's direction). Integer values
// may be given as strings of digits (recipes deliver YAML scalars as strings).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lethe/core/files.h"
#include "lethe/data/batch_plan.h"
#include "lethe/data/corpus.h"
#include "lethe/data/dataset.h"
#include "lethe/data/examples.h"
#include "lethe/data/pairing.h"
#include "lethe/tokenizer/tokenizer.h"

namespace lethe::data {

// Where the pad id comes from.
enum class PadPolicy {
  automatic,  // the tokenizer's pad token, else its EOS (what the reference code does)
  eos,        // always EOS (WMDP recipe: pad = EOS)
  pad,        // the pad token; ConfigError if the tokenizer has none
  id,         // DataConfig::pad_id
};

// One corpus file of a set, with the settings it overrides (unset = the section's).
struct CorpusSource {
  std::string path;
  std::optional<CorpusFormat> format;
  std::optional<std::string> field;
  std::optional<int64_t> max_length;
  std::optional<int64_t> min_chars;
  CorpusSource() = default;
  CorpusSource(std::string p) : path(std::move(p)) {}  // NOLINT: a bare path is an entry
  bool has_overrides() const { return format || field || max_length || min_chars; }
};

struct DataConfig {
  std::vector<CorpusSource> forget, retain, train;
  CorpusOptions corpus;                       // field, format, split_blank_lines, min_chars
  CutMode mode = CutMode::per_document;
  int64_t max_length = 1024;
  bool add_special_tokens = true;
  bool pad_to_max_length = true;
  bool mask_padding_in_labels = true;
  PadPolicy pad_policy = PadPolicy::automatic;
  int32_t pad_id = -1;                        // with PadPolicy::id
  PadSide pad_side = PadSide::right;
  int32_t bos_id = -1;                        // -1 = the tokenizer's
  std::string separator = "\n\n";
  bool wrap_with_bos = true;
  PairingMode pairing = PairingMode::random;
  bool shuffle = true;
  uint64_t seed = 42;
  ForgetMix forget_mix = ForgetMix::concat;
  int64_t max_forget_examples = 0;            // 0 = all (also the finetune limit)
  int64_t max_retain_examples = 0;

  // Validates and converts a `data` section; `prefix` names it in errors ("data").
  static DataConfig from_json(const json& section, const std::string& prefix = "data");
  // The resolved values under the canonical key names (from_json(to_json()) round-trips).
  json to_json() const;
  // Checks consistency for a task (unlearn: forget set; finetune: train set); ConfigError.
  void validate(bool finetune) const;
  // The CutOptions these settings give with `tokenizer` (pad and BOS ids resolved; for
  // token_stream the pad id stays unset when the tokenizer has neither pad nor EOS), and those of
  // one corpus entry (its max_length override applied).
  CutOptions cut_options(const Tokenizer& tokenizer) const;
  CutOptions cut_options(const Tokenizer& tokenizer, const CorpusSource& source) const;
  // The reader options of one corpus entry (its format / text_field / min_chars overrides applied).
  CorpusOptions corpus_options(const CorpusSource& source) const;
};

// The pad id of `policy` for `tokenizer` (ConfigError when the tokenizer lacks the token).
int32_t resolve_pad_policy(PadPolicy policy, int32_t explicit_id, const Tokenizer& tokenizer);

// Reads and cuts every entry of `sources` on its own, the examples concatenated in list order;
// keeps the first `max_examples` examples when > 0 (per_document tokenizes only those documents).
// `source_of`, when given, receives the entry index of every example.
std::vector<Example> load_examples(const std::vector<CorpusSource>& sources, const DataConfig& config,
                                   const Tokenizer& tokenizer, int64_t max_examples,
                                   std::vector<int64_t>* source_of = nullptr);

// Forget and retain sets with their pairing (seeded with config.seed); each forget example's
// topic is its data.forget entry (round_robin pairs within each topic, see UnlearnDataset).
UnlearnDataset build_unlearn_dataset(const DataConfig& config, const Tokenizer& tokenizer);
// The train set.
FinetuneDataset build_finetune_dataset(const DataConfig& config, const Tokenizer& tokenizer);

}  // namespace lethe::data

// The trainer's BatchProvider over text corpora, from a recipe's data section, built from the data
// area: read_corpus / cut_corpus, data::DataOrder (epoch e's order is a seeded SplitMix64
// permutation, identity when data.shuffle is false; micro-batch i = positions [i*B, i*B + B), a short
// last batch kept), data::pair_indices (random: a seeded retain partner per forget example, fixed for
// the run; cyclic: i mod |retain|) and data::collate (right-pad to the longest row: pad id, mask 0,
// label -100).
#pragma once
#include "lethe/data/examples.h"
#include "lethe/data/order.h"
#include "lethe/tokenizer/tokenizer.h"
#include "lethe/train/trainer.h"

namespace lethe::train {

class CorpusBatches : public BatchProvider {
 public:
  // Reads data.forget/data.retain (unlearn) or data.train (finetune) with `tokenizer`.
  CorpusBatches(const TrainConfig& cfg, const Tokenizer& tokenizer);
  // From examples already cut (tests); `retain` may be empty for fine-tuning.
  CorpusBatches(std::vector<data::Example> primary, std::vector<data::Example> retain, bool has_forget,
                int64_t batch_size, uint64_t seed, bool shuffle, bool cyclic_pairing, int64_t pad_id);

  int64_t batches_per_epoch() override;
  std::pair<StepBatch, StepBatch> batch(int64_t epoch, int64_t index) override;
  size_t examples() const { return primary_.size(); }

 private:
  void init_pairing(bool cyclic);
  StepBatch collate(const std::vector<data::Example>& src, const std::vector<int64_t>& idx) const;

  std::vector<data::Example> primary_, retain_;
  bool has_forget_ = true;
  int64_t batch_size_ = 1;
  uint64_t seed_ = 0;
  bool shuffle_ = true;
  int64_t pad_id_ = 0;
  data::DataOrder order_;
  std::vector<int64_t> partner_;  // retain index of each primary example
};

}  // namespace lethe::train

namespace lethe::train {

// The whole of `lethe unlearn` / `lethe finetune`: load the recipe (+ overrides), the tokenizer
// and the corpora, then run_training.
TrainResult train_from_recipe(const std::string& recipe_path, const std::vector<std::string>& overrides,
                              TaskKind task, const RunOptions& opts = {});

}  // namespace lethe::train

// The trainer's BatchProvider over text corpora: the data area builds the datasets from the
// recipe's data section (data::build_unlearn_dataset / build_finetune_dataset: read_corpus,
// cut_corpus, pairing) and a data::BatchPlan says which rows each micro-batch holds (concat: one
// seeded DataOrder over the forget set, micro-batch i = positions [i*B, i*B + B), a short last
// batch kept; round_robin: optimizer step s reads forget corpus s mod n only). Batches are
// data::collate'd (padded to the longest row on data.pad_side: pad id, mask 0, label -100).
#pragma once
#include <optional>

#include "lethe/data/batch_plan.h"
#include "lethe/data/data_config.h"
#include "lethe/data/dataset.h"
#include "lethe/tokenizer/tokenizer.h"
#include "lethe/train/trainer.h"

namespace lethe::train {

class CorpusBatches : public BatchProvider {
 public:
  // Reads data.forget/data.retain (unlearn) or data.train (finetune) with `tokenizer`.
  CorpusBatches(const TrainConfig& cfg, const Tokenizer& tokenizer);
  // From datasets already built (tests); `data` gives forget_mix, shuffle and seed.
  CorpusBatches(data::UnlearnDataset dataset, const data::DataConfig& data, int64_t batch_size, int64_t grad_accum);
  CorpusBatches(data::FinetuneDataset dataset, const data::DataConfig& data, int64_t batch_size, int64_t grad_accum);

  int64_t batches_per_epoch() override;
  std::pair<StepBatch, StepBatch> batch(int64_t epoch, int64_t index) override;
  // Forget (finetune: train) examples.
  size_t examples() const;
  const data::BatchPlan& plan() const { return plan_; }
  const std::optional<data::UnlearnDataset>& unlearn_dataset() const { return unlearn_; }
  const std::optional<data::FinetuneDataset>& finetune_dataset() const { return finetune_; }

 private:
  std::optional<data::UnlearnDataset> unlearn_;
  std::optional<data::FinetuneDataset> finetune_;
  data::BatchPlan plan_;
};

}  // namespace lethe::train

namespace lethe::train {

// The whole of `lethe unlearn` / `lethe finetune`: load the recipe (+ overrides), the tokenizer
// and the corpora, then run_training.
TrainResult train_from_recipe(const std::string& recipe_path, const std::vector<std::string>& overrides,
                              TaskKind task, const RunOptions& opts = {});

}  // namespace lethe::train

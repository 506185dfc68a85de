// The trainer's BatchProvider over text corpora: the data area builds the datasets from the
// recipe's data section (data::build_unlearn_dataset / build_finetune_dataset: read_corpus,
// cut_corpus, pairing) and a data::BatchPlan says which rows each micro-batch holds (concat: one
// seeded DataOrder over the forget set, micro-batch i = positions [i*B, i*B + B), a short last
// batch kept; round_robin: optimizer step s reads forget corpus s mod n only). Batches are
// data::collate'd (padded to the longest row on data.pad_side: pad id, mask 0, label -100).
//
// Data parallel (world_size W > 1, see trainer.h): train.batch_size B is the per-rank micro-batch.
// Every rank builds the same plan with micro-batches of B*W rows (exactly the plan of a 1-rank
// run with batch_size B*W) and rank r collates rows [r*n/W, (r+1)*n/W) of each n-row micro-batch.
// A short last micro-batch must still split equally (n a multiple of W); the constructor rejects
// data whose last micro-batch would not (ConfigError naming the sizes), so no rank ever gets an
// uneven or empty share.
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
  // rank / world_size: this process's share (see above); 0 / 1 for a single process.
  CorpusBatches(const TrainConfig& cfg, const Tokenizer& tokenizer, int rank = 0, int world_size = 1);
  // From datasets already built (tests); `data` gives forget_mix, shuffle and seed.
  CorpusBatches(data::UnlearnDataset dataset, const data::DataConfig& data, int64_t batch_size, int64_t grad_accum,
                int rank = 0, int world_size = 1);
  CorpusBatches(data::FinetuneDataset dataset, const data::DataConfig& data, int64_t batch_size, int64_t grad_accum,
                int rank = 0, int world_size = 1);

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
  int rank_ = 0, world_ = 1;

  // Builds plan_ over topics of `sizes` rows with micro-batches of batch_size * world_size rows.
  void make_plan(const std::vector<int64_t>& sizes, const data::DataConfig& d, data::ForgetMix mix, int64_t batch_size,
                 int64_t grad_accum, int rank, int world_size);
};

}  // namespace lethe::train

namespace lethe::train {

// The whole of `lethe unlearn` / `lethe finetune`: load the recipe (+ overrides), the tokenizer
// and the corpora, then run_training. With WORLD_SIZE > 1 in the environment (torchrun or
// `lethe launch`), joins the other ranks over Gloo (dist::Comm::over_tcp) and trains data-parallel.
TrainResult train_from_recipe(const std::string& recipe_path, const std::vector<std::string>& overrides,
                              TaskKind task, const RunOptions& opts = {});

}  // namespace lethe::train

#include "lethe/train/corpus_batches.h"

#include "lethe/core/error.h"
#include "lethe/model/tokenizer_loader.h"

namespace lethe::train {
namespace {

StepBatch step_batch(data::Batch b) {
  StepBatch s;
  s.input_ids = std::move(b.input_ids);
  s.attention_mask = std::move(b.attention_mask);
  s.labels = std::move(b.labels);
  s.indices = std::move(b.indices);
  s.topics = std::move(b.topics);
  return s;
}

}  // namespace

CorpusBatches::CorpusBatches(const TrainConfig& cfg, const Tokenizer& tok) {
  if (cfg.task == TaskKind::unlearn)
    *this = CorpusBatches(data::build_unlearn_dataset(cfg.data, tok), cfg.data, cfg.batch_size, cfg.grad_accum);
  else
    *this = CorpusBatches(data::build_finetune_dataset(cfg.data, tok), cfg.data, cfg.batch_size, cfg.grad_accum);
}

CorpusBatches::CorpusBatches(data::UnlearnDataset dataset, const data::DataConfig& d, int64_t batch_size,
                             int64_t grad_accum)
    : unlearn_(std::move(dataset)) {
  const auto sizes = d.forget_mix == data::ForgetMix::concat ? std::vector<int64_t>{unlearn_->size()}
                                                             : unlearn_->topic_sizes();
  plan_ = data::BatchPlan(sizes, d.forget_mix, batch_size, grad_accum, d.shuffle, d.seed);
}

CorpusBatches::CorpusBatches(data::FinetuneDataset dataset, const data::DataConfig& d, int64_t batch_size,
                             int64_t grad_accum)
    : finetune_(std::move(dataset)) {
  plan_ = data::BatchPlan({finetune_->size()}, data::ForgetMix::concat, batch_size, grad_accum, d.shuffle, d.seed);
}

size_t CorpusBatches::examples() const { return unlearn_ ? unlearn_->forget.size() : finetune_->examples.size(); }

int64_t CorpusBatches::batches_per_epoch() { return plan_.batches_per_epoch(); }

std::pair<StepBatch, StepBatch> CorpusBatches::batch(int64_t epoch, int64_t index) {
  const auto idx = plan_.indices(epoch, index);
  if (finetune_) return {StepBatch{}, step_batch(finetune_->get(idx))};
  auto [f, r] = unlearn_->get(idx);
  return {step_batch(std::move(f)), r.defined() ? step_batch(std::move(r)) : StepBatch{}};
}

TrainResult train_from_recipe(const std::string& recipe_path, const std::vector<std::string>& overrides, TaskKind task,
                              const RunOptions& opts) {
  auto cfg = load_train_config(recipe_path, overrides, task);
  auto tok = load_tokenizer(cfg.tokenizer_path);
  CorpusBatches data(cfg, tok);
  return run_training(cfg, data, opts);
}

}  // namespace lethe::train

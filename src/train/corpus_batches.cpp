#include "lethe/train/corpus_batches.h"

#include "lethe/core/error.h"
#include "lethe/dist/comm.h"
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

CorpusBatches::CorpusBatches(const TrainConfig& cfg, const Tokenizer& tok, int rank, int world_size) {
  if (cfg.task == TaskKind::unlearn)
    *this = CorpusBatches(data::build_unlearn_dataset(cfg.data, tok), cfg.data, cfg.batch_size, cfg.grad_accum, rank,
                          world_size);
  else
    *this = CorpusBatches(data::build_finetune_dataset(cfg.data, tok), cfg.data, cfg.batch_size, cfg.grad_accum, rank,
                          world_size);
}

CorpusBatches::CorpusBatches(data::UnlearnDataset dataset, const data::DataConfig& d, int64_t batch_size,
                             int64_t grad_accum, int rank, int world_size)
    : unlearn_(std::move(dataset)) {
  const auto sizes = d.forget_mix == data::ForgetMix::concat ? std::vector<int64_t>{unlearn_->size()}
                                                             : unlearn_->topic_sizes();
  make_plan(sizes, d, d.forget_mix, batch_size, grad_accum, rank, world_size);
}

CorpusBatches::CorpusBatches(data::FinetuneDataset dataset, const data::DataConfig& d, int64_t batch_size,
                             int64_t grad_accum, int rank, int world_size)
    : finetune_(std::move(dataset)) {
  make_plan({finetune_->size()}, d, data::ForgetMix::concat, batch_size, grad_accum, rank, world_size);
}

void CorpusBatches::make_plan(const std::vector<int64_t>& sizes, const data::DataConfig& d, data::ForgetMix mix,
                              int64_t batch_size, int64_t grad_accum, int rank, int world_size) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw ConfigError("data parallel: rank " + std::to_string(rank) + " of world size " + std::to_string(world_size));
  rank_ = rank;
  world_ = world_size;
  const int64_t global = batch_size * world_size;
  for (size_t t = 0; t < sizes.size(); ++t) {
    const int64_t last = sizes[t] % global;  // rows of the short last micro-batch (0: none)
    if (last % world_size != 0)
      throw ConfigError(std::string(finetune_ ? "data.train" : sizes.size() > 1 ? "data.forget[" + std::to_string(t) + "]" : "data.forget") +
                        ": " + std::to_string(sizes[t]) + " examples end in a micro-batch of " + std::to_string(last) +
                        " rows, which " + std::to_string(world_size) + " ranks (train.batch_size " +
                        std::to_string(batch_size) + " each) cannot share equally; change train.batch_size or the data " +
                        "so that the examples are a multiple of " + std::to_string(world_size) + " per topic");
  }
  plan_ = data::BatchPlan(sizes, mix, global, grad_accum, d.shuffle, d.seed);
}

size_t CorpusBatches::examples() const { return unlearn_ ? unlearn_->forget.size() : finetune_->examples.size(); }

int64_t CorpusBatches::batches_per_epoch() { return plan_.batches_per_epoch(); }

std::pair<StepBatch, StepBatch> CorpusBatches::batch(int64_t epoch, int64_t index) {
  auto idx = plan_.indices(epoch, index);
  if (world_ > 1) {
    const auto [lo, hi] = dist::rank_rows(int64_t(idx.size()), rank_, world_);
    idx = std::vector<int64_t>(idx.begin() + lo, idx.begin() + hi);
  }
  if (finetune_) return {StepBatch{}, step_batch(finetune_->get(idx))};
  auto [f, r] = unlearn_->get(idx);
  return {step_batch(std::move(f)), r.defined() ? step_batch(std::move(r)) : StepBatch{}};
}

TrainResult train_from_recipe(const std::string& recipe_path, const std::vector<std::string>& overrides, TaskKind task,
                              const RunOptions& opts) {
  auto cfg = load_train_config(recipe_path, overrides, task);
  auto tok = load_tokenizer(cfg.tokenizer_path);
  const auto env = dist::launch_env();
  std::unique_ptr<dist::Comm> comm;
  RunOptions o = opts;
  if (env && env->world_size > 1) {
    comm = dist::Comm::over_tcp(*env);
    o.comm = comm.get();
  }
  CorpusBatches data(cfg, tok, comm ? comm->rank() : 0, comm ? comm->world_size() : 1);
  return run_training(cfg, data, o);
}

}  // namespace lethe::train

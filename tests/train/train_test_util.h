// Helpers for the trainer tests: a resolved config on the tiny Llama fixture and an in-memory
// batch source that is deterministic in (epoch, index).
#pragma once
#include <torch/torch.h>

#include "lethe/train/recipe.h"
#include "lethe/train/trainer.h"
#include "test_paths.h"

namespace lethe::testing {

// Defaults + the given --set style overrides, with model.path = the llama fixture.
inline train::TrainConfig tiny_config(const std::string& out_dir, const std::vector<std::string>& sets,
                                      train::TaskKind task = train::TaskKind::unlearn) {
  auto tree = train::recipe_defaults();
  train::apply_override(tree, "model.path=" + fixture("models/llama"));
  train::apply_override(tree, "output.dir=" + out_dir);
  train::apply_override(tree, "train.threads=2");
  for (const auto& s : sets) train::apply_override(tree, s);
  return train::TrainConfig::from_json(tree, task);
}

// Random token batches (vocab 99) with right padding on odd rows; fixed per (epoch, index).
class RandomBatches : public train::BatchProvider {
 public:
  RandomBatches(int64_t n_batches, int64_t B, int64_t T, bool with_forget = true, uint64_t seed = 7)
      : n_(n_batches), B_(B), T_(T), forget_(with_forget), seed_(seed) {}
  int64_t batches_per_epoch() override { return n_; }
  std::pair<train::StepBatch, train::StepBatch> batch(int64_t epoch, int64_t index) override {
    // The same examples every epoch, visited in an order that depends on the epoch.
    const int64_t slot = (index * 7 + epoch * 3) % n_;
    train::StepBatch f, r;
    if (forget_) f = make(slot, 0);
    r = make(slot, 1);
    return {f, r};
  }
  train::StepBatch make(int64_t slot, int64_t side) const {
    auto gen = at::detail::createCPUGenerator(seed_ * 1000 + slot * 2 + side);
    train::StepBatch b;
    b.input_ids = torch::randint(3, 99, {B_, T_}, gen, torch::kInt64);
    b.attention_mask = torch::ones({B_, T_}, torch::kInt64);
    for (int64_t i = 1; i < B_; i += 2) b.attention_mask[i].narrow(0, T_ - 2, 2).zero_();
    b.labels = b.input_ids.masked_fill(b.attention_mask == 0, -100);
    for (int64_t i = 0; i < B_; ++i) b.indices.push_back(slot * B_ + i);
    return b;
  }

 private:
  int64_t n_, B_, T_;
  bool forget_;
  uint64_t seed_;
};

}  // namespace lethe::testing

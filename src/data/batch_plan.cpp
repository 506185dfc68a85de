#include "lethe/data/batch_plan.h"

#include <algorithm>

#include "lethe/core/error.h"
#include "lethe/data/random.h"

namespace lethe::data {

ForgetMix parse_forget_mix(const std::string& value, const std::string& key) {
  if (value == "concat") return ForgetMix::concat;
  if (value == "round_robin") return ForgetMix::round_robin;
  throw ConfigError(key + ": unknown forget mix '" + value + "' (expected concat | round_robin)");
}

const char* to_string(ForgetMix mix) { return mix == ForgetMix::concat ? "concat" : "round_robin"; }

BatchPlan::BatchPlan(std::vector<int64_t> topic_sizes, ForgetMix mix, int64_t batch_size, int64_t micro_batches_per_step,
                     bool shuffle, uint64_t seed)
    : sizes_(std::move(topic_sizes)), mix_(mix), batch_size_(batch_size), accumulation_(micro_batches_per_step) {
  if (batch_size_ < 1) throw ConfigError("batch_size: must be >= 1, got " + std::to_string(batch_size_));
  if (accumulation_ < 1) throw ConfigError("grad_accum: must be >= 1, got " + std::to_string(accumulation_));
  if (sizes_.empty()) throw ConfigError("batch plan: no topic");
  int64_t n = 0;
  for (size_t t = 0; t < sizes_.size(); ++t) {
    if (sizes_[t] < 0 || (mix_ == ForgetMix::round_robin && sizes_[t] == 0))
      throw ConfigError("data.forget[" + std::to_string(t) + "]: the corpus gives no example, and forget_mix " +
                        "round_robin trains on every forget corpus in turn");
    offsets_.push_back(n);
    n += sizes_[t];
  }
  if (mix_ == ForgetMix::concat) {
    orders_.emplace_back(n, shuffle, seed);
  } else {
    for (size_t t = 0; t < sizes_.size(); ++t) orders_.emplace_back(sizes_[t], shuffle, derive_seed(seed, t));
  }
}

int64_t BatchPlan::batches_per_epoch() const {
  if (orders_.empty()) return 0;
  if (mix_ == ForgetMix::concat) return orders_[0].num_batches(batch_size_);
  int64_t steps = 0;  // steps per topic per epoch: enough for the largest topic
  for (const auto& o : orders_)
    steps = std::max(steps, (o.num_batches(batch_size_) + accumulation_ - 1) / accumulation_);
  return topics() * steps * accumulation_;
}

std::pair<int64_t, int64_t> BatchPlan::locate(int64_t epoch, int64_t index) const {
  const int64_t k = epoch * batches_per_epoch() + index;  // global micro-batch
  const int64_t step = k / accumulation_, micro = k % accumulation_;
  return {step % topics(), (step / topics()) * accumulation_ + micro};
}

std::vector<int64_t> BatchPlan::indices(int64_t epoch, int64_t index) const {
  const int64_t bpe = batches_per_epoch();
  if (epoch < 0 || index < 0 || index >= bpe)
    throw ConfigError("batch plan: micro-batch " + std::to_string(index) + " of epoch " + std::to_string(epoch) +
                      " out of range (" + std::to_string(bpe) + " per epoch)");
  if (mix_ == ForgetMix::concat) return orders_[0].batch_indices(epoch, index, batch_size_);
  const auto [t, m] = locate(epoch, index);
  const int64_t b = orders_[t].num_batches(batch_size_);
  auto idx = orders_[t].batch_indices(m / b, m % b, batch_size_);
  for (auto& i : idx) i += offsets_[t];
  return idx;
}

int64_t BatchPlan::topic(int64_t epoch, int64_t index) const {
  if (mix_ == ForgetMix::concat) return -1;
  return locate(epoch, index).first;
}

}  // namespace lethe::data

// BatchPlan: which dataset rows every micro-batch of a training run holds, for a dataset whose
// rows come in topics (the forget corpora of data.forget, in order; topic t holds rows
// [offset_t, offset_t + n_t)). B = batch size, A = micro-batches per optimizer step.
//
//   concat       the topics are one set: one DataOrder over all n rows (seed), micro-batch i of
//                epoch e = order(e)[i*B, (i+1)*B) (a short last batch kept). An epoch has ceil(n/B)
//                micro-batches; the trainer drops the ones that do not fill an accumulation group.
//   round_robin  WMDP's RMU loop (rmu/unlearn.py: topic_idx = idx % n_topics, batch_idx =
//                idx // n_topics): optimizer step s uses topic s mod T only, and topic t's steps
//                read its own stream of micro-batches m = 0, 1, 2, ... (A per step, so topic t's
//                k-th step reads m = kA .. kA+A-1). Stream position m lies in the topic's epoch
//                m / b_t at batch m mod b_t of DataOrder(n_t, shuffle, derive_seed(seed, t)), with
//                b_t = ceil(n_t / B). A run's epoch is T * max_t ceil(b_t / A) steps, so every row
//                of every topic is seen at least once per epoch; a smaller topic simply goes on
//                into its next (reshuffled) epoch.
// Everything is a pure function of (epoch, index): a resumed run reads exactly what an
// uninterrupted one would.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/data/order.h"

namespace lethe::data {

enum class ForgetMix { concat, round_robin };
// Parses "concat" | "round_robin"; throws ConfigError naming `key` otherwise.
ForgetMix parse_forget_mix(const std::string& value, const std::string& key = "forget_mix");
const char* to_string(ForgetMix mix);

class BatchPlan {
 public:
  BatchPlan() = default;
  // topic_sizes: rows per topic (each >= 1; concat also accepts a single topic of any size >= 0).
  BatchPlan(std::vector<int64_t> topic_sizes, ForgetMix mix, int64_t batch_size, int64_t micro_batches_per_step,
            bool shuffle, uint64_t seed);

  // Micro-batches per epoch (round_robin: a multiple of micro_batches_per_step).
  int64_t batches_per_epoch() const;
  // Dataset row indices of micro-batch `index` of `epoch` (index < batches_per_epoch()).
  std::vector<int64_t> indices(int64_t epoch, int64_t index) const;
  // The topic micro-batch `index` of `epoch` reads (round_robin); -1 for concat (mixed rows).
  int64_t topic(int64_t epoch, int64_t index) const;
  int64_t topics() const { return static_cast<int64_t>(sizes_.size()); }

 private:
  // (topic, position in the topic's stream) of global micro-batch k (round_robin).
  std::pair<int64_t, int64_t> locate(int64_t epoch, int64_t index) const;

  std::vector<int64_t> sizes_, offsets_;
  ForgetMix mix_ = ForgetMix::concat;
  int64_t batch_size_ = 1, accumulation_ = 1;
  std::vector<DataOrder> orders_;  // concat: one over all rows; round_robin: one per topic
};

}  // namespace lethe::data

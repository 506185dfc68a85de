// The training objective, assembled by name from the losses area:
//   L = w_f * L_forget(forget batch) + w_r * L_retain(retain batch)
// Label-based terms use the chunked LM head (sequence_nll_from_hidden): full [B,T,V] logits are
// formed only where a loss needs them (SimNPO `logits` form, NPO `logits` reduction, retain KL).
// NPO's reference per-sequence NLL is cached per forget sample index (PERFORMANCE.md technique 6).
// RMU: L = rmu_forget(h_l(x_f)) + rmu_retain(h_l(x_r), h_l^frozen(x_r)) with alpha inside the
// retain term, both times the weights (1.0 in the WMDP recipe); layers after l are skipped. Each
// forget row is pushed toward the direction of its topic (its data.forget entry): u_t = row t of
// rmu_random_directions(loss.rmu.topics, C, loss.rmu.direction_seed), fixed for the run.
//
// Shapes: B batch, T tokens, C hidden, V vocabulary.
#pragma once
#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "lethe/model/causal_lm.h"
#include "lethe/train/train_config.h"

namespace lethe::train {

// One side of a training example batch (the data area's Batch carries the same three tensors).
struct StepBatch {
  torch::Tensor input_ids;       // [B,T] int64
  torch::Tensor attention_mask;  // [B,T] 1 = token, 0 = pad
  torch::Tensor labels;          // [B,T] int64, -100 ignored
  std::vector<int64_t> indices;  // dataset index of each row (keys of the NPO reference cache)
  std::vector<int64_t> topics;   // forget batches: topic (data.forget entry) of each row; empty = 0
  bool defined() const { return input_ids.defined(); }
  int64_t tokens() const { return attention_mask.defined() ? attention_mask.sum().item<int64_t>() : input_ids.numel(); }
};

struct LossValue {
  torch::Tensor total;                   // scalar, differentiable
  std::map<std::string, double> parts;   // "forget", "retain" (unweighted), for the log
};

class Objective {
 public:
  // `reference` must be given when reference_needed(cfg) (frozen, eval, no grad).
  Objective(const LossConfig& cfg, CausalLM model, std::optional<CausalLM> reference, bool gradient_checkpointing);

  // True when the objective needs a frozen copy of the start model (NPO, KL, RMU).
  static bool reference_needed(const LossConfig& cfg);

  // Loss on one micro-batch. `forget` is undefined for fine-tuning; `retain` undefined when the
  // retain term is none.
  LossValue compute(const StepBatch& forget, const StepBatch& retain);

  // Entries in the NPO reference cache (for tests and logs).
  size_t cached_references() const { return ref_cache_.size(); }

 private:
  torch::Tensor hidden(CausalLM& m, const StepBatch& b);
  losses::SequenceNll nll(CausalLM& m, const StepBatch& b);
  losses::SequenceNll reference_nll(const StepBatch& b);
  torch::Tensor forget_term(const StepBatch& f);
  torch::Tensor retain_term(const StepBatch& r);
  // RMU: the output of decoder layer cfg.rmu.layer for `b` (later layers skipped), fp32 [B,T,C];
  // through the frozen reference model without grad when `frozen`.
  torch::Tensor rmu_activations(const StepBatch& b, bool frozen);
  // RMU: the direction of each forget row's topic, [B,C].
  torch::Tensor rmu_row_directions(const StepBatch& f) const;

  LossConfig cfg_;
  CausalLM model_;
  std::optional<CausalLM> ref_;
  bool checkpointing_;
  torch::Tensor rmu_u_;  // [topics, C] fp32, one direction per forget corpus
  struct RefEntry { double sum, count, count_unshifted; };
  std::unordered_map<int64_t, RefEntry> ref_cache_;
};

}  // namespace lethe::train

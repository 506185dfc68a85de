// NPO forget loss (Zhang et al. 2024, "Negative Preference Optimization"), REFERENCE.md §1.
// The reference model's per-sequence NLL comes in precomputed, so a trainer can cache it per
// forget sample (PERFORMANCE.md technique 6): the reference model is frozen and the samples fixed.
//
// Shape legend: B = batch, T = sequence length, V = vocabulary.
#pragma once
#include <torch/torch.h>

#include <string>

#include "lethe/losses/sequence_nll.h"

namespace lethe::losses {

enum class NpoReduction {
  sequence_sum,   // r_b = nll_sum_theta(b) - nll_sum_ref(b)    (NPO paper, TOFU code; default)
  sequence_mean,  // r_b = nll_sum_theta(b)/count(b) - nll_sum_ref(b)/count(b)  (token means)
  batch_mean,     // r = nll_mean_theta(batch) - nll_mean_ref(batch)  (HF outputs.loss on both
                  //   sides, one r per batch: the newer WMDP pipeline, beta 0.0225 there)
  logits,         // r = z_ref[b,t,v] - z_theta[b,t,v] over every b,t,v  (MUSE's npo code)
};

NpoReduction parse_npo_reduction(const std::string& value, const std::string& key = "npo_reduction");
const char* to_string(NpoReduction reduction);

struct NpoOptions {
  double beta = 0.1;  // inverse temperature (> 0); recipes set it
  NpoReduction reduction = NpoReduction::sequence_sum;
};

// L = -(2/beta) * mean logsigmoid(beta * r) with r as chosen by options.reduction (not logits:
// ConfigError). theta and ref must describe the same batch (same counts).
torch::Tensor npo_forget_loss(const SequenceNll& theta, const SequenceNll& ref,
                              const NpoOptions& options);

// Reduction logits: L = -(2/beta) * mean_{b,t,v} logsigmoid(beta * (z_ref - z_theta)).
// logits, ref_logits [B,T,V]; ref_logits is treated as a constant (detached).
torch::Tensor npo_logits_forget_loss(const torch::Tensor& logits, const torch::Tensor& ref_logits,
                                     double beta);

}  // namespace lethe::losses

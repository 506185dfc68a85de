// SimNPO forget loss (arXiv:2410.07163; code forms of OPTML-Group/Unlearn-Simple), REFERENCE.md §1.
// Takes no reference model. Total objective = w_f * L_f + w_r * L_retain is composed by the
// trainer; the seeds' "lambda" is w_f.
//
// Shape legend: B = batch, T = sequence length, V = vocabulary.
#pragma once
#include <torch/torch.h>

#include <string>

#include "lethe/losses/sequence_nll.h"

namespace lethe::losses {

enum class SimNpoMode {
  avg,         // r_b = nll_sum(b)/n(b) - gamma;  L = -(2/beta) mean_b logsigmoid(beta r_b)
               //   (TOFU code and the WMDP-checkpoint script; gamma inside the beta product)
  batch_mean,  // r = nll_mean(forget batch), no gamma;  L = -(2/beta) logsigmoid(beta r)
               //   (newer WMDP pipeline)
  logits,      // L = -(2/beta) mean_{b,t,v} logsigmoid(beta (-z[b,t,v] - gamma)); ignores labels
               //   (the code that trained the MUSE-Books checkpoint; differs from the paper)
};

SimNpoMode parse_simnpo_mode(const std::string& value, const std::string& key = "simnpo_mode");
const char* to_string(SimNpoMode mode);

struct SimNpoOptions {
  double beta = 2.5;   // inverse temperature (> 0); recipes set it (WMDP 5.5, MUSE-Books 0.7)
  double gamma = 0.0;  // reward margin; unused by batch_mean
  SimNpoMode mode = SimNpoMode::avg;
  // n(b) for mode avg. Default `reference` (n(b) counted on the unshifted labels) reproduces
  // the reference code and the published numbers; `shifted` divides by the predictions summed.
  LengthNorm length_norm = LengthNorm::reference;
};

// Modes avg and batch_mean from the primitive; ConfigError for mode logits (needs logits).
torch::Tensor simnpo_forget_loss(const SequenceNll& nll, const SimNpoOptions& options);

// Mode logits: L = -(2/beta) * mean_{b,t,v} logsigmoid(beta * (-z - gamma)); z = logits [B,T,V]
// in any float dtype, computed in loss_dtype. Every position and vocabulary entry counts.
torch::Tensor simnpo_logits_forget_loss(const torch::Tensor& logits, double beta, double gamma);

// Any mode from logits [B,T,V] and labels [B,T] (labels unused by mode logits).
torch::Tensor simnpo_forget_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                                 const SimNpoOptions& options);

}  // namespace lethe::losses

// Gradient ascent and gradient difference, REFERENCE.md §1 ("Others").
#pragma once
#include <torch/torch.h>

#include "lethe/losses/sequence_nll.h"

namespace lethe::losses {

// GradAscent:  L = -nll_mean(forget)   (token mean over the batch, as HF outputs.loss).
torch::Tensor gradient_ascent_loss(const SequenceNll& forget);

// GradDiff, the named combination  L = w_f * GA(forget) + w_r * retain_nll(retain)
//   = -w_f * nll_mean(forget) + w_r * nll_mean(retain).
// (A trainer composing w_f * L_f + w_r * L_r with GA and the retain NLL computes the same.)
torch::Tensor grad_diff_loss(const SequenceNll& forget, const SequenceNll& retain,
                             double forget_weight, double retain_weight);

}  // namespace lethe::losses

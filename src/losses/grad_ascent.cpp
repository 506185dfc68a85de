// Gradient ascent and gradient difference (see grad_ascent.h).
#include "lethe/losses/grad_ascent.h"

#include "lethe/losses/retain.h"

namespace lethe::losses {

torch::Tensor gradient_ascent_loss(const SequenceNll& forget) { return -nll_mean(forget); }

torch::Tensor grad_diff_loss(const SequenceNll& forget, const SequenceNll& retain,
                             double forget_weight, double retain_weight) {
  return gradient_ascent_loss(forget) * forget_weight + retain_nll_loss(retain) * retain_weight;
}

}  // namespace lethe::losses

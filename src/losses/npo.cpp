// NPO forget loss (see npo.h).
#include "lethe/losses/npo.h"

#include "lethe/core/error.h"

namespace lethe::losses {

NpoReduction parse_npo_reduction(const std::string& value, const std::string& key) {
  if (value == "sequence_sum") return NpoReduction::sequence_sum;
  if (value == "sequence_mean") return NpoReduction::sequence_mean;
  if (value == "batch_mean") return NpoReduction::batch_mean;
  if (value == "logits") return NpoReduction::logits;
  throw ConfigError(key + ": unknown NPO reduction '" + value +
                    "' (expected 'sequence_sum', 'sequence_mean', 'batch_mean' or 'logits')");
}

const char* to_string(NpoReduction reduction) {
  switch (reduction) {
    case NpoReduction::sequence_sum: return "sequence_sum";
    case NpoReduction::sequence_mean: return "sequence_mean";
    case NpoReduction::batch_mean: return "batch_mean";
    case NpoReduction::logits: return "logits";
  }
  return "?";
}

torch::Tensor npo_forget_loss(const SequenceNll& theta, const SequenceNll& ref,
                              const NpoOptions& options) {
  if (!ref.sum.defined() || ref.sum.sizes() != theta.sum.sizes())
    throw ShapeError("npo ref: reference NLL must have the batch shape of the trained model's [B]");
  auto ref_sum = ref.sum.detach().to(theta.sum.scalar_type());
  torch::Tensor r;
  switch (options.reduction) {
    case NpoReduction::sequence_sum:
      r = theta.sum - ref_sum;  // [B]
      break;
    case NpoReduction::sequence_mean:
      r = (theta.sum - ref_sum) / theta.count;  // [B]
      break;
    case NpoReduction::batch_mean:
      r = nll_mean(theta) - ref_sum.sum() / ref.count.to(ref_sum.scalar_type()).sum();  // []
      break;
    case NpoReduction::logits:
      throw ConfigError("npo_reduction: 'logits' works on the logits; call npo_logits_forget_loss");
  }
  return neg_log_sigmoid_loss(r, options.beta);
}

torch::Tensor npo_logits_forget_loss(const torch::Tensor& logits, const torch::Tensor& ref_logits,
                                     double beta) {
  if (!logits.defined() || logits.dim() != 3 || !torch::isFloatingType(logits.scalar_type()))
    throw ShapeError("logits: expected floating-point [B,T,V] for NPO reduction 'logits'");
  if (!ref_logits.defined() || ref_logits.sizes() != logits.sizes())
    throw ShapeError("ref_logits: expected the shape of logits [B,T,V]");
  const auto dt = loss_dtype(logits.scalar_type());
  // r = z_ref - z_theta  (MUSE: neg_log_ratio = ref logits - current logits)
  auto r = ref_logits.detach().to(dt) - logits.to(dt);
  return neg_log_sigmoid_loss(r, beta);
}

}  // namespace lethe::losses

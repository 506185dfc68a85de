// SimNPO forget loss in its three reference forms (see simnpo.h).
#include "lethe/losses/simnpo.h"

#include "lethe/core/error.h"

namespace lethe::losses {

SimNpoMode parse_simnpo_mode(const std::string& value, const std::string& key) {
  if (value == "avg") return SimNpoMode::avg;
  if (value == "batch_mean") return SimNpoMode::batch_mean;
  if (value == "logits") return SimNpoMode::logits;
  throw ConfigError(key + ": unknown SimNPO mode '" + value +
                    "' (expected 'avg', 'batch_mean' or 'logits')");
}

const char* to_string(SimNpoMode mode) {
  switch (mode) {
    case SimNpoMode::avg: return "avg";
    case SimNpoMode::batch_mean: return "batch_mean";
    case SimNpoMode::logits: return "logits";
  }
  return "?";
}

torch::Tensor simnpo_forget_loss(const SequenceNll& nll, const SimNpoOptions& options) {
  switch (options.mode) {
    case SimNpoMode::avg: {
      // r_b = nll_sum(b) / n(b) - gamma
      auto r = nll.sum / sequence_length(nll, options.length_norm) - options.gamma;  // [B]
      return neg_log_sigmoid_loss(r, options.beta);
    }
    case SimNpoMode::batch_mean:
      // r = sum_b nll_sum(b) / sum_b count(b)  (HF outputs.loss), no gamma
      return neg_log_sigmoid_loss(nll_mean(nll), options.beta);
    case SimNpoMode::logits:
      break;
  }
  throw ConfigError("simnpo_mode: 'logits' works on the logits, not on per-sequence NLL; call "
                    "simnpo_logits_forget_loss");
}

torch::Tensor simnpo_logits_forget_loss(const torch::Tensor& logits, double beta, double gamma) {
  if (!logits.defined() || logits.dim() != 3 || !torch::isFloatingType(logits.scalar_type()))
    throw ShapeError("logits: expected floating-point [B,T,V] for SimNPO mode 'logits'");
  auto z = logits.to(loss_dtype(logits.scalar_type()));
  // r = -z - gamma over every b,t,v;  L = -(2/beta) mean logsigmoid(beta r)
  return neg_log_sigmoid_loss(-z - gamma, beta);
}

torch::Tensor simnpo_forget_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                                 const SimNpoOptions& options) {
  if (options.mode == SimNpoMode::logits)
    return simnpo_logits_forget_loss(logits, options.beta, options.gamma);
  return simnpo_forget_loss(sequence_nll(logits, labels), options);
}

}  // namespace lethe::losses

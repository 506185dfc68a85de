// Retain NLL and retain KL (see retain.h).
#include "lethe/losses/retain.h"

#include "lethe/core/error.h"

namespace lethe::losses {

torch::Tensor retain_nll_loss(const SequenceNll& retain) { return nll_mean(retain); }

KlPositions parse_kl_positions(const std::string& value, const std::string& key) {
  if (value == "all") return KlPositions::all;
  if (value == "labelled") return KlPositions::labelled;
  throw ConfigError(key + ": unknown value '" + value + "' (expected 'all' or 'labelled')");
}

const char* to_string(KlPositions positions) {
  return positions == KlPositions::all ? "all" : "labelled";
}

torch::Tensor retain_kl_loss(const torch::Tensor& logits, const torch::Tensor& ref_logits,
                             const torch::Tensor& labels, KlPositions positions) {
  if (!logits.defined() || logits.dim() != 3 || !torch::isFloatingType(logits.scalar_type()))
    throw ShapeError("logits: expected floating-point [B,T,V] for the retain KL");
  if (!ref_logits.defined() || ref_logits.sizes() != logits.sizes())
    throw ShapeError("ref_logits: expected the shape of logits [B,T,V] for the retain KL");
  const auto dt = loss_dtype(logits.scalar_type());
  auto log_p = torch::log_softmax(logits.to(dt), -1);                    // [B,T,V]
  auto log_q = torch::log_softmax(ref_logits.detach().to(dt), -1);       // [B,T,V] reference
  auto kl = (log_q.exp() * (log_q - log_p)).sum(-1);                     // [B,T]
  if (positions == KlPositions::all) return kl.mean();                   // / (B*T)
  check_logits_labels(logits, labels);
  const int64_t T = logits.size(1);
  auto mask = labels.slice(1, 1, T).ne(kIgnoreIndex).to(dt);            // [B,T-1]
  return (kl.slice(1, 0, T - 1) * mask).sum() / mask.sum();
}

}  // namespace lethe::losses

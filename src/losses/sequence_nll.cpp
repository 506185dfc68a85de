// The loss primitive: shifted token log-probabilities and their per-sequence (sum, count).
#include "lethe/losses/sequence_nll.h"

#include "lethe/core/error.h"

#include <sstream>

namespace lethe::losses {

namespace {

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

}  // namespace

LengthNorm parse_length_norm(const std::string& value, const std::string& key) {
  if (value == "shifted") return LengthNorm::shifted;
  if (value == "reference") return LengthNorm::reference;
  throw ConfigError(key + ": unknown value '" + value + "' (expected 'shifted' or 'reference')");
}

const char* to_string(LengthNorm norm) {
  return norm == LengthNorm::shifted ? "shifted" : "reference";
}

torch::ScalarType loss_dtype(torch::ScalarType dtype) {
  return dtype == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

void check_labels(const torch::Tensor& labels, int64_t B, int64_t T, const std::string& what) {
  if (!labels.defined() || labels.dim() != 2 || labels.size(0) != B || labels.size(1) != T)
    throw ShapeError("labels: expected [B,T] = [" + std::to_string(B) + ", " + std::to_string(T) +
                     "] to match " + what + ", got " +
                     (labels.defined() ? shape_of(labels) : std::string("an undefined tensor")));
  if (labels.scalar_type() != torch::kInt64)
    throw ShapeError("labels: expected int64 token ids (-100 = ignored)");
  if (T < 2)
    throw ShapeError(what + ": need T >= 2 positions to predict a next token, got T = " +
                     std::to_string(T));
}

void check_logits_labels(const torch::Tensor& logits, const torch::Tensor& labels,
                         const std::string& what) {
  if (!logits.defined() || logits.dim() != 3)
    throw ShapeError(what + ": expected [B,T,V], got " +
                     (logits.defined() ? shape_of(logits) : std::string("an undefined tensor")));
  if (!torch::isFloatingType(logits.scalar_type()))
    throw ShapeError(what + ": expected a floating-point tensor");
  check_labels(labels, logits.size(0), logits.size(1), what);
}

TokenLogprobs token_logprobs(const torch::Tensor& logits, const torch::Tensor& labels) {
  check_logits_labels(logits, labels);
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  // z[b,t] predicts y[b,t] = labels[b,t+1].
  auto z = logits.slice(1, 0, T - 1).to(loss_dtype(logits.scalar_type()));  // [B,T-1,V]
  auto y = labels.slice(1, 1, T);                                             // [B,T-1]
  // cross_entropy(reduction none, ignore_index -100) = logsumexp_v z - z_y, and 0 where ignored.
  auto nll = torch::nn::functional::cross_entropy(
      z.reshape({-1, V}), y.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone).ignore_index(
          kIgnoreIndex));
  return {(-nll).view({B, T - 1}), y.ne(kIgnoreIndex)};
}

SequenceNll sequence_nll_from_tokens(const TokenLogprobs& tokens, const torch::Tensor& labels) {
  const auto dt = tokens.logprob.scalar_type();
  SequenceNll out;
  out.sum = -tokens.logprob.sum(1);                      // [B]
  out.count = tokens.mask.sum(1).to(dt);                 // [B]
  out.count_unshifted = labels.ne(kIgnoreIndex).sum(1).to(dt);  // [B]
  return out;
}

SequenceNll sequence_nll(const torch::Tensor& logits, const torch::Tensor& labels) {
  return sequence_nll_from_tokens(token_logprobs(logits, labels), labels);
}

torch::Tensor nll_mean(const SequenceNll& nll) { return nll.sum.sum() / nll.count.sum(); }

torch::Tensor sequence_length(const SequenceNll& nll, LengthNorm norm) {
  return norm == LengthNorm::shifted ? nll.count : nll.count_unshifted;
}

torch::Tensor neg_log_sigmoid_loss(const torch::Tensor& r, double beta) {
  if (!(beta > 0.0))
    throw ConfigError("beta: must be > 0 for the -(2/beta) logsigmoid(beta r) form, got " +
                      std::to_string(beta));
  // L = -(2/beta) * mean(logsigmoid(beta * r))
  return torch::log_sigmoid(r * beta).mean() * (-2.0 / beta);
}

}  // namespace lethe::losses

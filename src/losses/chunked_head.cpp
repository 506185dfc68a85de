// Chunked vocabulary head with a hand-written backward (see chunked_head.h for the math).
#include "lethe/losses/chunked_head.h"

#include "lethe/core/error.h"

#include <algorithm>
#include <sstream>

namespace lethe::losses {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// rows [N,C] (labelled rows only), weight [V,C], targets [N] int64 -> logprob [N] in loss_dtype.
struct ChunkedHeadLogprob : public torch::autograd::Function<ChunkedHeadLogprob> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor rows, torch::Tensor weight,
                               torch::Tensor targets, int64_t chunk_rows) {
    const auto cdt = loss_dtype(rows.scalar_type());
    const int64_t N = rows.size(0);
    auto logprob = torch::empty({N}, rows.options().dtype(cdt));  // [N]
    auto lse_all = torch::empty({N}, rows.options().dtype(cdt));  // [N], kept for backward
    const auto wt = weight.t();                                   // [C,V] view
    for (int64_t s = 0; s < N; s += chunk_rows) {
      const int64_t e = std::min(N, s + chunk_rows);
      auto z = torch::matmul(rows.slice(0, s, e), wt).to(cdt);  // [n,V]
      auto lse = z.logsumexp(1);                                 // [n]
      auto zy = z.gather(1, targets.slice(0, s, e).unsqueeze(1)).squeeze(1);  // [n]
      logprob.slice(0, s, e).copy_(zy - lse);
      lse_all.slice(0, s, e).copy_(lse);
    }
    ctx->save_for_backward({rows, weight, targets, lse_all});
    ctx->saved_data["chunk_rows"] = chunk_rows;
    return logprob;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& rows = saved[0];     // [N,C]
    const auto& weight = saved[1];   // [V,C]
    const auto& targets = saved[2];  // [N]
    const auto& lse_all = saved[3];  // [N]
    const int64_t chunk_rows = ctx->saved_data["chunk_rows"].toInt();
    const auto cdt = lse_all.scalar_type();
    const int64_t N = rows.size(0);
    auto g = grad_outputs[0].to(cdt);  // [N] dL/dlogprob

    auto grad_rows = torch::empty_like(rows);  // [N,C]
    // fp32/fp64 weights accumulate in place; bf16/fp16 through an fp32 accumulator.
    const bool same = weight.scalar_type() == cdt;
    auto grad_w = torch::zeros(weight.sizes(), weight.options().dtype(cdt));  // [V,C]
    const auto wt = weight.t();
    for (int64_t s = 0; s < N; s += chunk_rows) {
      const int64_t e = std::min(N, s + chunk_rows);
      auto h = rows.slice(0, s, e);                        // [n,C]
      auto gc = g.slice(0, s, e).unsqueeze(1);             // [n,1]
      auto z = torch::matmul(h, wt).to(cdt);               // [n,V] recomputed
      // dz = g * (one_hot(y) - exp(z - lse)), built in place in z's buffer.
      z.sub_(lse_all.slice(0, s, e).unsqueeze(1)).exp_().mul_(-gc);
      z.scatter_add_(1, targets.slice(0, s, e).unsqueeze(1), gc);
      auto dz = z.to(rows.scalar_type());                  // [n,V] in the matmul dtype
      grad_rows.slice(0, s, e).copy_(torch::matmul(dz, weight));  // [n,C]
      if (same) {
        grad_w.addmm_(dz.t(), h);                          // [V,C] += dz^T h
      } else {
        grad_w.add_(torch::matmul(dz.t(), h));
      }
    }
    return {grad_rows, same ? grad_w : grad_w.to(weight.scalar_type()), torch::Tensor(),
            torch::Tensor()};
  }
};

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

}  // namespace

TokenLogprobs token_logprobs_from_hidden(const torch::Tensor& hidden,
                                         const torch::Tensor& head_weight,
                                         const torch::Tensor& labels, int64_t chunk_rows) {
  if (!hidden.defined() || hidden.dim() != 3)
    throw ShapeError("hidden: expected [B,T,C], got " +
                     (hidden.defined() ? shape_of(hidden) : std::string("an undefined tensor")));
  if (!head_weight.defined() || head_weight.dim() != 2 || head_weight.size(1) != hidden.size(2))
    throw ShapeError("head_weight: expected [V,C] with C = " + std::to_string(hidden.size(2)) +
                     ", got " +
                     (head_weight.defined() ? shape_of(head_weight) : std::string("undefined")));
  if (head_weight.scalar_type() != hidden.scalar_type())
    throw ShapeError("head_weight: dtype must equal hidden's dtype");
  if (chunk_rows < 1)
    throw ConfigError("chunk_rows: must be >= 1, got " + std::to_string(chunk_rows));
  if (!torch::isFloatingType(hidden.scalar_type()))
    throw ShapeError("hidden: expected a floating-point tensor");
  check_labels(labels, hidden.size(0), hidden.size(1), "hidden");

  const int64_t B = hidden.size(0), T = hidden.size(1), C = hidden.size(2);
  const auto cdt = loss_dtype(hidden.scalar_type());
  auto y = labels.slice(1, 1, T);                          // [B,T-1]
  auto mask = y.ne(kIgnoreIndex);                          // [B,T-1]
  auto idx = mask.reshape({-1}).nonzero().squeeze(1);      // [N] labelled rows
  auto rows = hidden.slice(1, 0, T - 1).reshape({-1, C}).index_select(0, idx);  // [N,C]
  auto targets = y.reshape({-1}).index_select(0, idx);     // [N]
  auto lp_rows = ChunkedHeadLogprob::apply(rows, head_weight, targets, chunk_rows);  // [N]
  auto logprob = torch::zeros({B * (T - 1)}, hidden.options().dtype(cdt)).index_copy(0, idx, lp_rows);
  return {logprob.view({B, T - 1}), mask};
}

SequenceNll sequence_nll_from_hidden(const torch::Tensor& hidden, const torch::Tensor& head_weight,
                                     const torch::Tensor& labels, int64_t chunk_rows) {
  return sequence_nll_from_tokens(token_logprobs_from_hidden(hidden, head_weight, labels, chunk_rows),
                                  labels);
}

}  // namespace lethe::losses

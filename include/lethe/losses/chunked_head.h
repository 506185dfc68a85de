// Memory-lean vocabulary head + loss: the same results as sequence_nll(hidden @ W^T, labels)
// without ever materializing the [B*T, V] logits (docs PERFORMANCE.md, technique 1; the idea of
// Liger-Kernel's fused linear cross-entropy and Apple's Cut Cross-Entropy).
//
// Shape legend: B = batch, T = sequence length, V = vocabulary, C = channels.
// Forward, per chunk of `chunk_rows` labelled rows:  z = h_chunk @ W^T  [rows,V] (input dtype),
//   then in fp32: lse = logsumexp_v z,  logprob = z_y - lse.
// Backward recomputes z per chunk:  dz = g * (one_hot(y) - softmax(z)),  softmax = exp(z - lse);
//   grad_h = dz @ W,  grad_W += dz^T @ h  (accumulated in fp32 for bf16/fp16 weights).
// Peak extra memory is O(chunk_rows * V) instead of O(B*T*V). Only rows whose shifted label is
// not -100 are computed at all; all other rows get logprob 0 and exactly zero gradient.
#pragma once
#include <torch/torch.h>

#include "lethe/losses/sequence_nll.h"

namespace lethe::losses {

// Rows per chunk when the caller does not choose: 256 rows x 49k vocab x 4 B = 50 MB per chunk.
constexpr int64_t kDefaultChunkRows = 256;

// token_logprobs(hidden @ head_weight^T, labels) without the full logits.
// hidden [B,T,C], head_weight [V,C] (same dtype), labels [B,T] int64 (-100 ignored).
// Differentiable w.r.t. hidden and head_weight (first order).
TokenLogprobs token_logprobs_from_hidden(const torch::Tensor& hidden,
                                         const torch::Tensor& head_weight,
                                         const torch::Tensor& labels,
                                         int64_t chunk_rows = kDefaultChunkRows);

// sequence_nll(hidden @ head_weight^T, labels) without the full logits; same reduction
// (sequence_nll_from_tokens) as the plain path.
SequenceNll sequence_nll_from_hidden(const torch::Tensor& hidden, const torch::Tensor& head_weight,
                                     const torch::Tensor& labels,
                                     int64_t chunk_rows = kDefaultChunkRows);

}  // namespace lethe::losses

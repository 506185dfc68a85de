// The hot path of a Llama-family block, as free functions behind one interface, so that fused
// kernels with hand-written backward can replace the plain libtorch versions without touching the
// model code (docs/ARCHITECTURE.md, "Hot path").
//
// Shape legend: B batch, T query length, S key length (past + T), H query heads, K key/value heads,
// D head dim, C hidden size, F MLP width, V vocabulary.
#pragma once
#include <torch/torch.h>

#include <optional>

namespace lethe::ops {

// y = x / sqrt(mean(x², -1) + eps) * weight, computed in fp32 and cast back to x's dtype before the
// weight product, exactly as HF LlamaRMSNorm: weight * (x_f32 * rsqrt(var + eps)).to(dtype).
torch::Tensor rms_norm(const torch::Tensor& x /*[..., C]*/, const torch::Tensor& weight /*[C]*/, double eps);

// SwiGLU: silu(gate) * up.
torch::Tensor swiglu(const torch::Tensor& gate /*[..., F]*/, const torch::Tensor& up /*[..., F]*/);

// Rotary embedding: x * cos + rotate_half(x) * sin with rotate_half(x) = cat(-x2, x1).
// cos, sin: [B, T, D] in x's dtype (see RotaryEmbedding).
torch::Tensor apply_rotary(const torch::Tensor& x /*[B,H,T,D]*/, const torch::Tensor& cos, const torch::Tensor& sin);

// Which keys each query may see. Built once per forward and shared by all layers.
struct AttentionMask {
  // [B, 1, T, S] bool, true = may attend. Undefined means plain causal over equal T == S.
  torch::Tensor allowed;
};

// Builds the mask: key j (0..S-1) is visible to query i (absolute index past+i) iff j <= past+i,
// key_valid[b, j] (from the attention mask; undefined = all valid), and, with a sliding window W,
// j > past+i-W.
AttentionMask make_attention_mask(int64_t B, int64_t T, int64_t S, const torch::Tensor& key_valid /*[B,S] or undefined*/,
                                  std::optional<int64_t> sliding_window, torch::Device device);

// softmax(q kᵀ / sqrt(D) masked) v with grouped-query heads (H % K == 0). The softmax runs in
// fp32 and is cast back, as HF eager attention does. Fully masked rows (padding queries) give a
// uniform average instead of NaN.
torch::Tensor attention(const torch::Tensor& q /*[B,H,T,D]*/, const torch::Tensor& k /*[B,K,S,D]*/,
                        const torch::Tensor& v /*[B,K,S,D]*/, const AttentionMask& mask);

}  // namespace lethe::ops

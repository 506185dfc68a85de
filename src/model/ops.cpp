// Plain libtorch implementations of the hot-path ops (the reference for any fused kernel).
#include "lethe/model/ops.h"

#include <cmath>

namespace lethe::ops {

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto xf = x.to(torch::kFloat32);
  auto var = xf.pow(2).mean(-1, /*keepdim=*/true);
  auto normed = (xf * torch::rsqrt(var + eps)).to(x.scalar_type());
  return weight * normed;
}

torch::Tensor swiglu(const torch::Tensor& gate, const torch::Tensor& up) { return torch::silu(gate) * up; }

torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  auto rotated = torch::cat({-x2, x1}, -1);
  // cos/sin [B,T,D] -> [B,1,T,D] to broadcast over heads.
  return x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
}

AttentionMask make_attention_mask(int64_t B, int64_t T, int64_t S, const torch::Tensor& key_valid,
                                  std::optional<int64_t> sliding_window, torch::Device device) {
  const int64_t past = S - T;
  auto opts = torch::TensorOptions().dtype(torch::kInt64).device(device);
  auto qi = torch::arange(past, past + T, opts).unsqueeze(1);  // [T,1] absolute query index
  auto kj = torch::arange(0, S, opts).unsqueeze(0);            // [1,S]
  auto allowed = kj <= qi;                                     // [T,S]
  if (sliding_window) allowed = allowed & (kj > qi - *sliding_window);
  auto m = allowed.unsqueeze(0).unsqueeze(0).expand({B, 1, T, S});
  if (key_valid.defined()) m = m & key_valid.to(torch::kBool).view({B, 1, 1, S});
  return AttentionMask{m.contiguous()};
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const AttentionMask& mask) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  const int64_t K = k.size(1), S = k.size(2);
  const int64_t G = H / K;
  // Repeat key/value heads for grouped-query attention ([B,K,S,D] -> [B,H,S,D]), as HF repeat_kv.
  auto expand_kv = [&](const torch::Tensor& t) {
    if (G == 1) return t;
    return t.unsqueeze(2).expand({B, K, G, S, D}).reshape({B, H, S, D});
  };
  auto kk = expand_kv(k), vv = expand_kv(v);
  auto scores = torch::matmul(q, kk.transpose(2, 3)) / std::sqrt(static_cast<double>(D));  // [B,H,T,S]
  if (mask.allowed.defined()) {
    const double lowest = scores.scalar_type() == torch::kFloat64 ? std::numeric_limits<double>::lowest()
                                                                   : std::numeric_limits<float>::lowest();
    const double fill = scores.scalar_type() == torch::kBFloat16 ? -3.38e38 : lowest;
    scores = scores.masked_fill(mask.allowed.logical_not(), fill);
  } else {
    auto causal = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool).device(q.device())).tril(S - T);
    scores = scores.masked_fill(causal.logical_not(), -std::numeric_limits<float>::infinity());
  }
  auto probs = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  return torch::matmul(probs, vv);  // [B,H,T,D]
}

}  // namespace lethe::ops

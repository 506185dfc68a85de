#include "lethe/model/rotary.h"

#include <cmath>

namespace lethe {

torch::Tensor rope_inv_freq(const ModelConfig& cfg) {
  const int64_t D = cfg.head_dim;
  auto idx = torch::arange(0, D, 2, torch::kInt64).to(torch::kFloat32);
  auto inv_freq = 1.0 / torch::pow(torch::tensor(cfg.rope_theta, torch::kFloat32), idx / static_cast<double>(D));
  const RopeScaling& rs = cfg.rope_scaling;
  if (rs.type == "linear") {
    inv_freq = inv_freq / rs.factor;
  } else if (rs.type == "llama3") {
    // Llama 3.1: long wavelengths divided by `factor`, short ones kept, a smooth blend between.
    const double old_len = static_cast<double>(rs.original_max_position_embeddings);
    const double low_wavelen = old_len / rs.low_freq_factor;
    const double high_wavelen = old_len / rs.high_freq_factor;
    auto wavelen = 2.0 * M_PI / inv_freq;
    auto scaled = torch::where(wavelen > low_wavelen, inv_freq / rs.factor, inv_freq);
    auto smooth = (old_len / wavelen - rs.low_freq_factor) / (rs.high_freq_factor - rs.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / rs.factor + smooth * scaled;
    auto medium = (wavelen >= high_wavelen) & (wavelen <= low_wavelen);
    inv_freq = torch::where(medium, smoothed, scaled);
  }
  return inv_freq;
}

RotaryTables rotary_tables(const torch::Tensor& inv_freq, const torch::Tensor& position_ids, torch::ScalarType dtype) {
  // [B,T,1] * [1,1,D/2] in fp32, as HF (which runs this matmul with autocast disabled).
  auto pos = position_ids.to(inv_freq.device()).to(torch::kFloat32).unsqueeze(-1);
  auto angles = pos * inv_freq.view({1, 1, -1});
  auto emb = torch::cat({angles, angles}, -1);
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

}  // namespace lethe

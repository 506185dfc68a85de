// Rotary position embedding tables (RoPE), with the "linear" and "llama3" frequency scalings.
// inv_freq[i] = 1 / theta^(2i/D), i = 0..D/2-1, computed in fp32 like HF; angles = pos * inv_freq,
// emb = cat(angles, angles); cos/sin returned in the requested dtype.
#pragma once
#include <torch/torch.h>

#include "lethe/model/config.h"

namespace lethe {

// Inverse frequencies [D/2] (fp32) after the config's rope scaling.
torch::Tensor rope_inv_freq(const ModelConfig& cfg);

struct RotaryTables {
  torch::Tensor cos, sin;  // [B, T, D]
};

// position_ids [B,T] (int64) -> cos/sin in `dtype` on inv_freq's device.
RotaryTables rotary_tables(const torch::Tensor& inv_freq, const torch::Tensor& position_ids, torch::ScalarType dtype);

}  // namespace lethe

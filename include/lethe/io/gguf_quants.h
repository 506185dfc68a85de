// ggml tensor types: block geometry for every known id, and dequantization to float32 for the
// ones Lethe reads (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).
// Block layouts and formulas: GGUF_LAYOUTS.md section 2 (ggml-common.h / ggml-quants.c).
#pragma once
#include <cstdint>
#include <string>

namespace lethe {

struct GgmlTypeTraits {
  const char* name;     // "Q4_K"
  int64_t block_size;   // elements per block
  int64_t type_size;    // bytes per block
  bool dequantizable;   // dequantize_rows supports it
};

// Traits of a ggml_type id, or nullptr for an unknown or removed id (4, 5, 31-33, 36-38, > 41).
const GgmlTypeTraits* ggml_type_traits(uint32_t type);
// "Q4_K", or "type 77" for an unknown id.
std::string ggml_type_name(uint32_t type);

// Dequantizes `n_blocks` consecutive blocks of `type` from `src` into `dst`
// (n_blocks * block_size floats), in parallel over blocks (at::parallel_for).
// Precondition: ggml_type_traits(type)->dequantizable; otherwise throws std::invalid_argument.
void dequantize_blocks(uint32_t type, const uint8_t* src, float* dst, int64_t n_blocks);

}  // namespace lethe

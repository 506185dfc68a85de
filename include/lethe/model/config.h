// Model configuration, read from a Hugging Face config.json (or built from GGUF metadata).
// The original JSON is kept so that saving writes back every key, including ones Lethe ignores.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lethe/core/files.h"

namespace lethe {

// RoPE frequency scaling ("rope_scaling" in config.json).
struct RopeScaling {
  std::string type = "default";        // "default", "linear" or "llama3"
  double factor = 1.0;                 // linear: positions / factor; llama3: long-wavelength divisor
  double low_freq_factor = 1.0;        // llama3 only
  double high_freq_factor = 4.0;       // llama3 only
  int64_t original_max_position_embeddings = 8192;  // llama3 only
};

struct ModelConfig {
  std::string model_type;              // registry key: "llama", "mistral", "qwen2"
  std::string architecture;            // HF class name, e.g. "LlamaForCausalLM"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;             // C
  int64_t intermediate_size = 0;       // F, SwiGLU width
  int64_t num_hidden_layers = 0;       // L
  int64_t num_attention_heads = 0;     // H
  int64_t num_key_value_heads = 0;     // Hkv (grouped-query attention: H % Hkv == 0)
  int64_t head_dim = 0;                // D (defaults to C / H)
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;         // q/k/v/o bias (llama's "attention_bias")
  bool qkv_bias = false;               // q/k/v bias only (qwen2)
  bool mlp_bias = false;
  std::optional<int64_t> sliding_window;  // attend to at most this many previous keys (incl. self)
  std::string hidden_act = "silu";
  std::vector<int64_t> bos_token_ids;
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> pad_token_id;
  std::string torch_dtype = "float32";
  json raw;                            // the config.json as read (or as built), for writing back

  // Parses config.json text; `path` is only used in error messages.
  static ModelConfig from_json(const json& j, const std::string& path);
  static ModelConfig from_file(const std::string& path);
  // The config.json to write next to saved weights (raw keys kept, known keys refreshed).
  json to_json() const;
  // Parameter count implied by the shapes (embeddings counted once when tied).
  int64_t parameter_count() const;
};

}  // namespace lethe

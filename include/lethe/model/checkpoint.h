// Loading and saving whole models.
//   load_model: a Hugging Face directory (config.json + model.safetensors or a sharded index) or a
//               GGUF file; reports missing, unexpected and mis-shaped keys.
//   save_model: a Hugging Face directory that transformers' from_pretrained loads: config.json,
//               generation_config.json, safetensors (sharded past a threshold), tokenizer files
//               carried over from the source.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "lethe/model/causal_lm.h"

namespace lethe {

struct LoadReport {
  std::vector<std::string> missing;     // model parameters the checkpoint lacks
  std::vector<std::string> unexpected;  // checkpoint tensors the model has no place for
  std::vector<std::string> mismatched;  // "name: checkpoint [a, b] vs model [c, d]"
  bool ok() const { return missing.empty() && mismatched.empty(); }
  std::string summary() const;
};

// Where weights come from, independent of the file format.
struct WeightSource {
  std::string path;                                                   // for messages
  std::vector<std::string> names;
  std::function<std::vector<int64_t>(const std::string&)> shape;
  std::function<torch::Tensor(const std::string&, torch::ScalarType)> tensor;  // CPU, converted
};

struct LoadOptions {
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
  bool strict = true;  // missing or mis-shaped keys are errors (unexpected keys never are)
};

struct LoadedModel {
  ModelConfig config;
  CausalLM model{nullptr};
  std::string source;         // the directory or file it came from
  std::string tokenizer_dir;  // directory holding tokenizer files, if any ("" for GGUF)
  LoadReport report;
};

// Copies every parameter from `src` into `model` (converted to the model's dtype).
LoadReport load_weights(CausalLM& model, const WeightSource& src, bool strict);

LoadedModel load_model(const std::string& path, const LoadOptions& opts = {});

// Random weights as HF's _init_weights: N(0, initializer_range) for linear and embedding
// weights, zero biases, unit norm weights. Deterministic in `seed`.
LoadedModel init_model(const ModelConfig& cfg, uint64_t seed, torch::ScalarType dtype = torch::kFloat32);

struct SaveOptions {
  std::optional<torch::ScalarType> dtype;          // default: the model's
  uint64_t max_shard_bytes = 5000000000ULL;         // transformers' default "5GB"
  std::string tokenizer_source_dir;                 // copy tokenizer files from here ("" = none)
  json extra_generation_config = json::object();
};

void save_model(CausalLM& model, const std::string& dir, const SaveOptions& opts = {});

// The tensors a save writes, HF names in module order (tied embeddings written once).
std::vector<std::pair<std::string, torch::Tensor>> state_dict(CausalLM& model);

// Files carried from a source model directory into a saved one.
const std::vector<std::string>& tokenizer_file_names();

}  // namespace lethe

// The one registry of architectures. Nothing else in Lethe switches on model_type.
// Each family lives in its own file (src/model/family_*.cpp) and registers an Architecture:
// how to read its config keys and which structural options its checkpoints use.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "lethe/model/config.h"

namespace lethe {

struct Architecture {
  std::string model_type;        // "llama"
  std::string hf_class;          // "LlamaForCausalLM"
  // Reads the family's own keys from config.json into `cfg` (common keys are already read).
  std::function<void(const json& j, ModelConfig& cfg, const std::string& path)> read_config;
  // GGUF "general.architecture" names that map to this family.
  std::vector<std::string> gguf_names;
};

// Throws ConfigError naming the unknown type and the known ones.
const Architecture& architecture_for(const std::string& model_type, const std::string& where = "");
// Finds the family whose HF class or GGUF architecture name matches; nullptr if none.
const Architecture* find_architecture_by_gguf_name(const std::string& name);
std::vector<std::string> known_model_types();

// Used by the family files at static-initialization time.
struct ArchitectureRegistration {
  explicit ArchitectureRegistration(Architecture arch);
};

}  // namespace lethe

// Mistral family (zephyr-7b-beta): Llama blocks plus sliding-window attention.
// HF (modeling_mistral, 4.44): query i sees key j iff i - sliding_window < j <= i (indices in the
// sequence, not position ids).
#include "families.h"

#include "lethe/core/error.h"

namespace lethe::families {

Architecture mistral() {
  Architecture a;
  a.model_type = "mistral";
  a.hf_class = "MistralForCausalLM";
  a.gguf_names = {};  // llama.cpp writes Mistral checkpoints as "llama"
  a.read_config = [](const json& j, ModelConfig& c, const std::string& path) {
    auto it = j.find("sliding_window");
    if (it != j.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<int64_t>() <= 0)
        throw FormatError(path, "'sliding_window' must be a positive integer or null");
      c.sliding_window = it->get<int64_t>();
    }
  };
  return a;
}

}  // namespace lethe::families

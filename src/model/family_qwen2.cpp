// Qwen2 family: Llama blocks with q/k/v biases (no o_proj bias). Sliding window only when
// "use_sliding_window" is true (HF's eager attention ignores it; flash-attention applies it).
#include "families.h"

namespace lethe::families {

Architecture qwen2() {
  Architecture a;
  a.model_type = "qwen2";
  a.hf_class = "Qwen2ForCausalLM";
  a.gguf_names = {"qwen2"};
  a.read_config = [](const json& j, ModelConfig& c, const std::string&) {
    c.qkv_bias = true;
    if (j.value("use_sliding_window", false)) {
      auto it = j.find("sliding_window");
      if (it != j.end() && it->is_number_integer()) c.sliding_window = it->get<int64_t>();
    }
  };
  return a;
}

}  // namespace lethe::families

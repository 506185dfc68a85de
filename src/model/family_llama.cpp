// Llama family: Llama-2, Llama-3 (llama3 RoPE scaling), SmolLM2, TinyLlama, ...
// Optional biases: "attention_bias" (q/k/v/o), "mlp_bias" (gate/up/down).
#include "families.h"

namespace lethe::families {

Architecture llama() {
  Architecture a;
  a.model_type = "llama";
  a.hf_class = "LlamaForCausalLM";
  a.gguf_names = {"llama"};
  a.read_config = [](const json& j, ModelConfig& c, const std::string&) {
    c.attention_bias = j.value("attention_bias", false);
    c.mlp_bias = j.value("mlp_bias", false);
  };
  return a;
}

}  // namespace lethe::families

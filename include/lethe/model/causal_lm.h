// Llama-family decoder-only causal LM (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM).
// Submodules are registered under the Hugging Face names, so named_parameters() yields exactly the
// checkpoint keys ("model.layers.0.self_attn.q_proj.weight", "lm_head.weight", ...). Family
// differences come from ModelConfig flags set by the registry; nothing here switches on
// model_type, and nothing assumes a device.
//
// Shapes: B batch, T new tokens, S keys (past + T), C hidden, H/K query/kv heads, D head dim,
// F MLP width, V vocabulary.
#pragma once
#include <torch/torch.h>

#include <optional>

#include "lethe/model/config.h"
#include "lethe/model/kv_cache.h"
#include "lethe/model/ops.h"

namespace lethe {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t C, double eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(RMSNorm);

// What a forward pass needs besides the token ids; shared by every layer.
struct LayerContext {
  torch::Tensor cos, sin;     // [B,T,D] rotary tables
  ops::AttentionMask mask;    // [B,1,T,S]
  KvCache* cache = nullptr;   // generation only
};

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(const ModelConfig& cfg, int64_t layer);
  torch::Tensor forward(const torch::Tensor& x /*[B,T,C]*/, const LayerContext& ctx);
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  int64_t layer_, H_, K_, D_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const ModelConfig& cfg);
  torch::Tensor forward(const torch::Tensor& x /*[B,T,C]*/);
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(Mlp);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  DecoderLayerImpl(const ModelConfig& cfg, int64_t layer);
  torch::Tensor forward(const torch::Tensor& x /*[B,T,C]*/, const LayerContext& ctx);
  Attention self_attn{nullptr};
  Mlp mlp{nullptr};
  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(DecoderLayer);

// "model": embeddings, decoder layers, final norm.
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const ModelConfig& cfg);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
  std::vector<DecoderLayer> layer_list;  // typed access to `layers`
};
TORCH_MODULE(Decoder);

struct ForwardInput {
  torch::Tensor input_ids;       // [B,T] int64
  torch::Tensor attention_mask;  // [B,S] 1 = real token, 0 = padding (S = past + T); optional
  torch::Tensor position_ids;    // [B,T]; optional: cumsum(attention_mask) - 1 (pads at 1), else past..past+T-1
  KvCache* cache = nullptr;      // optional: keys/values of earlier tokens; appended to
};

struct ForwardOptions {
  int64_t capture_layer = -1;    // keep the output of this decoder layer (RMU steers layer 7's output)
  bool stop_after_capture = false;  // skip the layers after it (and the final norm)
};

struct ForwardOutput {
  torch::Tensor hidden;          // [B,T,C] after the final norm (undefined if stopped early)
  torch::Tensor captured;        // [B,T,C] output of options.capture_layer
};

class CausalLMImpl : public torch::nn::Module {
 public:
  explicit CausalLMImpl(const ModelConfig& cfg);

  ForwardOutput forward_hidden(const ForwardInput& in, const ForwardOptions& opts = {});
  // Vocabulary projection: [B,T,C] -> [B,T,V] (lm_head, or the embedding matrix when tied).
  torch::Tensor logits(const torch::Tensor& hidden);
  // forward_hidden + logits.
  torch::Tensor forward(const ForwardInput& in);
  // The [V,C] matrix of the vocabulary projection.
  torch::Tensor head_weight();

  const ModelConfig& config() const { return cfg_; }
  torch::ScalarType dtype() const;
  torch::Device device() const;

  Decoder model{nullptr};
  torch::nn::Linear lm_head{nullptr};  // absent when tie_word_embeddings

 private:
  ModelConfig cfg_;
  torch::Tensor inv_freq_;  // [D/2] fp32 buffer (not a parameter, not saved)
};
TORCH_MODULE(CausalLM);

// Default position ids for a batch: cumsum(mask) - 1 with padding set to 1 (as HF generate), or
// past..past+T-1 without a mask. mask: [B,S]; returns [B,T] for the last T positions.
torch::Tensor default_position_ids(const torch::Tensor& attention_mask, int64_t B, int64_t T, int64_t past, torch::Device device);

}  // namespace lethe

#include "lethe/model/causal_lm.h"

#include "lethe/core/error.h"
#include "lethe/model/rotary.h"

namespace lethe {
namespace {

torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

}  // namespace

RMSNormImpl::RMSNormImpl(int64_t C, double eps_) : eps(eps_) {
  weight = register_parameter("weight", torch::ones({C}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) { return ops::rms_norm(x, weight, eps); }

AttentionImpl::AttentionImpl(const ModelConfig& c, int64_t layer)
    : layer_(layer), H_(c.num_attention_heads), K_(c.num_key_value_heads), D_(c.head_dim) {
  const bool qkv_bias = c.attention_bias || c.qkv_bias;
  q_proj = register_module("q_proj", linear(c.hidden_size, H_ * D_, qkv_bias));
  k_proj = register_module("k_proj", linear(c.hidden_size, K_ * D_, qkv_bias));
  v_proj = register_module("v_proj", linear(c.hidden_size, K_ * D_, qkv_bias));
  o_proj = register_module("o_proj", linear(H_ * D_, c.hidden_size, c.attention_bias));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const LayerContext& ctx) {
  const int64_t B = x.size(0), T = x.size(1);
  auto q = q_proj(x).view({B, T, H_, D_}).transpose(1, 2);  // [B,H,T,D]
  auto k = k_proj(x).view({B, T, K_, D_}).transpose(1, 2);  // [B,K,T,D]
  auto v = v_proj(x).view({B, T, K_, D_}).transpose(1, 2);
  q = ops::apply_rotary(q, ctx.cos, ctx.sin);
  k = ops::apply_rotary(k, ctx.cos, ctx.sin);
  if (ctx.cache) std::tie(k, v) = ctx.cache->append(layer_, k, v);
  auto out = ops::attention(q, k, v, ctx.mask);  // [B,H,T,D]
  return o_proj(out.transpose(1, 2).reshape({B, T, H_ * D_}));
}

MlpImpl::MlpImpl(const ModelConfig& c) {
  gate_proj = register_module("gate_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
  up_proj = register_module("up_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
  down_proj = register_module("down_proj", linear(c.intermediate_size, c.hidden_size, c.mlp_bias));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) { return down_proj(ops::swiglu(gate_proj(x), up_proj(x))); }

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c, int64_t layer) {
  self_attn = register_module("self_attn", Attention(c, layer));
  mlp = register_module("mlp", Mlp(c));
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const LayerContext& ctx) {
  auto h = x + self_attn(input_layernorm(x), ctx);
  return h + mlp(post_attention_layernorm(h));
}

DecoderImpl::DecoderImpl(const ModelConfig& c) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    layer_list.push_back(DecoderLayer(c, l));
    layers->push_back(layer_list.back());
  }
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

CausalLMImpl::CausalLMImpl(const ModelConfig& c) : cfg_(c) {
  model = register_module("model", Decoder(c));
  if (!c.tie_word_embeddings) lm_head = register_module("lm_head", linear(c.hidden_size, c.vocab_size, false));
  inv_freq_ = rope_inv_freq(c);
}

torch::ScalarType CausalLMImpl::dtype() const { return model->embed_tokens->weight.scalar_type(); }
torch::Device CausalLMImpl::device() const { return model->embed_tokens->weight.device(); }

torch::Tensor CausalLMImpl::head_weight() { return lm_head ? lm_head->weight : model->embed_tokens->weight; }

torch::Tensor CausalLMImpl::logits(const torch::Tensor& hidden) { return torch::matmul(hidden, head_weight().t()); }

torch::Tensor default_position_ids(const torch::Tensor& attention_mask, int64_t B, int64_t T, int64_t past, torch::Device device) {
  if (!attention_mask.defined())
    return torch::arange(past, past + T, torch::TensorOptions().dtype(torch::kInt64).device(device)).unsqueeze(0).expand({B, T});
  auto m = attention_mask.to(torch::kInt64);
  auto pos = m.cumsum(1) - 1;
  pos = pos.masked_fill(m == 0, 1);
  return pos.narrow(1, pos.size(1) - T, T);
}

ForwardOutput CausalLMImpl::forward_hidden(const ForwardInput& in, const ForwardOptions& opts) {
  const auto& ids = in.input_ids;
  if (ids.dim() != 2) throw ShapeError("input_ids must be [B,T], got " + std::to_string(ids.dim()) + " dims");
  const int64_t B = ids.size(0), T = ids.size(1);
  const int64_t past = in.cache ? in.cache->length() : 0;
  const int64_t S = past + T;
  const auto device = this->device();
  if (in.attention_mask.defined() && (in.attention_mask.size(0) != B || in.attention_mask.size(1) != S))
    throw ShapeError("attention_mask must be [B, past+T] = [" + std::to_string(B) + ", " + std::to_string(S) + "]");
  if (opts.capture_layer >= cfg_.num_hidden_layers)
    throw ConfigError("capture_layer " + std::to_string(opts.capture_layer) + " >= num_hidden_layers " +
                      std::to_string(cfg_.num_hidden_layers));

  auto position_ids = in.position_ids.defined() ? in.position_ids.to(device)
                                                : default_position_ids(in.attention_mask, B, T, past, device);
  if (inv_freq_.device() != device) inv_freq_ = inv_freq_.to(device);
  LayerContext ctx;
  auto tables = rotary_tables(inv_freq_, position_ids, dtype());
  ctx.cos = tables.cos;
  ctx.sin = tables.sin;
  ctx.cache = in.cache;
  torch::Tensor key_valid = in.attention_mask.defined() ? in.attention_mask.to(device) : torch::Tensor();
  if (key_valid.defined() || cfg_.sliding_window || T != S)
    ctx.mask = ops::make_attention_mask(B, T, S, key_valid, cfg_.sliding_window, device);

  ForwardOutput out;
  auto h = model->embed_tokens(ids.to(device));
  for (int64_t l = 0; l < cfg_.num_hidden_layers; ++l) {
    h = model->layer_list[l](h, ctx);
    if (l == opts.capture_layer) {
      out.captured = h;
      if (opts.stop_after_capture) return out;
    }
  }
  if (in.cache) in.cache->advance(T);
  out.hidden = model->norm(h);
  return out;
}

torch::Tensor CausalLMImpl::forward(const ForwardInput& in) { return logits(forward_hidden(in).hidden); }

}  // namespace lethe

#include "lethe/train/checkpointed_forward.h"

#include "lethe/core/error.h"
#include "lethe/model/rotary.h"

namespace lethe::train {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// y = layer(x, ctx), recomputed in backward. `params` are the layer's parameters, passed so that
// autograd routes their gradients through this node.
struct CheckpointedLayer : public torch::autograd::Function<CheckpointedLayer> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x /*[B,T,C]*/, DecoderLayerImpl* layer,
                               const LayerContext* lctx, at::TensorList params) {
    ctx->saved_data["layer"] = reinterpret_cast<int64_t>(layer);
    ctx->saved_data["cos"] = lctx->cos;
    ctx->saved_data["sin"] = lctx->sin;
    ctx->saved_data["has_mask"] = lctx->mask.allowed.defined();
    if (lctx->mask.allowed.defined()) ctx->saved_data["mask"] = lctx->mask.allowed;
    ctx->saved_data["n_params"] = int64_t(params.size());
    ctx->save_for_backward({x});
    return layer->forward(x, *lctx);  // grad mode is off here: nothing but x is kept
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto* layer = reinterpret_cast<DecoderLayerImpl*>(ctx->saved_data["layer"].toInt());
    LayerContext lctx;
    lctx.cos = ctx->saved_data["cos"].toTensor();
    lctx.sin = ctx->saved_data["sin"].toTensor();
    if (ctx->saved_data["has_mask"].toBool()) lctx.mask.allowed = ctx->saved_data["mask"].toTensor();
    const auto x = ctx->get_saved_variables()[0];
    const int64_t n_params = ctx->saved_data["n_params"].toInt();
    auto params = layer->parameters();

    torch::AutoGradMode enable(true);
    auto xd = x.detach().requires_grad_(true);
    auto y = layer->forward(xd, lctx);
    std::vector<torch::Tensor> inputs{xd};
    std::vector<int64_t> where;  // index into params of each differentiated parameter
    for (int64_t i = 0; i < n_params; ++i)
      if (params[i].requires_grad()) {
        inputs.push_back(params[i]);
        where.push_back(i);
      }
    auto grads = torch::autograd::grad({y}, inputs, {grad_out[0]}, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
    variable_list out(3 + n_params);
    out[0] = grads[0];
    for (size_t k = 0; k < where.size(); ++k) out[3 + where[k]] = grads[1 + k];
    return out;
  }
};

}  // namespace

ForwardOutput forward_hidden_checkpointed(CausalLM& model, const ForwardInput& in, const ForwardOptions& opts) {
  const auto& cfg = model->config();
  const auto& ids = in.input_ids;
  if (ids.dim() != 2) throw ShapeError("input_ids must be [B,T], got " + std::to_string(ids.dim()) + " dims");
  if (in.cache) throw ConfigError("gradient checkpointing is for training: no KV cache");
  if (opts.capture_layer >= cfg.num_hidden_layers)
    throw ConfigError("capture_layer " + std::to_string(opts.capture_layer) + " >= num_hidden_layers " +
                      std::to_string(cfg.num_hidden_layers));
  const int64_t B = ids.size(0), T = ids.size(1);
  const auto device = model->device();
  if (in.attention_mask.defined() && (in.attention_mask.size(0) != B || in.attention_mask.size(1) != T))
    throw ShapeError("attention_mask must be [B,T] = [" + std::to_string(B) + ", " + std::to_string(T) + "]");
  auto position_ids = in.position_ids.defined() ? in.position_ids.to(device)
                                                : default_position_ids(in.attention_mask, B, T, 0, device);
  LayerContext ctx;
  auto tables = rotary_tables(rope_inv_freq(cfg).to(device), position_ids, model->dtype());
  ctx.cos = tables.cos;
  ctx.sin = tables.sin;
  torch::Tensor key_valid = in.attention_mask.defined() ? in.attention_mask.to(device) : torch::Tensor();
  if (key_valid.defined() || cfg.sliding_window)
    ctx.mask = ops::make_attention_mask(B, T, T, key_valid, cfg.sliding_window, device);

  ForwardOutput out;
  auto h = model->model->embed_tokens(ids.to(device));
  for (int64_t l = 0; l < cfg.num_hidden_layers; ++l) {
    auto& layer = model->model->layer_list[l];
    auto params = layer->parameters();
    h = CheckpointedLayer::apply(h, layer.get(), &ctx, at::TensorList(params));
    if (l == opts.capture_layer) {
      out.captured = h;
      if (opts.stop_after_capture) return out;
    }
  }
  out.hidden = model->model->norm(h);
  return out;
}

}  // namespace lethe::train

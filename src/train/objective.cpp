#include "lethe/train/objective.h"

#include "lethe/core/error.h"
#include "lethe/losses/chunked_head.h"
#include "lethe/losses/grad_ascent.h"
#include "lethe/losses/rmu.h"
#include "lethe/train/checkpointed_forward.h"

namespace lethe::train {

using losses::ForgetLoss;
using losses::RetainLoss;

bool Objective::reference_needed(const LossConfig& c) {
  if (c.forget_none) return c.retain == RetainLoss::kl;
  return losses::needs_reference_model(c.forget, c.retain) || c.forget == ForgetLoss::rmu;
}

Objective::Objective(const LossConfig& cfg, CausalLM model, std::optional<CausalLM> reference, bool ckpt)
    : cfg_(cfg), model_(std::move(model)), ref_(std::move(reference)), checkpointing_(ckpt) {
  if (reference_needed(cfg_) && !ref_) throw ConfigError("this objective needs a frozen reference model");
  if (!cfg_.forget_none && cfg_.forget == ForgetLoss::rmu)
    rmu_u_ = losses::rmu_random_directions(cfg_.rmu.topics, model_->config().hidden_size, cfg_.rmu.direction_seed)
                 .to(model_->device());
}

torch::Tensor Objective::rmu_activations(const StepBatch& b, bool frozen) {
  ForwardInput in;
  in.input_ids = b.input_ids;
  in.attention_mask = b.attention_mask;
  ForwardOptions o;
  o.capture_layer = cfg_.rmu.layer;
  o.stop_after_capture = true;
  if (frozen) {
    torch::NoGradGuard ng;
    return (*ref_)->forward_hidden(in, o).captured.to(torch::kFloat32);
  }
  auto out = checkpointing_ && torch::GradMode::is_enabled() ? forward_hidden_checkpointed(model_, in, o)
                                                              : model_->forward_hidden(in, o);
  return out.captured.to(torch::kFloat32);
}

torch::Tensor Objective::rmu_row_directions(const StepBatch& f) const {
  const int64_t B = f.input_ids.size(0), T = rmu_u_.size(0);
  std::vector<int64_t> topics = f.topics.empty() ? std::vector<int64_t>(B, 0) : f.topics;
  if (int64_t(topics.size()) != B)
    throw ShapeError("forget batch: " + std::to_string(topics.size()) + " topics for " + std::to_string(B) + " rows");
  for (auto t : topics)
    if (t < 0 || t >= T)
      throw ConfigError("forget batch row of topic " + std::to_string(t) + ", but RMU has " + std::to_string(T) +
                        " direction(s), one per data.forget entry");
  return rmu_u_.index_select(0, torch::tensor(topics, torch::kInt64).to(rmu_u_.device()));  // [B,C]
}

torch::Tensor Objective::hidden(CausalLM& m, const StepBatch& b) {
  ForwardInput in;
  in.input_ids = b.input_ids;
  in.attention_mask = b.attention_mask;
  if (checkpointing_ && torch::GradMode::is_enabled()) return forward_hidden_checkpointed(m, in).hidden;
  return m->forward_hidden(in).hidden;
}

losses::SequenceNll Objective::nll(CausalLM& m, const StepBatch& b) {
  auto h = hidden(m, b);  // [B,T,C]
  return losses::sequence_nll_from_hidden(h, m->head_weight(), b.labels.to(h.device()), cfg_.chunk_rows);
}

losses::SequenceNll Objective::reference_nll(const StepBatch& b) {
  const int64_t B = b.input_ids.size(0);
  const bool cache = cfg_.cache_reference && int64_t(b.indices.size()) == B;
  if (cache) {
    bool all = true;
    for (auto i : b.indices) all = all && ref_cache_.count(i);
    if (all) {
      losses::SequenceNll out;
      std::vector<double> s, c, cu;
      for (auto i : b.indices) {
        const auto& e = ref_cache_.at(i);
        s.push_back(e.sum);
        c.push_back(e.count);
        cu.push_back(e.count_unshifted);
      }
      auto f32 = torch::TensorOptions().dtype(torch::kFloat64);
      out.sum = torch::tensor(s, f32).to(torch::kFloat32);
      out.count = torch::tensor(c, f32).to(torch::kFloat32);
      out.count_unshifted = torch::tensor(cu, f32).to(torch::kFloat32);
      return out;
    }
  }
  torch::NoGradGuard ng;
  auto r = nll(*ref_, b);
  r.sum = r.sum.to(torch::kFloat32);
  r.count = r.count.to(torch::kFloat32);
  r.count_unshifted = r.count_unshifted.to(torch::kFloat32);
  if (cache)
    for (int64_t k = 0; k < B; ++k)
      ref_cache_[b.indices[k]] = {r.sum[k].item<double>(), r.count[k].item<double>(), r.count_unshifted[k].item<double>()};
  return r;
}

torch::Tensor Objective::forget_term(const StepBatch& f) {
  switch (cfg_.forget) {
    case ForgetLoss::simnpo:
      if (cfg_.simnpo.mode == losses::SimNpoMode::logits)
        return losses::simnpo_logits_forget_loss(model_->logits(hidden(model_, f)), cfg_.simnpo.beta, cfg_.simnpo.gamma);
      return losses::simnpo_forget_loss(nll(model_, f), cfg_.simnpo);
    case ForgetLoss::npo: {
      if (cfg_.npo.reduction == losses::NpoReduction::logits) {
        torch::Tensor ref_logits;
        {
          torch::NoGradGuard ng;
          ref_logits = (*ref_)->logits(hidden(*ref_, f));
        }
        return losses::npo_logits_forget_loss(model_->logits(hidden(model_, f)), ref_logits, cfg_.npo.beta);
      }
      auto theta = nll(model_, f);
      auto ref = reference_nll(f);
      ref.sum = ref.sum.to(theta.sum.scalar_type());
      ref.count = ref.count.to(theta.count.scalar_type());
      ref.count_unshifted = ref.count_unshifted.to(theta.count_unshifted.scalar_type());
      return losses::npo_forget_loss(theta, ref, cfg_.npo);
    }
    case ForgetLoss::grad_ascent:
    case ForgetLoss::grad_diff:
      return losses::gradient_ascent_loss(nll(model_, f));
    case ForgetLoss::rmu:
      return losses::rmu_forget_loss(rmu_activations(f, false), rmu_row_directions(f), cfg_.rmu.steering_coeff);
  }
  throw ConfigError("unsupported forget loss");
}

torch::Tensor Objective::retain_term(const StepBatch& r) {
  if (!cfg_.forget_none && cfg_.forget == ForgetLoss::rmu) {
    auto frozen = rmu_activations(r, true);
    return losses::rmu_retain_loss(rmu_activations(r, false), frozen, cfg_.rmu.alpha);
  }
  switch (cfg_.retain) {
    case RetainLoss::none: return {};
    case RetainLoss::nll: return losses::retain_nll_loss(nll(model_, r));
    case RetainLoss::kl: {
      torch::Tensor ref_logits;
      {
        torch::NoGradGuard ng;
        ref_logits = (*ref_)->logits(hidden(*ref_, r));
      }
      return losses::retain_kl_loss(model_->logits(hidden(model_, r)), ref_logits, r.labels, cfg_.kl_positions);
    }
  }
  return {};
}

LossValue Objective::compute(const StepBatch& forget, const StepBatch& retain) {
  LossValue out;
  torch::Tensor total;
  if (!cfg_.forget_none) {
    if (!forget.defined()) throw ConfigError("the forget loss needs a forget batch");
    auto lf = forget_term(forget).to(torch::kFloat32);
    out.parts["forget"] = lf.item<double>();
    total = lf * cfg_.forget_weight;
  }
  const bool rmu = !cfg_.forget_none && cfg_.forget == ForgetLoss::rmu;
  if ((cfg_.retain != RetainLoss::none || rmu) && retain.defined()) {
    auto lr = retain_term(retain).to(torch::kFloat32);
    out.parts["retain"] = lr.item<double>();
    total = total.defined() ? total + lr * cfg_.retain_weight : lr * cfg_.retain_weight;
  }
  if (!total.defined()) throw ConfigError("the objective has no term to train (no forget loss and no retain batch)");
  out.total = total;
  return out;
}

}  // namespace lethe::train

#include "lethe/train/optimizer.h"

#include <sstream>
#include <type_traits>

#include <ATen/Parallel.h>

#include <cmath>

#include "lethe/core/error.h"

namespace lethe::train {

Precision parse_precision(const std::string& s, const std::string& key) {
  if (s == "fp32") return Precision::fp32;
  if (s == "bf16_mixed") return Precision::bf16_mixed;
  if (s == "bf16_pure") return Precision::bf16_pure;
  throw ConfigError(key + ": unknown precision '" + s + "' (use fp32, bf16_mixed or bf16_pure)");
}

const char* to_string(Precision p) {
  switch (p) {
    case Precision::fp32: return "fp32";
    case Precision::bf16_mixed: return "bf16_mixed";
    case Precision::bf16_pure: return "bf16_pure";
  }
  return "?";
}

torch::ScalarType model_dtype(Precision p) { return p == Precision::fp32 ? torch::kFloat32 : torch::kBFloat16; }

double clip_grad_norm_reference(const std::vector<torch::Tensor>& params, double max_norm) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2));
  if (norms.empty()) return 0.0;
  const double total = torch::stack(norms).norm(2).item<double>();
  if (max_norm > 0) {
    const double coef = std::min(1.0, max_norm / (total + 1e-6));
    for (const auto& p : params)
      if (p.grad().defined()) p.grad().detach().mul_(coef);
  }
  return total;
}

namespace {

// torch::optim keys its per-parameter state by the TensorImpl: libtorch 1.x by the string of its
// address (c10::guts::to_string, i.e. ostream <<), 2.x by the pointer itself.
using OptimStateKey = std::decay_t<decltype(std::declval<torch::optim::AdamW&>().state())>::key_type;
template <typename Key = OptimStateKey>  // a template, so the branch not taken is never compiled
Key state_key(const torch::Tensor& p) {
  if constexpr (std::is_pointer_v<Key>) {
    return p.unsafeGetTensorImpl();
  } else {
    std::ostringstream o;
    o << p.unsafeGetTensorImpl();
    return o.str();
  }
}


constexpr int64_t kGrain = 1 << 15;

class FlatAdamW : public Optimizer {
 public:
  FlatAdamW(const NamedTensors& params, const AdamWOptions& opt, Precision precision)
      : params_(params), opt_(opt), precision_(precision) {
    int64_t n = 0;
    for (const auto& [name, p] : params_) {
      const auto want = model_dtype(precision_);
      if (p.scalar_type() != want)
        throw ShapeError("parameter " + name + " is " + std::string(c10::toString(p.scalar_type())) +
                         " but precision " + to_string(precision_) + " needs " + c10::toString(want));
      offsets_.push_back(n);
      n += p.numel();
    }
    numel_ = n;
    auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(params_.empty() ? torch::kCPU : params_[0].second.device());
    master_ = torch::empty({n}, f32);
    grad_ = torch::zeros({n}, f32);
    m_ = torch::zeros({n}, f32);
    v_ = torch::zeros({n}, f32);
    torch::NoGradGuard ng;
    for (size_t i = 0; i < params_.size(); ++i) {
      auto& p = params_[i].second;
      auto mview = slice(master_, i);
      mview.copy_(p);
      if (precision_ == Precision::fp32) {
        // The parameter becomes a view of the flat master block, its .grad a view of the
        // flat gradient block: autograd accumulates straight into it.
        p.set_(mview);
        p.mutable_grad() = slice(grad_, i);
      }
    }
  }

  void zero_grad() override {
    grad_.zero_();
    if (precision_ != Precision::fp32)
      for (auto& [name, p] : params_) p.mutable_grad() = torch::Tensor();
  }

  void accumulate_grads() override {
    if (precision_ == Precision::fp32) return;
    torch::NoGradGuard ng;
    for (size_t i = 0; i < params_.size(); ++i) {
      auto& p = params_[i].second;
      if (!p.grad().defined()) continue;
      if (precision_ == Precision::bf16_pure) {
        // The bf16 .grad stays: autograd adds the next micro-batch's bf16 gradient into it
        // (rounded to bf16 at each add, as the reference's .grad). The flat fp32 block holds an
        // exact copy of the running bf16 sum for the norm, clipping and update.
        slice(grad_, i).copy_(p.grad());
      } else {
        slice(grad_, i).add_(p.grad());  // bf16_mixed: bf16 -> fp32 accumulation
        p.mutable_grad() = torch::Tensor();
      }
    }
  }

  NamedTensors gradients() const override {
    NamedTensors out;
    for (size_t i = 0; i < params_.size(); ++i) out.emplace_back(params_[i].first, slice(grad_, i));
    return out;
  }

  void scale_grads(double s) override { grad_.mul_(s); }

  double clip_grad_norm(double max_norm) override {
    const float* g = grad_.data_ptr<float>();
    // Sum of squares in double per chunk, chunks summed in order (deterministic for a thread count).
    const int64_t chunks = (numel_ + kGrain - 1) / kGrain;
    std::vector<double> part(std::max<int64_t>(chunks, 1), 0.0);
    at::parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        double s = 0;
        const int64_t lo = c * kGrain, hi = std::min(numel_, lo + kGrain);
        for (int64_t k = lo; k < hi; ++k) s += double(g[k]) * double(g[k]);
        part[c] = s;
      }
    });
    double sq = 0;
    for (double s : part) sq += s;
    const double total = std::sqrt(sq);
    if (max_norm > 0) {
      const double coef = std::min(1.0, max_norm / (total + 1e-6));
      if (coef < 1.0) grad_.mul_(coef);
    }
    return total;
  }

  void step(double lr) override {
    torch::NoGradGuard ng;
    if (precision_ == Precision::bf16_pure)  // the update starts from the bf16 weights
      for (size_t i = 0; i < params_.size(); ++i) slice(master_, i).copy_(params_[i].second);
    ++step_;
    const double bc1 = 1.0 - std::pow(opt_.beta1, double(step_));
    const double bc2 = 1.0 - std::pow(opt_.beta2, double(step_));
    const float decay = float(1.0 - lr * opt_.weight_decay);
    const float b1 = float(opt_.beta1), b2 = float(opt_.beta2);
    const float ob1 = float(1.0 - opt_.beta1), ob2 = float(1.0 - opt_.beta2);
    const float step_size = float(lr / bc1);
    const float bc2_sqrt = float(std::sqrt(bc2));
    const float eps = float(opt_.eps);
    float* p = master_.data_ptr<float>();
    const float* g = grad_.data_ptr<float>();
    float* m = m_.data_ptr<float>();
    float* v = v_.data_ptr<float>();
    at::parallel_for(0, numel_, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const float gk = g[k];
        const float pk = p[k] * decay;
        const float mk = m[k] * b1 + gk * ob1;
        const float vk = v[k] * b2 + ob2 * gk * gk;
        const float denom = std::sqrt(vk) / bc2_sqrt + eps;
        m[k] = mk;
        v[k] = vk;
        p[k] = pk - step_size * (mk / denom);
      }
    });
    if (precision_ != Precision::fp32)  // round the fp32 result into the bf16 model
      for (size_t i = 0; i < params_.size(); ++i) params_[i].second.copy_(slice(master_, i));
  }

  int64_t steps() const override { return step_; }

  NamedTensors state() const override {
    NamedTensors out;
    for (size_t i = 0; i < params_.size(); ++i) {
      out.emplace_back("exp_avg/" + params_[i].first, slice(m_, i));
      out.emplace_back("exp_avg_sq/" + params_[i].first, slice(v_, i));
      if (precision_ == Precision::bf16_mixed) out.emplace_back("master/" + params_[i].first, slice(master_, i));
    }
    out.emplace_back("step", torch::tensor({step_}, torch::kInt64));
    return out;
  }

  void load_state(const std::map<std::string, torch::Tensor>& st) override {
    auto get = [&](const std::string& k) -> const torch::Tensor& {
      auto it = st.find(k);
      if (it == st.end()) throw ConfigError("optimizer state lacks '" + k + "' (trainable parameters changed?)");
      return it->second;
    };
    torch::NoGradGuard ng;
    for (size_t i = 0; i < params_.size(); ++i) {
      const auto& name = params_[i].first;
      auto load = [&](const std::string& key, torch::Tensor dst) {
        const auto& src = get(key);
        if (src.sizes() != dst.sizes()) throw ShapeError("optimizer state '" + key + "' has the wrong shape");
        dst.copy_(src);
      };
      load("exp_avg/" + name, slice(m_, i));
      load("exp_avg_sq/" + name, slice(v_, i));
      if (precision_ == Precision::bf16_mixed) {
        load("master/" + name, slice(master_, i));
        params_[i].second.copy_(slice(master_, i));
      } else {
        slice(master_, i).copy_(params_[i].second);
      }
    }
    step_ = get("step").item<int64_t>();
  }

  NamedTensors master_weights() const override {
    NamedTensors out;
    if (precision_ != Precision::bf16_mixed) return out;
    for (size_t i = 0; i < params_.size(); ++i) out.emplace_back(params_[i].first, slice(master_, i));
    return out;
  }

 private:
  // The piece of a flat buffer that belongs to parameter i, shaped like it.
  torch::Tensor slice(const torch::Tensor& flat, size_t i) const {
    const auto& p = params_[i].second;
    return flat.narrow(0, offsets_[i], p.numel()).view(p.sizes());
  }

  NamedTensors params_;
  AdamWOptions opt_;
  Precision precision_;
  std::vector<int64_t> offsets_;
  int64_t numel_ = 0;
  int64_t step_ = 0;
  torch::Tensor master_, grad_, m_, v_;  // [N] fp32 each
};

class TorchAdamW : public Optimizer {
 public:
  TorchAdamW(const NamedTensors& params, const AdamWOptions& opt) : params_(params) {
    std::vector<torch::Tensor> ps;
    for (const auto& [name, p] : params) {
      if (p.scalar_type() != torch::kFloat32) throw ConfigError("optim.impl torch supports fp32 only (" + name + ")");
      ps.push_back(p);
    }
    torch::optim::AdamWOptions o(1e-3);
    o.betas({opt.beta1, opt.beta2}).eps(opt.eps).weight_decay(opt.weight_decay);
    adamw_ = std::make_unique<torch::optim::AdamW>(ps, o);
  }
  void zero_grad() override {
    for (auto& [name, p] : params_)
      if (p.grad().defined()) p.grad().detach().zero_();
  }
  void scale_grads(double s) override {
    for (auto& [name, p] : params_)
      if (p.grad().defined()) p.grad().detach().mul_(s);
  }
  double clip_grad_norm(double max_norm) override { return clip_grad_norm_reference(tensors(), max_norm); }
  void step(double lr) override {
    static_cast<torch::optim::AdamWOptions&>(adamw_->param_groups()[0].options()).lr(lr);
    adamw_->step();
    ++step_;
  }
  int64_t steps() const override { return step_; }
  NamedTensors state() const override {
    NamedTensors out;
    for (const auto& [name, p] : params_) {
      auto* s = param_state(p);
      out.emplace_back("exp_avg/" + name, s ? s->exp_avg() : torch::zeros_like(p));
      out.emplace_back("exp_avg_sq/" + name, s ? s->exp_avg_sq() : torch::zeros_like(p));
    }
    out.emplace_back("step", torch::tensor({step_}, torch::kInt64));
    return out;
  }
  void load_state(const std::map<std::string, torch::Tensor>& st) override {
    step_ = st.at("step").item<int64_t>();
    for (const auto& [name, p] : params_) {
      auto s = std::make_unique<torch::optim::AdamWParamState>();
      s->step(step_);
      s->exp_avg(st.at("exp_avg/" + name).clone());
      s->exp_avg_sq(st.at("exp_avg_sq/" + name).clone());
      adamw_->state()[state_key(p)] = std::move(s);
    }
  }

  NamedTensors gradients() const override {
    NamedTensors out;
    for (const auto& [name, p] : params_) out.emplace_back(name, p.grad().defined() ? p.grad() : torch::zeros_like(p));
    return out;
  }

 private:
  std::vector<torch::Tensor> tensors() const {
    std::vector<torch::Tensor> v;
    for (const auto& np : params_) v.push_back(np.second);
    return v;
  }
  torch::optim::AdamWParamState* param_state(const torch::Tensor& p) const {
    auto it = adamw_->state().find(state_key(p));
    if (it == adamw_->state().end()) return nullptr;
    return static_cast<torch::optim::AdamWParamState*>(it->second.get());
  }
  NamedTensors params_;
  std::unique_ptr<torch::optim::AdamW> adamw_;
  int64_t step_ = 0;
};

}  // namespace

std::unique_ptr<Optimizer> make_flat_adamw(const NamedTensors& params, const AdamWOptions& opt, Precision precision) {
  return std::make_unique<FlatAdamW>(params, opt, precision);
}

std::unique_ptr<Optimizer> make_torch_adamw(const NamedTensors& params, const AdamWOptions& opt) {
  return std::make_unique<TorchAdamW>(params, opt);
}

}  // namespace lethe::train

// AdamW with fp32 state over one flat block (PERFORMANCE.md technique 5), gradient clipping with
// torch.nn.utils.clip_grad_norm_ semantics, and the precision modes of the trainer.
//
// The update is torch.optim.AdamW (1.13, single-tensor path, amsgrad off), per element, for step t:
//   p  = p * (1 - lr*wd)                         (decoupled weight decay)
//   m  = m*b1 + g*(1-b1);   v = v*b2 + (1-b2)*g*g
//   step_size = lr / (1 - b1^t);   denom = sqrt(v) / sqrt(1 - b2^t) + eps
//   p  = p - step_size * m / denom
// Clipping: total = ||g||_2 over every trainable tensor;  coef = min(1, max_norm / (total + 1e-6));
//   g *= coef  (always applied, as torch does; skipped only when max_norm <= 0).
//
// Precision modes (names used in recipes, train.precision):
//   fp32       model in fp32; the parameters and their .grad ARE views into the flat buffers.
//   bf16_mixed model in bf16 for compute; fp32 master weights, fp32 gradient accumulation and fp32
//              moments in the flat block; masters are rounded back into the bf16 model after each step.
//   bf16_pure  what the reference code does by loading the model in bf16 (WMDP's RMU and SimNPO
//              code, MUSE's): the gradients accumulate in the parameters' bf16 .grad across
//              micro-batches (autograd adds each micro-batch's bf16 gradient into it, rounding to
//              bf16 at every add), and the update starts from the bf16 weight each step (no fp32
//              master survives a step), so updates smaller than bf16's resolution round away.
//              The moments stay fp32 (in the flat block). The reference's optimizer keeps them in
//              the parameter dtype, bf16 (torch.optim.AdamW and transformers.AdamW create them
//              with zeros_like(p)), but the two implementations round in different places (per op,
//              eps before or after the bias correction), so no single bf16 emulation is "the
//              reference"; fp32 moments are the one defined choice, and the gradient and weight
//              roundings above, which are the same in both, are reproduced. Clipping and the
//              AdamW arithmetic run in fp32 on the (exactly converted) bf16 gradient sum.
// bf16_mixed is the recommended mode for real runs; bf16_pure is there to reproduce the reference.
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lethe::train {

enum class Precision { fp32, bf16_mixed, bf16_pure };
Precision parse_precision(const std::string& s, const std::string& key = "train.precision");
const char* to_string(Precision p);
// The dtype the model is loaded in for a precision mode.
torch::ScalarType model_dtype(Precision p);

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// The optimizer interface the trainer drives. Call order per optimizer step:
//   zero_grad(); { forward; backward; accumulate_grads(); } x accumulation;
//   norm = clip_grad_norm(max); step(lr).
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Clears the accumulated gradients (keeps the buffers).
  virtual void zero_grad() = 0;
  // Moves what the last backward left in the parameters' .grad into the accumulation buffer
  // (no-op when .grad already is that buffer).
  virtual void accumulate_grads() {}
  // Scales every accumulated gradient by `s` (e.g. 1/accumulation).
  virtual void scale_grads(double s) = 0;
  // Global L2 norm of the accumulated gradients, then clipping as torch (max_norm <= 0: no clip).
  virtual double clip_grad_norm(double max_norm) = 0;
  // One AdamW update with learning rate `lr`; increments the step count.
  virtual void step(double lr) = 0;
  virtual int64_t steps() const = 0;
  // Moments and step count as named CPU tensors (for trainer_state), and their inverse.
  virtual NamedTensors state() const = 0;
  virtual void load_state(const std::map<std::string, torch::Tensor>& state) = 0;
  // fp32 master weights, when the mode keeps them apart from the model (bf16_mixed), else empty.
  virtual NamedTensors master_weights() const { return {}; }
  // The accumulated gradients the next clip_grad_norm / step will use (flat: fp32 views of the
  // block; after accumulate_grads; torch: the parameters' .grad). Views: writing into them changes
  // what clip_grad_norm and step see (the data-parallel trainer averages them in place).
  virtual NamedTensors gradients() const = 0;
};

// One flat fp32 block for masters, gradients and both moments; the update is a single
// at::parallel_for loop. `params` are the trainable parameters (name, tensor), in a fixed order.
std::unique_ptr<Optimizer> make_flat_adamw(const NamedTensors& params, const AdamWOptions& opt,
                                           Precision precision);

// Reference path: torch::optim::AdamW over the same parameters (fp32 only), torch's clipping.
std::unique_ptr<Optimizer> make_torch_adamw(const NamedTensors& params, const AdamWOptions& opt);

// clip_grad_norm_ as torch 1.13 on the parameters' .grad: per-tensor 2-norms, their 2-norm,
// coef = max_norm / (total + 1e-6) clamped to 1, grads scaled in place. Returns the total norm.
double clip_grad_norm_reference(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace lethe::train

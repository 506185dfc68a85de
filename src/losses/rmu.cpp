// RMU loss pieces (see rmu.h).
#include "lethe/losses/rmu.h"

#include <ATen/CPUGeneratorImpl.h>

#include "lethe/core/error.h"
#include "lethe/losses/sequence_nll.h"

namespace lethe::losses {

namespace {

void check_activations(const torch::Tensor& h, const char* name) {
  if (!h.defined() || h.dim() != 3 || !torch::isFloatingType(h.scalar_type()))
    throw ShapeError(std::string(name) + ": expected floating-point activations [B,T,C]");
}

// mean of the squared difference d [B,T,C] over all elements, or over masked positions x C.
torch::Tensor masked_mean_square(const torch::Tensor& d, const torch::Tensor& mask) {
  if (!mask.defined()) return d.square().mean();
  if (mask.dim() != 2 || mask.size(0) != d.size(0) || mask.size(1) != d.size(1))
    throw ShapeError("mask: expected [B,T] matching the activations");
  auto m = mask.ne(0).to(d.scalar_type());                          // [B,T]
  return (d.square().sum(-1) * m).sum() / (m.sum() * d.size(2));
}

}  // namespace

torch::Tensor rmu_forget_loss(const torch::Tensor& h, const torch::Tensor& u, double c,
                              const torch::Tensor& mask) {
  check_activations(h, "h");
  const bool per_row = u.defined() && u.dim() == 2;
  if (!u.defined() || (u.dim() != 1 && !per_row) || u.size(-1) != h.size(2) || (per_row && u.size(0) != h.size(0)))
    throw ShapeError("u: expected the control direction [C] or one per row [B,C], with B = " +
                     std::to_string(h.size(0)) + ", C = " + std::to_string(h.size(2)));
  const auto dt = loss_dtype(h.scalar_type());
  auto ud = u.detach().to(dt);
  // c * u / ||u||: [C], or per row [B,1,C] (broadcast over T)
  auto control = per_row ? (ud / ud.norm(2, {1}, true) * c).unsqueeze(1) : ud / ud.norm() * c;
  return masked_mean_square(h.to(dt) - control, mask);
}

torch::Tensor rmu_retain_loss(const torch::Tensor& h, const torch::Tensor& h_frozen, double alpha,
                              const torch::Tensor& mask) {
  check_activations(h, "h");
  if (!h_frozen.defined() || h_frozen.sizes() != h.sizes())
    throw ShapeError("h_frozen: expected the shape of h [B,T,C]");
  const auto dt = loss_dtype(h.scalar_type());
  return masked_mean_square(h.to(dt) - h_frozen.detach().to(dt), mask) * alpha;
}

torch::Tensor rmu_random_directions(int64_t topics, int64_t channels, uint64_t seed) {
  if (channels < 1) throw ConfigError("channels: must be >= 1, got " + std::to_string(channels));
  if (topics < 1) throw ConfigError("topics: must be >= 1, got " + std::to_string(topics));
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::rand({topics, channels}, gen, torch::TensorOptions().dtype(torch::kFloat32));
}

torch::Tensor rmu_random_direction(int64_t channels, uint64_t seed) { return rmu_random_directions(1, channels, seed)[0]; }

}  // namespace lethe::losses

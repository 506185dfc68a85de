// RMU loss pieces (Li et al. 2024, WMDP; centerforaisafety/wmdp rmu/unlearn.py), REFERENCE.md §1.
// h is a decoder layer's output captured by the trainer (layer 7 in the zephyr recipe).
//
// Shape legend: B = batch, T = sequence length, C = channels (hidden size).
#pragma once
#include <torch/torch.h>

#include <cstdint>

namespace lethe::losses {

// Forget term:  L = mean over elements of (h - c * u/||u||)^2.
// With no mask this is torch.nn.functional.mse_loss(h, control_vec) of the WMDP code: the mean
// over all B*T*C elements, padding positions included. With mask [B,T] (bool or 0/1), only
// positions with mask != 0 count: sum over them and C, divided by (#positions * C).
// h [B,T,C], u [C] (the raw direction, normalized here), c = steering coefficient.
torch::Tensor rmu_forget_loss(const torch::Tensor& h, const torch::Tensor& u, double c,
                              const torch::Tensor& mask = {});

// Retain term:  L = alpha * mean over elements of (h - h_frozen)^2  (WMDP: alpha * mse_loss;
// mask as in rmu_forget_loss). h, h_frozen [B,T,C]; h_frozen treated as constant.
torch::Tensor rmu_retain_loss(const torch::Tensor& h, const torch::Tensor& h_frozen, double alpha,
                              const torch::Tensor& mask = {});

// u ~ U[0,1)^C from a CPU generator seeded with `seed`, fp32 [C]. Draws the same numbers as
// Python's torch.manual_seed(seed); torch.rand(C) (or torch.rand(1, 1, C)) in fp32.
torch::Tensor rmu_random_direction(int64_t channels, uint64_t seed);

}  // namespace lethe::losses

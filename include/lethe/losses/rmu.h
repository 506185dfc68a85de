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
// h [B,T,C], u [C] (the raw direction, normalized here) or [B,C] (one direction per row, each
// normalized: rows of different forget corpora, each pushed toward its own topic's direction),
// c = steering coefficient.
torch::Tensor rmu_forget_loss(const torch::Tensor& h, const torch::Tensor& u, double c,
                              const torch::Tensor& mask = {});

// Retain term:  L = alpha * mean over elements of (h - h_frozen)^2  (WMDP: alpha * mse_loss;
// mask as in rmu_forget_loss). h, h_frozen [B,T,C]; h_frozen treated as constant.
torch::Tensor rmu_retain_loss(const torch::Tensor& h, const torch::Tensor& h_frozen, double alpha,
                              const torch::Tensor& mask = {});

// One direction per topic, u_t ~ U[0,1)^C, fp32 [topics, C]: the numbers of Python's
// torch.manual_seed(seed); torch.rand(topics, C) (the CPU generator, fp32): topic 0 first, then
// topic 1 from the same stream, as WMDP's loop draws its control vectors in topic order.
// (The reference draws them with the CUDA generator in the model's dtype, numbers no CPU run can
// reproduce; what carries over is one fixed uniform direction per topic.)
torch::Tensor rmu_random_directions(int64_t topics, int64_t channels, uint64_t seed);
// Topic 0's: torch.manual_seed(seed); torch.rand(C) (or torch.rand(1, 1, C)), fp32 [C].
torch::Tensor rmu_random_direction(int64_t channels, uint64_t seed);

}  // namespace lethe::losses

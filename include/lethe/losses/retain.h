// Retain-set terms, REFERENCE.md §1 ("Retain terms").
//
// Shape legend: B = batch, T = sequence length, V = vocabulary.
#pragma once
#include <torch/torch.h>

#include <string>

#include "lethe/losses/sequence_nll.h"

namespace lethe::losses {

// Retain NLL:  L = nll_mean(retain)  (token mean over the batch, as HF outputs.loss).
torch::Tensor retain_nll_loss(const SequenceNll& retain);

// Which positions the retain KL averages over.
enum class KlPositions {
  all,       // every one of the B*T positions, labels ignored, the last position included:
             //   what open-unlearning's compute_kl_divergence does (kl_div "batchmean" over the
             //   [B*T, V] view); the default, as the reference
  labelled,  // only positions t < T-1 whose shifted label labels[b,t+1] != -100, averaged over
             //   their number
};

KlPositions parse_kl_positions(const std::string& value, const std::string& key = "kl_positions");
const char* to_string(KlPositions positions);

// Retain KL:  KL(p_ref || p_theta) per position = sum_v p_ref (log p_ref - log p_theta),
// with log p = log_softmax(z) computed in loss_dtype, averaged over the chosen positions.
// logits, ref_logits [B,T,V] (ref treated as constant); labels [B,T] needed only for `labelled`.
torch::Tensor retain_kl_loss(const torch::Tensor& logits, const torch::Tensor& ref_logits,
                             const torch::Tensor& labels = {},
                             KlPositions positions = KlPositions::all);

}  // namespace lethe::losses

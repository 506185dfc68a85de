// The one loss primitive: per-token log-probabilities of shifted labels, reduced to a
// per-sequence (sum, count) pair. Every objective in this area is built on it.
//
// Shape legend: B = batch, T = sequence length, V = vocabulary, C = channels (hidden size).
// Conventions (docs REFERENCE.md §1): position t predicts label t+1; label -100 is ignored.
// Reductions run in fp32 whatever the logits dtype (float64 inputs stay float64, for gradient
// checks); the sum/count pairs make batch averages exact (as Marian keeps its losses).
#pragma once
#include <torch/torch.h>

#include <string>

namespace lethe::losses {

// Label value that marks a position as ignored (as in Hugging Face / PyTorch cross_entropy).
constexpr int64_t kIgnoreIndex = -100;

// Per-token log-probabilities of the shifted labels.
struct TokenLogprobs {
  torch::Tensor logprob;  // [B,T-1] log p(label[b,t+1] | z[b,t]), 0 where ignored; fp32/fp64
  torch::Tensor mask;     // [B,T-1] bool, true where label[b,t+1] != -100
};

// Per-sequence summed negative log-likelihood and token counts.
struct SequenceNll {
  torch::Tensor sum;              // [B] -sum_t logprob[b,t] over non-ignored shifted labels
  torch::Tensor count;            // [B] number of non-ignored *shifted* labels (labels[:,1:])
  torch::Tensor count_unshifted;  // [B] number of non-ignored labels (labels[:, :]), as the
                                  //     reference code's n(b) (T for unmasked data, not T-1)
};

// Which count divides a sequence's summed NLL when a per-sequence mean is wanted.
enum class LengthNorm {
  shifted,    // n(b) = count: the number of predictions actually summed (principled)
  reference,  // n(b) = count_unshifted: what Unlearn-Simple's get_batch_loss(...)/mask.sum(-1)
              //        computes; reproduces the published SimNPO numbers
};

// Parses "shifted" | "reference"; throws ConfigError naming `key` otherwise.
LengthNorm parse_length_norm(const std::string& value, const std::string& key = "length_norm");
const char* to_string(LengthNorm norm);

// The dtype the losses compute in for an input of dtype `dtype`: float64 stays float64,
// everything else (fp32, bf16, fp16) becomes fp32.
torch::ScalarType loss_dtype(torch::ScalarType dtype);

// Checks labels [B,T] (int64, T >= 2) for a score tensor `what` of batch B and length T;
// throws ShapeError naming both otherwise.
void check_labels(const torch::Tensor& labels, int64_t B, int64_t T, const std::string& what);

// Checks logits [B,T,V] (floating point) against labels [B,T] (T >= 2, int64 labels); throws
// ShapeError naming `what` otherwise.
void check_logits_labels(const torch::Tensor& logits, const torch::Tensor& labels,
                         const std::string& what = "logits");

// log p(label[b,t+1] | z[b,t]) = z[b,t,y] - logsumexp_v z[b,t,v], computed in loss_dtype.
// logits [B,T,V] (any float dtype), labels [B,T] int64 with -100 ignored.
TokenLogprobs token_logprobs(const torch::Tensor& logits, const torch::Tensor& labels);

// Reduction shared by every path (plain logits and chunked head):
//   sum[b] = -sum_t tokens.logprob[b,t];  count[b] = sum_t tokens.mask[b,t];
//   count_unshifted[b] = #{t : labels[b,t] != -100}.
// labels [B,T] are needed only for count_unshifted.
SequenceNll sequence_nll_from_tokens(const TokenLogprobs& tokens, const torch::Tensor& labels);

// The primitive: per-sequence summed NLL of logits [B,T,V] against labels [B,T].
SequenceNll sequence_nll(const torch::Tensor& logits, const torch::Tensor& labels);

// Token mean over the whole batch, as Hugging Face's outputs.loss:
//   nll_mean = sum_b sum[b] / sum_b count[b]   (NaN when no label is counted, as HF).
torch::Tensor nll_mean(const SequenceNll& nll);

// Per-sequence length n(b) chosen by `norm` (count or count_unshifted), in the sum's dtype.
torch::Tensor sequence_length(const SequenceNll& nll, LengthNorm norm);

// The (Sim)NPO form shared by SimNPO and NPO:  L = -(2/beta) * mean(logsigmoid(beta * r)).
// r is any-shaped (usually [B]); beta > 0 (ConfigError otherwise).
torch::Tensor neg_log_sigmoid_loss(const torch::Tensor& r, double beta);

}  // namespace lethe::losses

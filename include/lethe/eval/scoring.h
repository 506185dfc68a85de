// The one scoring engine of the eval area: batched, padding-aware log-likelihoods under a causal LM.
// Everything else in eval/ (multiple choice, MIA scores, `lethe score`) is a thin client of it.
//
// Shape legend: B batch, T padded input length, C hidden size, V vocabulary, N scored positions.
//
// Rules (lm-evaluation-harness 0.4.x, HFLM._encode_pair / _loglikelihood_tokens; REFERENCE.md §3):
//   encode_pair: n = number of trailing whitespace characters of the context; if n > 0 they move
//     to the front of the continuation. context tokens = encode(context); continuation tokens =
//     encode(context + continuation)[len(context tokens):] (so a merge across the boundary is
//     attributed to the continuation, as lm-eval does). encode() adds no special tokens (no BOS,
//     the 0.4.x default for causal LMs). An empty context becomes [eot] (EOS id), as lm-eval.
//   loglikelihood: full = (context + continuation)[-(max_length+1):]; input = full[:-1];
//     logprob = sum over the last |continuation| positions t of log_softmax(z_t)[full[t+1]];
//     is_greedy = every such full[t+1] is the argmax of z_t.
// Batching: requests are sorted by input length (longest first, as lm-eval's Collator), right
// padded (causal attention makes padding after the real tokens invisible to them, so no mask is
// needed and position ids are 0..T-1), and only the N scored rows of the hidden states go through
// the vocabulary projection (model->logits on gathered rows, in chunks), so a batch never forms a
// [B,T,V] tensor. Log-softmax runs in float64 on the fp32 (or bf16) logits.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/model/causal_lm.h"
#include "lethe/tokenizer/tokenizer.h"

namespace lethe::eval {

struct ScorerOptions {
  int64_t batch_size = 8;      // sequences per forward pass
  int64_t max_length = 0;      // longest input the model sees; 0 = config max_position_embeddings
  int64_t logit_chunk = 2048;  // scored rows projected to the vocabulary at once (memory bound)
};

// One lm-eval loglikelihood request, already tokenized.
struct LoglikelihoodRequest {
  std::vector<int32_t> context;       // may be empty only if continuation has >= 2 tokens
  std::vector<int32_t> continuation;  // non-empty
};

struct LoglikelihoodResult {
  double logprob = 0.0;    // summed log p of the continuation tokens
  bool is_greedy = false;  // every continuation token is the argmax
  int64_t n_tokens = 0;    // continuation tokens scored
};

// lm-eval's _encode_pair (see above). `eot` is the token used for an empty context.
LoglikelihoodRequest encode_pair(const Tokenizer& tok, const std::string& context, const std::string& continuation,
                                 int32_t eot);

// Per-token statistics of one token sequence: for t = 1..n-1 the log-probability of token t given
// tokens < t, and (if requested) the mean and standard deviation of log p over the vocabulary at
// that position (Min-K%++): mu_t = sum_v p_v log p_v, sigma_t = sqrt(max(sum_v p_v (log p_v)^2 -
// mu_t^2, 1e-6)) (the clamp is open-unlearning's sigma^2 >= 1e-6).
struct TokenStats {
  std::vector<int32_t> tokens;   // the scored sequence (after truncation)
  std::vector<double> logprobs;  // [n-1]
  std::vector<double> mu, sigma; // [n-1], empty unless vocab stats were requested
  bool truncated = false;        // the input was longer than max_length + 1 and was cut at the end
};

class Scorer {
 public:
  explicit Scorer(CausalLM model, ScorerOptions opts = {});

  // Results in request order.
  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests);

  // Per-token statistics of whole sequences (each >= 2 tokens; a longer one than max_length + 1
  // keeps its first max_length + 1 tokens). Results in input order.
  std::vector<TokenStats> token_stats(const std::vector<std::vector<int32_t>>& sequences, bool vocab_stats);

  const ScorerOptions& options() const { return opts_; }
  int64_t max_length() const { return max_length_; }
  CausalLM& model() { return model_; }

 private:
  struct Item;  // one sequence and how many of its last tokens are scored
  void score_items(std::vector<Item>& items, bool vocab_stats);
  CausalLM model_;
  ScorerOptions opts_;
  int64_t max_length_;
};

// The BOS id for "BOS + text" protocols (MUSE): the tokenizer's BOS, else the model config's.
// Throws ConfigError when neither knows one.
int32_t bos_token(const Tokenizer& tok, const ModelConfig& cfg);

}  // namespace lethe::eval

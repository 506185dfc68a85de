// Batched generation with a preallocated KV cache: greedy, or sampling with temperature, top-k and
// top-p (in that order, as HF's logits warpers) from a seeded generator; stops per sequence at EOS,
// at a stop string, or after max_new_tokens. Prompts are left-padded into one batch.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lethe/model/causal_lm.h"

namespace lethe {

struct GenerationConfig {
  int64_t max_new_tokens = 64;
  bool do_sample = false;       // false: greedy (argmax)
  double temperature = 1.0;     // sampling only; > 0
  int64_t top_k = 0;            // sampling only; 0 = off
  double top_p = 1.0;           // sampling only; 1 = off
  uint64_t seed = 0;            // sampling only
  std::vector<int64_t> eos_token_ids;
  std::vector<std::string> stop_strings;  // needs a decode function
  int64_t pad_token_id = 0;     // used for left padding of prompts
};

struct GeneratedSequence {
  std::vector<int64_t> tokens;  // new tokens only; includes the EOS token if one ended it
  std::string finish_reason;    // "eos", "stop_string", "length"
};

using DecodeFn = std::function<std::string(const std::vector<int64_t>&)>;

// A batch of token-id lists, left-padded to the longest: both [B,T] int64 on the CPU.
struct LeftPadded {
  torch::Tensor input_ids;       // row b: (T - n_b) x pad_id, then the n_b ids of list b
  torch::Tensor attention_mask;  // 0 over the padding, 1 over the ids
};

// Left-pads `seqs` (as `generate` batches its prompts and `lethe forward` its --ids). Throws
// ConfigError when `seqs` is empty or any list in it is empty.
LeftPadded left_pad(const std::vector<std::vector<int64_t>>& seqs, int64_t pad_id);

// prompts: token ids per sequence (each non-empty). `decode` turns new tokens into text for the
// stop-string check (required iff stop_strings is non-empty).
std::vector<GeneratedSequence> generate(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                        const GenerationConfig& cfg, const DecodeFn& decode = nullptr);

}  // namespace lethe

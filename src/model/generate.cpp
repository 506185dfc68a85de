#include "lethe/model/generate.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

#include "lethe/core/error.h"

namespace lethe {
namespace {

// Applies temperature, top-k and top-p to last-position logits [B,V] (fp32) and samples one token
// per row. Masked entries get -inf, as HF's TopK/TopP warpers do.
torch::Tensor sample_next(torch::Tensor logits, const GenerationConfig& cfg, at::Generator& gen) {
  logits = logits / cfg.temperature;
  const double neg_inf = -std::numeric_limits<float>::infinity();
  if (cfg.top_k > 0 && cfg.top_k < logits.size(-1)) {
    auto kth = std::get<0>(logits.topk(cfg.top_k, -1)).narrow(-1, cfg.top_k - 1, 1);  // [B,1]
    logits = logits.masked_fill(logits < kth, neg_inf);
  }
  if (cfg.top_p < 1.0) {
    // HF TopPLogitsWarper: sort ascending, drop the tokens whose cumulative probability is
    // <= 1 - top_p, always keeping the most likely one.
    auto sorted = logits.sort(-1, /*descending=*/false);
    auto sorted_logits = std::get<0>(sorted), idx = std::get<1>(sorted);
    auto cum = sorted_logits.softmax(-1).cumsum(-1);
    auto remove = cum <= (1.0 - cfg.top_p);
    remove.narrow(-1, remove.size(-1) - 1, 1).fill_(false);
    auto remove_orig = remove.scatter(-1, idx, remove);
    logits = logits.masked_fill(remove_orig, neg_inf);
  }
  auto probs = logits.softmax(-1);
  return torch::multinomial(probs, 1, /*replacement=*/false, gen).squeeze(-1);
}

}  // namespace

LeftPadded left_pad(const std::vector<std::vector<int64_t>>& seqs, int64_t pad_id) {
  if (seqs.empty()) throw ConfigError("left_pad: no token id lists");
  const int64_t B = static_cast<int64_t>(seqs.size());
  int64_t T = 0;
  for (int64_t b = 0; b < B; ++b) {
    if (seqs[b].empty())
      throw ConfigError("left_pad: token id list " + std::to_string(b) + " (of " + std::to_string(B) + ") is empty");
    T = std::max<int64_t>(T, static_cast<int64_t>(seqs[b].size()));
  }
  LeftPadded out{torch::full({B, T}, pad_id, torch::kInt64), torch::zeros({B, T}, torch::kInt64)};
  int64_t* ids = out.input_ids.data_ptr<int64_t>();
  int64_t* mask = out.attention_mask.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t start = b * T + T - static_cast<int64_t>(seqs[b].size());
    std::copy(seqs[b].begin(), seqs[b].end(), ids + start);
    std::fill(mask + start, mask + (b + 1) * T, int64_t{1});
  }
  return out;
}

std::vector<GeneratedSequence> generate(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                        const GenerationConfig& cfg, const DecodeFn& decode) {
  if (prompts.empty()) return {};
  if (!cfg.stop_strings.empty() && !decode) throw ConfigError("stop strings need a tokenizer to decode with");
  if (cfg.do_sample && cfg.temperature <= 0) throw ConfigError("temperature must be > 0 when sampling");
  if (cfg.top_p <= 0 || cfg.top_p > 1) throw ConfigError("top_p must be in (0, 1]");
  for (const auto& p : prompts)
    if (p.empty()) throw ConfigError("cannot generate from an empty prompt");
  const int64_t N = std::max<int64_t>(cfg.max_new_tokens, 0);
  const auto device = model->device();

  // Left-padded prompt batch and the attention mask for prompt + everything generated.
  auto padded = left_pad(prompts, cfg.pad_token_id);
  const int64_t B = padded.input_ids.size(0), P = padded.input_ids.size(1);
  auto ids = padded.input_ids.to(device);
  auto mask = torch::cat({padded.attention_mask, torch::ones({B, N}, torch::kInt64)}, 1).to(device);

  torch::InferenceMode guard;
  KvCache cache(model->config(), B, P + N, model->dtype(), device);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed);

  std::vector<GeneratedSequence> out(B);
  std::vector<bool> done(B, false);
  int64_t remaining = B;
  torch::Tensor step_ids = ids;
  for (int64_t step = 0; step < N && remaining > 0; ++step) {
    ForwardInput in;
    in.input_ids = step_ids;
    in.attention_mask = mask.narrow(1, 0, cache.length() + step_ids.size(1));
    in.cache = &cache;
    auto hidden = model->forward_hidden(in).hidden;                       // [B,T,C]
    auto last = model->logits(hidden.select(1, hidden.size(1) - 1)).to(torch::kFloat32);  // [B,V]
    // Sampling runs on the CPU with a CPU generator (a [B,V] copy), so it works for any model device.
    torch::Tensor next = cfg.do_sample ? sample_next(last.to(torch::kCPU), cfg, gen) : last.argmax(-1);
    next = next.to(torch::kCPU);
    auto acc = next.accessor<int64_t, 1>();
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) {
        acc[b] = cfg.pad_token_id;  // finished rows keep feeding padding
        continue;
      }
      const int64_t tok = acc[b];
      out[b].tokens.push_back(tok);
      if (std::find(cfg.eos_token_ids.begin(), cfg.eos_token_ids.end(), tok) != cfg.eos_token_ids.end()) {
        out[b].finish_reason = "eos";
      } else if (!cfg.stop_strings.empty()) {
        const std::string text = decode(out[b].tokens);
        for (const auto& s : cfg.stop_strings)
          if (!s.empty() && text.find(s) != std::string::npos) out[b].finish_reason = "stop_string";
      }
      if (!out[b].finish_reason.empty()) {
        done[b] = true;
        --remaining;
      }
    }
    step_ids = next.to(device).unsqueeze(1);
  }
  for (auto& s : out)
    if (s.finish_reason.empty()) s.finish_reason = "length";
  return out;
}

}  // namespace lethe

// The scoring engine (see include/lethe/eval/scoring.h for the rules it follows).
#include "lethe/eval/scoring.h"

#include <algorithm>
#include <numeric>

#include "lethe/core/error.h"

namespace lethe::eval {

LoglikelihoodRequest encode_pair(const Tokenizer& tok, const std::string& context, const std::string& continuation,
                                 int32_t eot) {
  // n_spaces = len(context) - len(context.rstrip()); Python's rstrip() strips Unicode whitespace,
  // of which only the ASCII ones (and \x1c-\x1f) can occur as single bytes.
  auto is_ws = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); };
  size_t cut = context.size();
  while (cut > 0 && is_ws(static_cast<unsigned char>(context[cut - 1]))) --cut;
  const std::string ctx = context.substr(0, cut);
  const std::string cont = context.substr(cut) + continuation;
  LoglikelihoodRequest r;
  if (ctx.empty()) {  // lm-eval: context_enc = [eot_token_id], continuation_enc = encode(continuation)
    r.context = {eot};
    r.continuation = tok.encode(cont, false);
  } else {
    const auto whole = tok.encode(ctx + cont, false);
    r.context = tok.encode(ctx, false);
    if (whole.size() >= r.context.size()) r.continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(r.context.size()), whole.end());
  }
  if (r.continuation.empty())
    throw ConfigError("continuation '" + continuation + "' encodes to no token after context '" + context + "'");
  return r;
}

int32_t bos_token(const Tokenizer& tok, const ModelConfig& cfg) {
  if (auto b = tok.bos_id()) return *b;
  if (!cfg.bos_token_ids.empty()) return static_cast<int32_t>(cfg.bos_token_ids.front());
  throw ConfigError("the protocol prepends BOS but neither the tokenizer nor config.json names a BOS token");
}

struct Scorer::Item {
  std::vector<int32_t> full;  // input = full[:-1]; targets = full[1:]
  int64_t n_scored = 0;       // the last n_scored targets are scored
  // outputs
  std::vector<double> logprobs, mu, sigma;
  bool greedy = true;
};

Scorer::Scorer(CausalLM model, ScorerOptions opts) : model_(std::move(model)), opts_(opts) {
  if (opts_.batch_size < 1) throw ConfigError("batch_size must be >= 1, got " + std::to_string(opts_.batch_size));
  if (opts_.logit_chunk < 1) throw ConfigError("logit_chunk must be >= 1");
  max_length_ = opts_.max_length > 0 ? opts_.max_length : model_->config().max_position_embeddings;
  if (max_length_ < 1) throw ConfigError("max_length unknown: set ScorerOptions::max_length");
}

void Scorer::score_items(std::vector<Item>& items, bool vocab_stats) {
  torch::InferenceMode guard;
  const torch::Device dev = model_->device();
  // Longest first (lm-eval's Collator sorts by -len), so each batch pads little.
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return items[a].full.size() > items[b].full.size(); });

  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(opts_.batch_size)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(opts_.batch_size));
    const int64_t B = static_cast<int64_t>(end - start);
    const int64_t T = static_cast<int64_t>(items[order[start]].full.size()) - 1;
    // ids [B,T], right padded with 0 (never attended to by real positions: causal attention).
    auto ids = torch::zeros({B, T}, torch::kInt64);
    auto acc = ids.accessor<int64_t, 2>();
    std::vector<int64_t> rows, targets;  // flat row b*T+t of hidden; target token full[t+1]
    for (int64_t b = 0; b < B; ++b) {
      const Item& it = items[order[start + static_cast<size_t>(b)]];
      const int64_t L = static_cast<int64_t>(it.full.size()) - 1;
      for (int64_t t = 0; t < L; ++t) acc[b][t] = it.full[static_cast<size_t>(t)];
      for (int64_t t = L - it.n_scored; t < L; ++t) {
        rows.push_back(b * T + t);
        targets.push_back(it.full[static_cast<size_t>(t + 1)]);
      }
    }
    ForwardInput in;
    in.input_ids = ids.to(dev);
    auto hidden = model_->forward_hidden(in).hidden;  // [B,T,C]
    const int64_t C = hidden.size(2);
    auto flat = hidden.reshape({B * T, C});
    const int64_t N = static_cast<int64_t>(rows.size());
    auto row_idx = torch::tensor(rows, torch::kInt64).to(dev);
    auto tgt = torch::tensor(targets, torch::kInt64).to(dev);
    std::vector<double> lp_all(N), mu_all, sd_all;
    std::vector<uint8_t> hit_all(N);
    if (vocab_stats) mu_all.resize(N), sd_all.resize(N);
    for (int64_t c0 = 0; c0 < N; c0 += opts_.logit_chunk) {
      const int64_t c1 = std::min(N, c0 + opts_.logit_chunk);
      auto sel = flat.index_select(0, row_idx.slice(0, c0, c1));                        // [n,C]
      auto logp = torch::log_softmax(model_->logits(sel.unsqueeze(0)).squeeze(0).to(torch::kFloat64), -1);  // [n,V]
      auto t = tgt.slice(0, c0, c1);
      auto lp = logp.gather(1, t.unsqueeze(1)).squeeze(1).cpu();
      auto hit = (logp.argmax(-1) == t).to(torch::kUInt8).cpu();
      std::copy(lp.data_ptr<double>(), lp.data_ptr<double>() + (c1 - c0), lp_all.begin() + c0);
      std::copy(hit.data_ptr<uint8_t>(), hit.data_ptr<uint8_t>() + (c1 - c0), hit_all.begin() + c0);
      if (vocab_stats) {
        // mu = sum_v p_v log p_v;  sigma = sqrt(clamp(sum_v p_v (log p_v)^2 - mu^2, min=1e-6))
        auto p = logp.exp();
        auto mu = (p * logp).sum(-1);
        auto sd = ((p * logp * logp).sum(-1) - mu * mu).clamp_min(1e-6).sqrt();
        mu = mu.cpu(), sd = sd.cpu();
        std::copy(mu.data_ptr<double>(), mu.data_ptr<double>() + (c1 - c0), mu_all.begin() + c0);
        std::copy(sd.data_ptr<double>(), sd.data_ptr<double>() + (c1 - c0), sd_all.begin() + c0);
      }
    }
    int64_t k = 0;
    for (int64_t b = 0; b < B; ++b) {
      Item& it = items[order[start + static_cast<size_t>(b)]];
      for (int64_t j = 0; j < it.n_scored; ++j, ++k) {
        it.logprobs.push_back(lp_all[k]);
        it.greedy = it.greedy && hit_all[k];
        if (vocab_stats) it.mu.push_back(mu_all[k]), it.sigma.push_back(sd_all[k]);
      }
    }
  }
}

std::vector<LoglikelihoodResult> Scorer::loglikelihood(const std::vector<LoglikelihoodRequest>& requests) {
  std::vector<Item> items(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.continuation.empty()) throw ConfigError("loglikelihood request " + std::to_string(i) + " has an empty continuation");
    std::vector<int32_t> full(r.context);
    full.insert(full.end(), r.continuation.begin(), r.continuation.end());
    if (full.size() < 2) throw ConfigError("loglikelihood request " + std::to_string(i) + " has fewer than 2 tokens");
    // full = (context + continuation)[-(max_length+1):]
    if (static_cast<int64_t>(full.size()) > max_length_ + 1) full.erase(full.begin(), full.end() - (max_length_ + 1));
    items[i].full = std::move(full);
    items[i].n_scored = std::min<int64_t>(static_cast<int64_t>(r.continuation.size()), static_cast<int64_t>(items[i].full.size()) - 1);
  }
  score_items(items, false);
  std::vector<LoglikelihoodResult> out(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    double s = 0.0;
    for (double v : items[i].logprobs) s += v;
    out[i] = {s, items[i].greedy, items[i].n_scored};
  }
  return out;
}

std::vector<TokenStats> Scorer::token_stats(const std::vector<std::vector<int32_t>>& sequences, bool vocab_stats) {
  std::vector<Item> items(sequences.size());
  std::vector<TokenStats> out(sequences.size());
  for (size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i].size() < 2)
      throw ConfigError("sequence " + std::to_string(i) + " has " + std::to_string(sequences[i].size()) +
                        " token(s); scoring needs at least 2");
    items[i].full = sequences[i];
    if (static_cast<int64_t>(items[i].full.size()) > max_length_ + 1) {
      items[i].full.resize(static_cast<size_t>(max_length_ + 1));
      out[i].truncated = true;
    }
    items[i].n_scored = static_cast<int64_t>(items[i].full.size()) - 1;
  }
  score_items(items, vocab_stats);
  for (size_t i = 0; i < items.size(); ++i) {
    out[i].tokens = std::move(items[i].full);
    out[i].logprobs = std::move(items[i].logprobs);
    out[i].mu = std::move(items[i].mu);
    out[i].sigma = std::move(items[i].sigma);
  }
  return out;
}

}  // namespace lethe::eval

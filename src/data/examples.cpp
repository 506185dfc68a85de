#include "lethe/data/examples.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

#include "lethe/core/error.h"

namespace lethe::data {
namespace {

// The ids the post-processor puts before and after a text: found once by locating
// encode("a", false) inside encode("a", true), so any template (BOS only, BOS+EOS, none) works.
void special_affixes(const Tokenizer& tok, std::vector<int32_t>& prefix, std::vector<int32_t>& suffix) {
  const auto full = tok.encode("a", true), plain = tok.encode("a", false);
  prefix.clear();
  suffix.clear();
  if (full.size() < plain.size()) return;
  for (size_t p = 0; p + plain.size() <= full.size(); ++p) {
    if (std::equal(plain.begin(), plain.end(), full.begin() + p)) {
      prefix.assign(full.begin(), full.begin() + p);
      suffix.assign(full.begin() + p + plain.size(), full.end());
      return;
    }
  }
  // Not a plain wrap (should not happen for the supported post-processors): fall back to BOS/EOS.
  if (tok.adds_bos()) prefix.push_back(*tok.bos_id());
  if (tok.adds_eos()) suffix.push_back(*tok.eos_id());
}

}  // namespace

CutMode parse_cut_mode(const std::string& value, const std::string& key) {
  if (value == "per_document") return CutMode::per_document;
  if (value == "token_stream") return CutMode::token_stream;
  throw ConfigError(key + ": unknown cut mode '" + value + "' (expected per_document | token_stream)");
}

const char* to_string(CutMode mode) { return mode == CutMode::per_document ? "per_document" : "token_stream"; }

PadSide parse_pad_side(const std::string& value, const std::string& key) {
  if (value == "right") return PadSide::right;
  if (value == "left") return PadSide::left;
  throw ConfigError(key + ": unknown pad side '" + value + "' (expected right | left)");
}

const char* to_string(PadSide side) { return side == PadSide::right ? "right" : "left"; }

int32_t resolve_pad_id(const Tokenizer& tokenizer, const CutOptions& options) {
  if (options.pad_id) return *options.pad_id;
  if (auto p = tokenizer.pad_id()) return *p;
  if (auto e = tokenizer.eos_id()) return *e;
  throw ConfigError("data.pad: the tokenizer has neither a pad nor an EOS token; set data.pad to a token id");
}

int32_t resolve_bos_id(const Tokenizer& tokenizer, const CutOptions& options) {
  if (options.bos_id) return *options.bos_id;
  if (auto b = tokenizer.bos_id()) return *b;
  throw ConfigError("data.bos_id: token_stream needs a BOS token and the tokenizer has none; set data.bos_id");
}

Example make_document_example(const std::vector<int32_t>& prefix, const std::vector<int32_t>& content,
                              const std::vector<int32_t>& suffix, const CutOptions& options, int32_t pad_id) {
  const int64_t L = options.max_length;
  const int64_t room = L - static_cast<int64_t>(prefix.size() + suffix.size());
  if (room < 0)
    throw ConfigError("data.max_length: " + std::to_string(L) + " leaves no room for the " +
                      std::to_string(prefix.size() + suffix.size()) + " special tokens");
  const size_t keep = std::min(content.size(), static_cast<size_t>(room));
  Example e;
  const size_t n = prefix.size() + keep + suffix.size();
  const size_t T = options.pad_to_max_length ? static_cast<size_t>(L) : n;
  e.input_ids.reserve(T);
  e.input_ids.insert(e.input_ids.end(), prefix.begin(), prefix.end());
  e.input_ids.insert(e.input_ids.end(), content.begin(), content.begin() + keep);
  e.input_ids.insert(e.input_ids.end(), suffix.begin(), suffix.end());
  e.labels = e.input_ids;
  e.attention_mask.assign(n, 1);
  // Padding: ids = pad, mask = 0, labels = -100 (masked) or pad (WMDP reference code).
  const int64_t pad_label = options.mask_padding_in_labels ? kIgnoreLabel : pad_id;
  if (options.pad_side == PadSide::left) {
    const size_t k = T - n;
    e.input_ids.insert(e.input_ids.begin(), k, pad_id);
    e.labels.insert(e.labels.begin(), k, pad_label);
    e.attention_mask.insert(e.attention_mask.begin(), k, 0);
  } else {
    e.input_ids.resize(T, pad_id);
    e.labels.resize(T, pad_label);
    e.attention_mask.resize(T, 0);
  }
  return e;
}

std::vector<Example> cut_per_document(const std::vector<std::string>& documents, const Tokenizer& tokenizer,
                                      const CutOptions& options) {
  if (options.max_length < 1)
    throw ConfigError("data.max_length: must be >= 1, got " + std::to_string(options.max_length));
  std::vector<int32_t> prefix, suffix;
  if (options.add_special_tokens) special_affixes(tokenizer, prefix, suffix);
  const int32_t pad = resolve_pad_id(tokenizer, options);
  // Documents are independent: encode them on up to `threads` workers (the tokenizer is
  // thread-safe), each taking the next document index, results stored in place (order kept).
  std::vector<Example> out(documents.size());
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i; !failed && (i = next++) < documents.size();) {
      try {
        out[i] = make_document_example(prefix, tokenizer.encode(documents[i], false), suffix, options, pad);
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
  };
  const size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::min({hw, static_cast<size_t>(options.threads > 0 ? options.threads : 8),
                                   (documents.size() + 63) / 64});
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return out;
}

std::vector<Example> chunk_token_stream(const std::vector<int32_t>& tokens, int64_t max_length, int32_t bos_id,
                                        bool wrap_with_bos) {
  if (max_length < 2)
    throw ConfigError("data.max_length: token_stream needs >= 2 (BOS + one token), got " + std::to_string(max_length));
  std::vector<Example> out;
  if (tokens.empty()) return out;
  const size_t step = static_cast<size_t>(max_length - 1), L = static_cast<size_t>(max_length);
  out.reserve((tokens.size() + step - 1) / step);  // ceil(N / (L-1)) chunks
  for (size_t i = 0; i < tokens.size(); i += step) {
    Example e;
    e.input_ids.reserve(L);
    e.input_ids.push_back(bos_id);
    const size_t hi = std::min(tokens.size(), i + step);
    e.input_ids.insert(e.input_ids.end(), tokens.begin() + i, tokens.begin() + hi);
    out.push_back(std::move(e));
  }
  // Wrap-around: muse_bench appends input_ids[0] (the first chunk, BOS included) to the short
  // last chunk and cuts at L. If the first chunk is itself the short one we keep appending it
  // until L tokens (muse_bench would leave such a lone chunk short after one append).
  auto& last = out.back().input_ids;
  if (last.size() < L) {
    std::vector<int64_t> wrap;
    if (wrap_with_bos) {
      wrap = out.front().input_ids;
    } else {
      wrap.assign(tokens.begin(), tokens.begin() + std::min(tokens.size(), L));
    }
    const std::vector<int64_t> unit = wrap;
    while (last.size() < L) {
      const size_t take = std::min(unit.size(), L - last.size());
      last.insert(last.end(), unit.begin(), unit.begin() + take);
    }
  }
  for (auto& e : out) {
    e.labels = e.input_ids;  // labels = inputs
    e.attention_mask.assign(e.input_ids.size(), 1);
  }
  return out;
}

std::vector<Example> cut_token_stream(const std::vector<std::string>& documents, const Tokenizer& tokenizer,
                                      const CutOptions& options) {
  const int32_t bos = resolve_bos_id(tokenizer, options);
  if (documents.empty()) return {};
  // text = separator.join(documents), encoded once without special tokens.
  size_t total = 0;
  for (const auto& d : documents) total += d.size() + options.separator.size();
  std::string text;
  text.reserve(total);
  for (size_t i = 0; i < documents.size(); ++i) {
    if (i) text += options.separator;
    text += documents[i];
  }
  return chunk_token_stream(tokenizer.encode(text, false), options.max_length, bos, options.wrap_with_bos);
}

std::vector<Example> cut_corpus(const std::vector<std::string>& documents, const Tokenizer& tokenizer, CutMode mode,
                                const CutOptions& options) {
  return mode == CutMode::per_document ? cut_per_document(documents, tokenizer, options)
                                       : cut_token_stream(documents, tokenizer, options);
}

}  // namespace lethe::data

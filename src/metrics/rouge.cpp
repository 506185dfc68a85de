// ROUGE-N / ROUGE-L as rouge_score 0.1.2 computes them (see the header for the formulas).
#include "lethe/metrics/rouge.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "lethe/core/error.h"
#include "lethe/metrics/porter_stemmer.h"

namespace lethe {
namespace {

bool is_token_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Python's str.lower() followed by re.sub("[^a-z0-9]+", " ", ...): returns a string of
// [a-z0-9] and single spaces. Non-ASCII input is scanned byte by byte: every byte >= 0x80 is
// a separator except the UTF-8 encodings of U+0130 (C4 B0, lowercases to "i" + U+0307) and
// U+212A (E2 84 AA, lowercases to "k"). Both start with a lead byte, which never occurs inside
// another character's encoding, so the byte scan equals a decode for valid UTF-8.
std::string normalize(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  auto separator = [&out] {
    if (out.empty() || out.back() != ' ') out.push_back(' ');
  };
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      char lc = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      if (is_token_char(lc)) out.push_back(lc);
      else separator();
      ++i;
    } else if (c == 0xC4 && i + 1 < n && static_cast<unsigned char>(text[i + 1]) == 0xB0) {
      out.push_back('i');  // U+0130 -> "i" + U+0307 (combining dot, a separator)
      separator();
      i += 2;
    } else if (c == 0xE2 && i + 2 < n && static_cast<unsigned char>(text[i + 1]) == 0x84 &&
               static_cast<unsigned char>(text[i + 2]) == 0xAA) {
      out.push_back('k');  // U+212A KELVIN SIGN -> "k"
      i += 3;
    } else {
      separator();
      ++i;
    }
  }
  return out;
}

// Maps tokens to dense ids so the LCS table and n-gram counts compare integers.
std::pair<std::vector<int>, std::vector<int>> to_ids(const std::vector<std::string>& a,
                                                     const std::vector<std::string>& b) {
  std::unordered_map<std::string, int> ids;
  auto conv = [&ids](const std::vector<std::string>& toks) {
    std::vector<int> out;
    out.reserve(toks.size());
    for (const auto& t : toks) out.push_back(ids.emplace(t, static_cast<int>(ids.size())).first->second);
    return out;
  };
  auto ia = conv(a);
  auto ib = conv(b);
  return {std::move(ia), std::move(ib)};
}

// scoring.fmeasure: 2 * P * R / (P + R) if P + R > 0 else 0 (same evaluation order).
double fmeasure(double precision, double recall) {
  if (precision + recall > 0) return 2 * precision * recall / (precision + recall);
  return 0.0;
}

}  // namespace

std::vector<std::string> rouge_tokenize(const std::string& text, bool use_stemmer) {
  const std::string norm = normalize(text);
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < norm.size()) {
    if (norm[i] == ' ') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < norm.size() && norm[j] != ' ') ++j;
    std::string tok = norm.substr(i, j - i);
    // rouge_score stems only tokens of more than 3 characters.
    if (use_stemmer && tok.size() > 3) tok = porter_stem(tok);
    // Final filter ^[a-z0-9]+$: the stemmer never yields other characters, but it could in
    // principle yield an empty string, which this drops as rouge_score does.
    if (!tok.empty()) tokens.push_back(std::move(tok));
    i = j;
  }
  return tokens;
}

RougeScore rouge_l_tokens(const std::vector<std::string>& reference, const std::vector<std::string>& prediction) {
  if (reference.empty() || prediction.empty()) return {0.0, 0.0, 0.0};
  const auto [ref, pred] = to_ids(reference, prediction);
  // LCS by the usual dynamic programme, two rows of the (|ref|+1) x (|pred|+1) table.
  std::vector<size_t> prev(pred.size() + 1, 0), cur(pred.size() + 1, 0);
  for (size_t i = 1; i <= ref.size(); ++i) {
    cur[0] = 0;
    for (size_t j = 1; j <= pred.size(); ++j)
      cur[j] = (ref[i - 1] == pred[j - 1]) ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  const double lcs = static_cast<double>(prev[pred.size()]);
  RougeScore s;
  s.precision = lcs / static_cast<double>(prediction.size());
  s.recall = lcs / static_cast<double>(reference.size());
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

RougeScore rouge_n_tokens(const std::vector<std::string>& reference, const std::vector<std::string>& prediction,
                          int n) {
  if (n < 1) throw ConfigError("rouge_n: n must be >= 1, got " + std::to_string(n));
  const auto [ref, pred] = to_ids(reference, prediction);
  auto ngrams = [n](const std::vector<int>& t) {
    std::map<std::vector<int>, long long> counts;
    const size_t un = static_cast<size_t>(n);
    for (size_t i = 0; i + un <= t.size(); ++i) ++counts[std::vector<int>(t.begin() + i, t.begin() + i + un)];
    return counts;
  };
  const auto ref_ng = ngrams(ref);
  const auto pred_ng = ngrams(pred);
  long long overlap = 0, ref_total = 0, pred_total = 0;
  for (const auto& [g, c] : ref_ng) {
    ref_total += c;
    auto it = pred_ng.find(g);
    if (it != pred_ng.end()) overlap += std::min(c, it->second);
  }
  for (const auto& kv : pred_ng) pred_total += kv.second;
  RougeScore s;
  s.precision = static_cast<double>(overlap) / static_cast<double>(std::max(pred_total, 1LL));
  s.recall = static_cast<double>(overlap) / static_cast<double>(std::max(ref_total, 1LL));
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

RougeScore rouge_l(const std::string& reference, const std::string& prediction, bool use_stemmer) {
  return rouge_l_tokens(rouge_tokenize(reference, use_stemmer), rouge_tokenize(prediction, use_stemmer));
}

RougeScore rouge_n(const std::string& reference, const std::string& prediction, int n, bool use_stemmer) {
  if (n < 1) throw ConfigError("rouge_n: n must be >= 1, got " + std::to_string(n));
  return rouge_n_tokens(rouge_tokenize(reference, use_stemmer), rouge_tokenize(prediction, use_stemmer), n);
}

}  // namespace lethe

// Membership-inference scores on per-token statistics (see the header for the conventions).
#include "lethe/metrics/mia.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "lethe/core/error.h"
#include "lethe/metrics/numeric.h"
#include "lethe/metrics/roc.h"

namespace lethe {
namespace {

void check_no_nan(const char* fn, const char* what, const std::vector<double>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (std::isnan(v[i])) throw Error(std::string(fn) + ": " + what + "[" + std::to_string(i) + "] is NaN");
}

}  // namespace

double loss_score(const std::vector<double>& logprobs) {
  if (logprobs.empty()) throw Error("loss_score: no scored tokens (the mean NLL of 0 tokens is undefined)");
  check_no_nan("loss_score", "logprobs", logprobs);
  return -numpy_mean(logprobs.data(), logprobs.size());  // -np.mean(logprobs)
}

std::size_t zlib_compressed_size(const std::string& text) {
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::vector<Bytef> buf(size);
  const int rc = compress2(buf.data(), &size, reinterpret_cast<const Bytef*>(text.data()),
                           static_cast<uLong>(text.size()), Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) throw Error("zlib_compressed_size: zlib compress2 failed with code " + std::to_string(rc));
  return static_cast<std::size_t>(size);
}

double zlib_score(double loss, const std::string& text) {
  return loss / static_cast<double>(zlib_compressed_size(text));
}

std::size_t min_k_count(std::size_t n, double k, MinKConvention convention) {
  if (!(k > 0.0 && k <= 1.0)) throw ConfigError("min_k: K must be in (0, 1], got " + std::to_string(k));
  // Python int(len(all_prob) * ratio): the product in double, truncated (e.g. 100 * 0.29 =
  // 28.999999999999996 -> 28, as the reference code does).
  const auto k_len = static_cast<std::size_t>(std::floor(static_cast<double>(n) * k));
  if (convention == MinKConvention::OpenUnlearning) return n == 0 ? 0 : std::max<std::size_t>(1, k_len);
  return k_len;
}

double min_k_score(const std::vector<double>& logprobs, double k, MinKConvention convention) {
  check_no_nan("min_k_score", "logprobs", logprobs);
  const std::size_t k_len = min_k_count(logprobs.size(), k, convention);
  if (k_len == 0) {
    // muse_bench: -np.mean(np.sort(p)[:0]) = nan; open-unlearning returns 0 for an empty text.
    return convention == MinKConvention::Muse ? std::numeric_limits<double>::quiet_NaN() : 0.0;
  }
  std::vector<double> sorted = logprobs;
  std::partial_sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k_len), sorted.end());
  return -numpy_mean(sorted.data(), k_len);  // -np.mean(np.sort(p)[:k_len])
}

std::vector<double> min_k_plus_plus_token_scores(const std::vector<double>& logprobs, const std::vector<double>& mu,
                                                 const std::vector<double>& sigma) {
  if (mu.size() != logprobs.size() || sigma.size() != logprobs.size())
    throw Error("min_k_plus_plus: logprobs, mu and sigma differ in length (" + std::to_string(logprobs.size()) +
                ", " + std::to_string(mu.size()) + ", " + std::to_string(sigma.size()) + ")");
  check_no_nan("min_k_plus_plus", "logprobs", logprobs);
  check_no_nan("min_k_plus_plus", "mu", mu);
  std::vector<double> z(logprobs.size());
  for (size_t t = 0; t < z.size(); ++t) {
    if (!(sigma[t] > 0.0))
      throw Error("min_k_plus_plus: sigma[" + std::to_string(t) + "] = " + std::to_string(sigma[t]) +
                  " is not > 0; clamp the variance in the model pass (open-unlearning: sigma^2 >= 1e-6)");
    z[t] = (logprobs[t] - mu[t]) / sigma[t];
  }
  return z;
}

double min_k_plus_plus_score(const std::vector<double>& logprobs, const std::vector<double>& mu,
                             const std::vector<double>& sigma, double k, MinKConvention convention) {
  return min_k_score(min_k_plus_plus_token_scores(logprobs, mu, sigma), k, convention);
}

double privleak_auc(const std::vector<double>& forget_scores, const std::vector<double>& holdout_scores) {
  std::vector<int> labels(forget_scores.size(), 0);
  labels.resize(forget_scores.size() + holdout_scores.size(), 1);
  std::vector<double> scores;
  scores.reserve(labels.size());
  for (double s : forget_scores) scores.push_back(-s);
  for (double s : holdout_scores) scores.push_back(-s);
  return roc_auc(labels, scores);
}

double privleak(double auc, double auc_retrain) {
  if (!(auc_retrain > 0.0)) throw ConfigError("privleak: auc_retrain must be > 0, got " + std::to_string(auc_retrain));
  return (auc - auc_retrain) / auc_retrain * 100;
}

}  // namespace lethe

// Membership-inference scores as pure functions of the per-token statistics of one text, plus
// MUSE's PrivLeak. The model pass that produces the statistics lives in eval/; here only
// numbers. Input `logprobs` [n]: log p(x_{t+1} | x_<=t) of the n scored tokens of one text.
//
// Conventions and where they come from (higher score = "looks less like a member", so MUSE
// feeds -score to the ROC, see privleak_auc):
//   loss        = -mean(logprobs)                             (MUSE "PPL" = HF outputs.loss)
//   zlib        = loss / len(zlib.compress(utf8(text)))         (muse_bench privleak.py "PPL/zlib",
//                 open-unlearning ZLIBAttack: loss / zlib length; default level, zlib 1.2.13)
//   Min-K%      = -mean of the k_len smallest logprobs, sorted ascending, with
//                 MinKConvention::Muse:           k_len = int(n * K) (floor of the double
//                                                 product); k_len = 0 -> NaN (np.mean of an
//                                                 empty slice; muse_bench privleak.py)
//                 MinKConvention::OpenUnlearning: k_len = max(1, int(n * K)); n = 0 -> 0.0
//                                                 (open-unlearning min_k.py / min_k_plus_plus.py)
//   Min-K%++    = Min-K% of the per-token z-scores (logprob_t - mu_t) / sigma_t with
//                 mu_t = E_{z~p_t}[log p_t(z)], sigma_t^2 = E[(log p_t(z))^2] - mu_t^2
//                 (Zhang et al. 2024, arXiv:2404.02936; sign as open-unlearning: -mean).
// Means are NumPy's (pairwise summation, numeric.h), so scores equal the Python code's bit for bit.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lethe {

// How Min-K% picks k_len from n tokens and K (see above).
enum class MinKConvention { Muse, OpenUnlearning };

// loss = -mean(logprobs). Throws lethe::Error for an empty or NaN input.
double loss_score(const std::vector<double>& logprobs);

// len(zlib.compress(text.encode("utf-8"))): zlib's compress() at the default level (6), as
// Python's zlib.compress. Equal to Python's byte count when both use the same zlib (Debian 12:
// 1.2.13 for both).
std::size_t zlib_compressed_size(const std::string& text);

// zlib score = loss / zlib_compressed_size(text), with `loss` the mean NLL of the text
// (muse_bench passes HF's outputs.loss).
double zlib_score(double loss, const std::string& text);

// k_len for n tokens at fraction k under a convention (see above). k must be in (0, 1].
std::size_t min_k_count(std::size_t n, double k, MinKConvention convention = MinKConvention::Muse);

// Min-K% score: -mean of the min_k_count(n, k) smallest logprobs. NaN (Muse) or 0.0
// (OpenUnlearning) when no token is selected as above. K = 0.4 is MUSE's PrivLeak setting.
double min_k_score(const std::vector<double>& logprobs, double k, MinKConvention convention = MinKConvention::Muse);

// Per-token Min-K%++ z-scores (logprob_t - mu_t) / sigma_t. All three arrays [n]; sigma_t is the
// standard deviation and must be > 0 (the model pass clamps: open-unlearning uses
// sigma^2 >= 1e-6). Throws lethe::Error on length mismatch, NaN, or sigma_t <= 0.
std::vector<double> min_k_plus_plus_token_scores(const std::vector<double>& logprobs, const std::vector<double>& mu,
                                                 const std::vector<double>& sigma);

// Min-K%++ score = min_k_score(min_k_plus_plus_token_scores(...), k, convention).
double min_k_plus_plus_score(const std::vector<double>& logprobs, const std::vector<double>& mu,
                             const std::vector<double>& sigma, double k,
                             MinKConvention convention = MinKConvention::Muse);

// MUSE PrivLeak AUC: ROC AUC with forget texts labelled 0 and holdout texts labelled 1, ranked
// by -score (muse_bench: sweep(ppl, y) -> roc_curve(y, -ppl)). Any score above works.
double privleak_auc(const std::vector<double>& forget_scores, const std::vector<double>& holdout_scores);

// PrivLeak = (auc - auc_retrain) / auc_retrain * 100 (muse_bench eval.py). ~0 is ideal.
double privleak(double auc, double auc_retrain);

// AUC_retrain of MUSE's retrained models for "forget_holdout_Min-40%", the key MUSE's PrivLeak
// uses, as the exact doubles of muse_bench constants.py (they print as 0.5393 and 0.4772 at
// four decimals; the literals below are what Python holds, so PrivLeak matches bit for bit).
constexpr double kMuseBooksAucRetrain = 0.5392999999999999;
constexpr double kMuseNewsAucRetrain = 0.47719999999999996;

}  // namespace lethe

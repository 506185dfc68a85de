// Membership-inference scores and PrivLeak against the reference code's conventions
// (tests/reference/metrics/mia.json: numpy after muse_bench privleak.py and open-unlearning).
#include <gtest/gtest.h>

#include <cmath>

#include "lethe/core/error.h"
#include "lethe/metrics/mia.h"
#include "metrics_fixtures.h"

namespace lethe {
namespace {

using testing::check_value;
using testing::Tally;

void check_entry(Tally& t, const json& e, const std::vector<double>& ks, const std::vector<double>& lp,
                 const std::vector<double>& mu, const std::vector<double>& sigma, const std::string& what) {
  if (lp.empty()) EXPECT_THROW(loss_score(lp), Error) << what;
  else check_value(t, e.at("loss"), loss_score(lp), what + " loss");
  for (size_t i = 0; i < ks.size(); ++i) {
    const std::string k = " K=" + std::to_string(ks[i]);
    check_value(t, e["min_k_muse"][i], min_k_score(lp, ks[i], MinKConvention::Muse), what + " min_k muse" + k);
    check_value(t, e["min_k_ou"][i], min_k_score(lp, ks[i], MinKConvention::OpenUnlearning), what + " min_k ou" + k);
    check_value(t, e["mink_pp_muse"][i], min_k_plus_plus_score(lp, mu, sigma, ks[i], MinKConvention::Muse),
                what + " min_k++ muse" + k);
    check_value(t, e["mink_pp_ou"][i], min_k_plus_plus_score(lp, mu, sigma, ks[i], MinKConvention::OpenUnlearning),
                what + " min_k++ ou" + k);
  }
}

TEST(Mia, ScoresMatchReferenceConventions) {
  const json data = testing::load_fixture("mia.json");
  const auto ks = data.at("ks").get<std::vector<double>>();
  Tally t;
  int texts = 0;
  for (const auto& e : data.at("explicit")) {
    check_entry(t, e, ks, e.at("logprobs").get<std::vector<double>>(), e.at("mu").get<std::vector<double>>(),
                e.at("sigma").get<std::vector<double>>(), "explicit text " + std::to_string(texts));
    ++texts;
  }
  for (const auto& e : data.at("generated")) {
    const json& g = e.at("gen");
    const size_t n = g.at("n").get<size_t>();
    const auto lp = testing::lcg_logprobs(g.at("seed").get<uint64_t>(), n);
    // lcg_mu_sigma of the fixture script: mu = -(u % 8000) / 1000.0, sigma = 0.05 + (u' % 3000) / 1000.0.
    testing::Lcg lcg(g.at("mu_sigma_seed").get<uint64_t>());
    std::vector<double> mu(n), sigma(n);
    for (auto& m : mu) m = -static_cast<double>(lcg.next() % 8000) / 1000.0;
    for (auto& s : sigma) s = 0.05 + static_cast<double>(lcg.next() % 3000) / 1000.0;
    check_entry(t, e, ks, lp, mu, sigma, "generated text n=" + std::to_string(n));
    ++texts;
  }
  std::printf("[ metrics  ] mia: %d token arrays x %zu K values x 2 conventions\n", texts, ks.size());
  testing::report("mia", t);
  EXPECT_EQ(t.failed, 0);
}

TEST(Mia, ZlibMatchesPython) {
  const json data = testing::load_fixture("mia.json");
  Tally t;
  int n = 0;
  for (const auto& z : data.at("zlib")) {
    std::string text;
    for (int i = 0, c = z.at("count").get<int>(); i < c; ++i) text += z.at("unit").get<std::string>();
    const std::string what = "zlib text " + std::to_string(n) + " (" + std::to_string(text.size()) + " bytes)";
    EXPECT_EQ(zlib_compressed_size(text), z.at("zlib_len").get<size_t>()) << what;
    check_value(t, z.at("score_for_loss_2_5"), zlib_score(2.5, text), what + " score");
    ++n;
  }
  std::printf("[ metrics  ] zlib: %d texts\n", n);
  testing::report("zlib", t);
  EXPECT_EQ(t.failed, 0);
}

TEST(Mia, PrivLeakMatchesMuseBench) {
  const json data = testing::load_fixture("mia.json");
  Tally t;
  for (const auto& p : data.at("privleak")) {
    testing::Lcg g(p.at("seed").get<uint64_t>());
    std::vector<double> forget, holdout;
    for (int i = 0, n = p.at("n_forget").get<int>(); i < n; ++i)
      forget.push_back(static_cast<double>(g.next() % 5000) / 1000.0 - 0.4);
    for (int i = 0, n = p.at("n_holdout").get<int>(); i < n; ++i)
      holdout.push_back(static_cast<double>(g.next() % 5000) / 1000.0);
    const double auc = privleak_auc(forget, holdout);
    const std::string what = "privleak seed " + std::to_string(p.at("seed").get<int>());
    check_value(t, p.at("auc"), auc, what + " auc");
    check_value(t, p.at("privleak_books"), privleak(auc, kMuseBooksAucRetrain), what + " books");
    check_value(t, p.at("privleak_news"), privleak(auc, kMuseNewsAucRetrain), what + " news");
  }
  testing::report("privleak", t);
  EXPECT_EQ(t.failed, 0);
}

// Hand-computed: logprobs {-1, -4, -2, -3}, K = 0.5 -> k_len = 2, lowest {-4, -3}: score 3.5.
// K = 0.2 -> int(0.8) = 0: NaN under muse_bench's code, 1 token (4.0) under open-unlearning's.
TEST(Mia, HandComputed) {
  const std::vector<double> lp = {-1, -4, -2, -3};
  EXPECT_DOUBLE_EQ(min_k_score(lp, 0.5), 3.5);
  EXPECT_TRUE(std::isnan(min_k_score(lp, 0.2, MinKConvention::Muse)));
  EXPECT_DOUBLE_EQ(min_k_score(lp, 0.2, MinKConvention::OpenUnlearning), 4.0);
  EXPECT_DOUBLE_EQ(min_k_score({}, 0.4, MinKConvention::OpenUnlearning), 0.0);
  EXPECT_DOUBLE_EQ(loss_score(lp), 2.5);
  EXPECT_EQ(min_k_count(100, 0.29), 28u);  // 100 * 0.29 = 28.999999999999996 in double
  // Min-K%++ z = (lp - mu) / sigma = {0, -1, 1, 0.5} (mu = {-1,-3,-3,-4}, sigma = {1,1,1,2});
  // K = 0.5: lowest {-1, 0}: score 0.5.
  EXPECT_DOUBLE_EQ(min_k_plus_plus_score(lp, {-1, -3, -3, -4}, {1, 1, 1, 2}, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(privleak(0.5393, 0.5393), 0.0);
  // Perfect separation in MUSE's direction (forget texts score lower = more member-like):
  // -score ranks holdout (label 1) below forget, AUC 0.
  EXPECT_DOUBLE_EQ(privleak_auc({1.0, 1.5}, {3.0, 4.0}), 0.0);
}

TEST(Mia, RejectsBadInput) {
  EXPECT_THROW(min_k_score({-1.0}, 0.0), ConfigError);
  EXPECT_THROW(min_k_score({-1.0}, 1.5), ConfigError);
  EXPECT_THROW(min_k_score({std::nan("")}, 0.5), Error);
  EXPECT_THROW(min_k_plus_plus_score({-1.0}, {-1.0}, {0.0}, 0.5), Error);
  EXPECT_THROW(min_k_plus_plus_score({-1.0, -2.0}, {-1.0}, {1.0}, 0.5), Error);
  EXPECT_THROW(privleak(0.5, 0.0), ConfigError);
}

}  // namespace
}  // namespace lethe

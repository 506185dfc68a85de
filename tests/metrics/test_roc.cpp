// ROC curve / AUC / TPR@FPR against scikit-learn (tests/reference/metrics/roc.json).
#include <gtest/gtest.h>

#include <cmath>

#include "lethe/core/error.h"
#include "lethe/metrics/roc.h"
#include "metrics_fixtures.h"

namespace lethe {
namespace {

using testing::check_value;
using testing::Tally;

// Inputs of one case: explicit, numerators over 7.0, or regenerated from the LCG exactly as
// lcg_roc() of the fixture script: s = u % levels, score = s / 7.0,
// label = 1 if (u' % levels) < s + levels / 4.
void case_inputs(const json& c, std::vector<int>& labels, std::vector<double>& scores) {
  labels.clear();
  scores.clear();
  if (c.contains("gen")) {
    const json& g = c.at("gen");
    testing::Lcg lcg(g.at("seed").get<uint64_t>());
    const uint64_t levels = g.at("levels").get<uint64_t>();
    for (size_t i = 0, n = g.at("n").get<size_t>(); i < n; ++i) {
      const uint64_t s = lcg.next() % levels;
      scores.push_back(static_cast<double>(s) / 7.0);
      labels.push_back((lcg.next() % levels) < s + levels / 4 ? 1 : 0);
    }
    return;
  }
  labels = c.at("labels").get<std::vector<int>>();
  if (c.contains("score_num"))
    for (long v : c.at("score_num").get<std::vector<long>>()) scores.push_back(static_cast<double>(v) / 7.0);
  else
    scores = c.at("scores").get<std::vector<double>>();
}

void check_curve(Tally& t, const json& want, const RocCurve& got, const std::string& what) {
  const size_t n = want.at("fpr").size();
  if (got.fpr.size() != n) {
    ++t.failed;
    ADD_FAILURE() << what << ": " << got.fpr.size() << " points, sklearn has " << n;
    return;
  }
  EXPECT_TRUE(std::isinf(got.thresholds[0]) && got.thresholds[0] > 0) << what;
  for (size_t i = 0; i < n; ++i) {
    check_value(t, want["fpr"][i], got.fpr[i], what + " fpr[" + std::to_string(i) + "]");
    check_value(t, want["tpr"][i], got.tpr[i], what + " tpr[" + std::to_string(i) + "]");
    if (i > 0) check_value(t, want["thresholds"][i], got.thresholds[i], what + " thresholds[" + std::to_string(i) + "]");
  }
}

TEST(Roc, MatchesSklearn) {
  const json data = testing::load_fixture("roc.json");
  Tally t;
  int cases = 0, single = 0, curves = 0, largest = 0;
  std::vector<int> labels;
  std::vector<double> scores;
  for (const auto& c : data.at("cases")) {
    case_inputs(c, labels, scores);
    const std::string what = "roc case " + std::to_string(cases) + " (n=" + std::to_string(labels.size()) + ")";
    ++cases;
    largest = std::max<int>(largest, static_cast<int>(labels.size()));
    if (c.value("single_class", false)) {
      // sklearn 1.9.1 returns nan with a warning (<= 1.5 raised); Lethe throws.
      EXPECT_THROW(roc_auc(labels, scores), Error) << what;
      EXPECT_THROW(tpr_at_fpr(labels, scores, 0.05), Error) << what;
      ++single;
      continue;
    }
    check_value(t, c.at("auc"), roc_auc(labels, scores), what + " auc");
    for (const auto& p : c.at("tpr_at_fpr")) {
      const double a = p[0].get<double>();
      check_value(t, p[1], tpr_at_fpr(labels, scores, a), what + " tpr@fpr<" + std::to_string(a));
    }
    if (c.contains("curve")) {
      check_curve(t, c.at("curve"), roc_curve(labels, scores, true), what + " curve");
      check_curve(t, c.at("curve_all"), roc_curve(labels, scores, false), what + " curve(all)");
      curves += 2;
    }
  }
  std::printf("[ metrics  ] roc: %d cases (%d single-class, %d full curves, largest n=%d)\n", cases, single,
              curves, largest);
  testing::report("roc", t);
  EXPECT_GE(cases, 70);
  EXPECT_EQ(t.failed, 0);
}

// Hand-computed: scores 0.1 0.4 0.35 0.8, labels 0 0 1 1 (sklearn's docstring example): AUC 0.75.
// Ties: one positive and one negative at the same score count half: AUC 0.5.
TEST(Roc, HandComputed) {
  EXPECT_DOUBLE_EQ(roc_auc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}), 0.75);
  EXPECT_DOUBLE_EQ(roc_auc({0, 1}, {0.5, 0.5}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc({1, 0}, {0.9, 0.1}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({1, 0}, {0.1, 0.9}), 0.0);
}

TEST(Roc, RejectsBadInput) {
  EXPECT_THROW(roc_auc({0, 1}, {0.5}), Error);
  EXPECT_THROW(roc_auc({}, {}), Error);
  EXPECT_THROW(roc_auc({0, 2}, {0.1, 0.2}), Error);
  EXPECT_THROW(roc_auc({0, 1}, {0.1, std::nan("")}), Error);
  EXPECT_THROW(roc_auc({0, 1}, {0.1, INFINITY}), Error);
  EXPECT_THROW(tpr_at_fpr({0, 1}, {0.1, 0.2}, 0.0), ConfigError);
  try {
    roc_auc({1, 1, 1}, {0.1, 0.2, 0.3});
    FAIL() << "single-class input must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only one class"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lethe

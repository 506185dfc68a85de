// ROUGE against Google's rouge_score (tests/reference/metrics/rouge.json, made by
// tools/make_metric_fixtures.py) plus hand-computed cases.
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/metrics/rouge.h"
#include "metrics_fixtures.h"

namespace lethe {
namespace {

using testing::check_value;
using testing::Tally;

std::string shorten(const std::string& s) { return s.size() <= 80 ? s : s.substr(0, 77) + "..."; }

TEST(Rouge, TokenizeMatchesRougeScore) {
  const json data = testing::load_fixture("rouge.json");
  int n = 0;
  for (const auto& c : data.at("tokenize")) {
    const std::string text = c.at("text").get<std::string>();
    EXPECT_EQ(rouge_tokenize(text, false), c.at("plain").get<std::vector<std::string>>()) << "text: " << text;
    EXPECT_EQ(rouge_tokenize(text, true), c.at("stem").get<std::vector<std::string>>()) << "text: " << text;
    ++n;
  }
  std::printf("[ metrics  ] rouge tokenize: %d strings x 2 stemmer settings\n", n);
  EXPECT_GE(n, 30);
}

TEST(Rouge, ScoresMatchRougeScore) {
  const json data = testing::load_fixture("rouge.json");
  Tally t;
  int idx = 0;
  for (const auto& c : data.at("cases")) {
    const std::string ref = c.at("ref").get<std::string>();
    const std::string pred = c.at("pred").get<std::string>();
    for (bool stem : {false, true}) {
      const json& want = c.at(stem ? "stem" : "plain");
      const RougeScore got[3] = {rouge_n(ref, pred, 1, stem), rouge_n(ref, pred, 2, stem), rouge_l(ref, pred, stem)};
      const char* names[3] = {"rouge1", "rouge2", "rougeL"};
      for (int k = 0; k < 3; ++k) {
        const std::string what = "case " + std::to_string(idx) + " " + names[k] + (stem ? " stem" : " plain") +
                                 " ref='" + shorten(ref) + "' pred='" + shorten(pred) + "'";
        check_value(t, want[k][0], got[k].precision, what + " precision");
        check_value(t, want[k][1], got[k].recall, what + " recall");
        check_value(t, want[k][2], got[k].fmeasure, what + " fmeasure");
      }
    }
    ++idx;
  }
  std::printf("[ metrics  ] rouge: %d (reference, prediction) pairs\n", idx);
  testing::report("rouge", t);
  EXPECT_GE(idx, 200);
  EXPECT_EQ(t.failed, 0);
}

// Hand-computed: ref "the cat sat on the mat" (6), pred "the cat on the mat" (5): LCS = 5,
// P = 5/5 = 1, R = 5/6, F = 2*1*(5/6)/(1+5/6) = 10/11. Bigrams: ref {the cat, cat sat, sat on,
// on the, the mat}, pred {the cat, cat on, on the, the mat}: overlap 3, P = 3/4, R = 3/5.
TEST(Rouge, HandComputed) {
  const RougeScore l = rouge_l("The cat sat on the mat.", "the CAT, on the mat");
  EXPECT_DOUBLE_EQ(l.precision, 1.0);
  EXPECT_DOUBLE_EQ(l.recall, 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(l.fmeasure, 10.0 / 11.0);
  const RougeScore b = rouge_n("The cat sat on the mat.", "the CAT, on the mat", 2);
  EXPECT_DOUBLE_EQ(b.precision, 0.75);
  EXPECT_DOUBLE_EQ(b.recall, 0.6);
  // Zero cases: an empty side gives all zeros for ROUGE-L; ROUGE-N divides by max(count, 1).
  const RougeScore e = rouge_l("", "words");
  EXPECT_EQ(e.precision, 0.0);
  EXPECT_EQ(e.fmeasure, 0.0);
  const RougeScore u = rouge_n("one", "one", 2);  // no bigrams on either side
  EXPECT_EQ(u.precision, 0.0);
  EXPECT_EQ(u.recall, 0.0);
}

// Python strings cannot hold invalid UTF-8, so rouge_score has no answer here: Lethe treats
// each invalid byte as a separator (documented in rouge.h). A truncated U+0130 (C4 at the end)
// is such a byte.
TEST(Rouge, InvalidUtf8BytesSeparateWords) {
  EXPECT_EQ(rouge_tokenize("ab\xff" "cd\xc4"), (std::vector<std::string>{"ab", "cd"}));
  EXPECT_EQ(rouge_tokenize("\xc4\xb0x \xe2\x84\xaa" "9"), (std::vector<std::string>{"i", "x", "k9"}));
}

TEST(Rouge, RejectsNonPositiveN) {
  EXPECT_THROW(rouge_n("a b", "a b", 0), ConfigError);
}

}  // namespace
}  // namespace lethe

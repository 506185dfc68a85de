// WMDP / MMLU: loaders (JSON, JSONL, RFC 4180 CSV), the lm-eval prompt, and accuracy against the
// transformers reference (tools/eval_reference.py) for zero-shot and 1-shot.
#include <gtest/gtest.h>

#include "eval_fixture.h"
#include "lethe/core/error.h"
#include "lethe/eval/multiple_choice.h"
#include "lethe/eval/suite.h"

namespace lethe::eval {
namespace {
using lethe::testing::EvalFixture;
using lethe::testing::fixture;
using lethe::testing::kLogprobTol;

TEST(Csv, Rfc4180) {
  const auto rows = parse_csv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,x\n\n", "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"multi\nline", "", "x"}));
  EXPECT_EQ(parse_csv("last,row", "t.csv").at(0).size(), 2u);  // no trailing newline
  EXPECT_THROW(parse_csv("\"open", "t.csv"), FormatError);
  EXPECT_THROW(parse_csv("\"a\"b,c", "t.csv"), FormatError);
  EXPECT_THROW(parse_csv("a\"b", "t.csv"), FormatError);
}

TEST(Loaders, WmdpAndMmluFixtures) {
  const auto w = load_wmdp(fixture("eval/mc/wmdp"));
  ASSERT_EQ(w.size(), 12u);
  EXPECT_EQ(w[0].subject, "bio");
  EXPECT_EQ(w[6].subject, "cyber");  // from the .jsonl file
  EXPECT_EQ(w[3].choices.size(), 4u);
  const auto m = load_mmlu(fixture("eval/mc/mmlu"), "test");
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0].subject, "abstract_algebra");
  EXPECT_EQ(m[1].question, "Statement 1 | Every group of prime order is cyclic.\nStatement 2 | Every cyclic group is abelian.");
  EXPECT_EQ(m[4].choices[2], "facial nerve, \"VII\"");
  EXPECT_EQ(m[5].answer, 3);
  EXPECT_EQ(load_mmlu(fixture("eval/mc/mmlu/data"), "dev").size(), 4u);  // {dir}/{split} works too
}

TEST(Loaders, Errors) {
  const std::string d = lethe::testing::scratch_dir();
  write_text_file_atomic(d + "/bio.json", R"([{"question": "q", "choices": ["a", "b"], "answer": 2}])");
  EXPECT_THROW(load_wmdp(d + "/bio.json"), FormatError);
  write_text_file_atomic(d + "/bio.json", R"([{"question": "q", "answer": 0}])");
  EXPECT_THROW(load_wmdp(d + "/bio.json"), FormatError);
  write_text_file_atomic(d + "/other.json", "[]");
  EXPECT_THROW(load_wmdp(d + "/other.json"), ConfigError);
  std::filesystem::create_directories(d + "/test");
  write_text_file_atomic(d + "/test/x_test.csv", "q,a,b,c,d,E\n");
  EXPECT_THROW(load_mmlu(d, "test"), FormatError);
  write_text_file_atomic(d + "/test/x_test.csv", "q,a,b,c,A\n");
  EXPECT_THROW(load_mmlu(d, "test"), FormatError);
}

TEST(Prompt, LmEvalLayout) {
  McQuestion q{"abstract_algebra", "  What?  \n", {"1", "2", "3", "4"}, 1};
  EXPECT_EQ(mc_context(q, {}),
            "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
            "What?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer:");
  McQuestion s{"abstract_algebra", "Shot", {"w", "x", "y", "z"}, 2};
  EXPECT_EQ(mc_context(q, {s}),
            "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
            "Shot\nA. w\nB. x\nC. y\nD. z\nAnswer: C\n\nWhat?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer:");
  EXPECT_EQ(subject_description_name("cyber"), "cybersecurity");
}

void expect_matches(const McResult& r, const json& golden_subjects, const std::vector<std::string>& order) {
  size_t i = 0;
  for (const auto& s : order)
    for (const auto& g : golden_subjects[s]) {
      const auto& q = r.questions.at(i++);
      for (size_t c = 0; c < 4; ++c) EXPECT_NEAR(q.logprobs[c], g["logprobs"][c].get<double>(), kLogprobTol) << s << " q" << i;
      EXPECT_EQ(q.pred, g["pred"].get<int>()) << s << " q" << i;
      EXPECT_EQ(q.correct, g["correct"].get<bool>());
    }
  EXPECT_EQ(i, r.questions.size());
}

TEST(MultipleChoice, AccuracyMatchesTransformers) {
  auto& f = EvalFixture::get();
  Scorer scorer(f.lm.model, {4});
  const auto w = evaluate_mc(scorer, f.tok, load_wmdp(fixture("eval/mc/wmdp")));
  expect_matches(w, f.golden["wmdp"], {"bio", "cyber"});
  EXPECT_DOUBLE_EQ(w.accuracy(), f.golden["wmdp_accuracy"]["all"].get<double>());
  const auto test = load_mmlu(fixture("eval/mc/mmlu"), "test"), dev = load_mmlu(fixture("eval/mc/mmlu"), "dev");
  const auto m0 = evaluate_mc(scorer, f.tok, test);
  expect_matches(m0, f.golden["mmlu"], {"abstract_algebra", "anatomy"});
  McOptions one;
  one.k_shot = 1;
  const auto m1 = evaluate_mc(scorer, f.tok, test, dev, one);
  expect_matches(m1, f.golden["mmlu_1shot"], {"abstract_algebra", "anatomy"});
  EXPECT_DOUBLE_EQ(m1.accuracy(), f.golden["mmlu_1shot_accuracy"]["all"].get<double>());
  one.k_shot = 3;  // only 2 dev rows per subject
  EXPECT_THROW(evaluate_mc(scorer, f.tok, test, dev, one), ConfigError);
}

TEST(Suite, WmdpMetricsAndLimit) {
  auto& f = EvalFixture::get();
  SuiteOptions o;
  o.data = fixture("eval/mc/wmdp");
  auto suite = make_suite("wmdp", o);
  const auto m = suite->run_metrics(f.lm.model, f.tok);
  const auto& acc = f.golden["wmdp_accuracy"];
  EXPECT_DOUBLE_EQ(m.at("wmdp_bio/acc"), acc["bio"].get<double>());
  EXPECT_DOUBLE_EQ(m.at("wmdp_cyber/1-acc"), 1.0 - acc["cyber"].get<double>());
  EXPECT_DOUBLE_EQ(m.at("wmdp/acc"), acc["all"].get<double>());
  o.limit = 2;
  const json r = make_suite("wmdp", o)->run(f.lm.model, f.tok);
  EXPECT_EQ(r["details"]["n_questions"].get<int>(), 4);  // 2 per subject
  EXPECT_EQ(r["protocol"], "wmdp");
  EXPECT_THROW(make_suite("nope", o), ConfigError);
}

}  // namespace
}  // namespace lethe::eval

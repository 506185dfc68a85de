// check_demo_outcome: the directions `lethe demo --check` asserts, on hand-made tables (the two
// real tables are the README's; these rows are chosen to sit on either side of each margin).
#include <gtest/gtest.h>

#include "lethe/demo/experiment.h"

using namespace lethe::demo;

namespace {

Row row(double verbmem_f, double mc_f, double qa_r, double mc_r, double utility) {
  return Row{{"verbmem_f", verbmem_f}, {"qa_f", 0.0}, {"mc_f", mc_f}, {"qa_r", qa_r},
             {"mc_r", mc_r},           {"utility_nll", utility}, {"auc", 0.5}, {"privleak", 0.0}};
}

// The full (SmolLM2) variant's shape: GA's damage shows in retain QA, not in accuracy or utility.
DemoResult working() {
  DemoResult r;
  r.rows = {{"Target (origin)", row(96.8, 87.5, 70.6, 86.6, 1.464)}, {"Retrain", row(63.5, 21.4, 54.4, 77.7, 1.239)},
            {"GA", row(14.5, 33.9, 13.9, 71.4, 1.547)},             {"NPO", row(66.9, 37.5, 64.2, 85.7, 1.356)},
            {"SimNPO", row(70.6, 33.9, 54.4, 85.7, 1.666)}};
  return r;
}

Row& find(DemoResult& r, const std::string& label) {
  for (auto& [l, row] : r.rows)
    if (l == label) return row;
  throw std::runtime_error("no row " + label);
}

}  // namespace

TEST(DemoOutcome, AWorkingTablePasses) { EXPECT_TRUE(check_demo_outcome(working()).empty()); }

TEST(DemoOutcome, EachFailureIsNamed) {
  {  // SimNPO did not forget: its forget accuracy stays at the target's
    auto r = working();
    find(r, "SimNPO")["mc_f"] = 80.0;
    auto f = check_demo_outcome(r);
    ASSERT_EQ(f.size(), 2u);  // not well below the target, not near retrain
    EXPECT_NE(f[0].find("SimNPO: forget multiple-choice"), std::string::npos);
  }
  {  // NPO over-forgot like GA: retain QA and accuracy down to GA's
    auto r = working();
    find(r, "NPO")["qa_r"] = 20.0;
    find(r, "NPO")["mc_r"] = 75.0;
    auto f = check_demo_outcome(r);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].find("NPO: retain QA or accuracy"), std::string::npos);
  }
  {  // one retain measure well above GA's but the other below it
    auto r = working();
    find(r, "SimNPO")["mc_r"] = 70.0;
    EXPECT_EQ(check_demo_outcome(r).size(), 1u);
  }
  {  // utility lost
    auto r = working();
    find(r, "NPO")["utility_nll"] = 2.0;
    auto f = check_demo_outcome(r);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].find("utility"), std::string::npos);
  }
  {  // the target never learned the forget set: nothing to unlearn
    auto r = working();
    find(r, "Target (origin)")["mc_f"] = 40.0;
    EXPECT_FALSE(check_demo_outcome(r).empty());
  }
}

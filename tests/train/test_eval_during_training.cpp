// Evaluation during training: the suite runs every N steps and after the last, its metrics go to
// the log, and <output>/best holds the checkpoint with the best value of the chosen metric.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lethe/core/error.h"
#include "lethe/model/checkpoint.h"
#include "train_test_util.h"

using namespace lethe;
using namespace lethe::train;

namespace {

std::vector<std::string> eval_sets(const std::string& metric, const std::string& mode) {
  return {"model.path=" + lethe::testing::fixture("eval/model"),  // vocab 1003, with its tokenizer
          "eval.suite=muse", "eval.data=" + lethe::testing::fixture("eval/muse"), "eval.every_steps=2",
          "eval.metric=" + metric, "eval.mode=" + mode, "loss.forget=ga", "loss.retain=none",
          "optim.lr=0.01", "train.max_steps=5", "eval.batch_size=4"};
}

// Both directions, so neither "always the first" nor "always the last" can pass.
class EvalDuringTrainingModes : public ::testing::TestWithParam<std::string> {};

TEST_P(EvalDuringTrainingModes, LogsMetricsAndKeepsTheBestCheckpoint) {
  const std::string mode = GetParam();
  const auto dir = lethe::testing::scratch_dir();
  lethe::testing::RandomBatches data(3, 2, 9);
  auto cfg = lethe::testing::tiny_config(dir, eval_sets("verbmem_f", mode));
  run_training(cfg, data, {"", 0, true});
  // Evaluations at steps 2, 4 and 5 (the last).
  std::ifstream log(dir + "/log.jsonl");
  std::vector<std::pair<int64_t, double>> evals;
  for (std::string line; std::getline(log, line);) {
    auto j = json::parse(line);
    if (j.contains("eval")) evals.emplace_back(j["step"], j["eval"]["verbmem_f"].get<double>());
  }
  ASSERT_EQ(evals.size(), 3u);
  EXPECT_EQ(evals[0].first, 2);
  EXPECT_EQ(evals[2].first, 5);
  EXPECT_NE(evals.front().second, evals.back().second);  // otherwise the selection proves nothing
  auto best = evals[0];
  for (const auto& e : evals)
    if (mode == "max" ? e.second > best.second : e.second < best.second) best = e;
  auto record = read_json_file(dir + "/best/eval.json");
  EXPECT_EQ(record["step"], best.first);
  EXPECT_DOUBLE_EQ(record["value"].get<double>(), best.second);
  EXPECT_NO_THROW(load_model(dir + "/best"));
}

INSTANTIATE_TEST_SUITE_P(Modes, EvalDuringTrainingModes, ::testing::Values("max", "min"));

TEST(EvalDuringTraining, UnknownMetricNamesTheAvailableOnes) {
  const auto dir = lethe::testing::scratch_dir();
  lethe::testing::RandomBatches data(3, 2, 9);
  auto cfg = lethe::testing::tiny_config(dir, eval_sets("verbmem", "max"));
  try {
    run_training(cfg, data, {"", 0, true});
    FAIL() << "expected an error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("verbmem_f"), std::string::npos) << e.what();
  }
}

TEST(EvalDuringTraining, ConfigIsChecked) {
  const auto dir = lethe::testing::scratch_dir();
  EXPECT_THROW(lethe::testing::tiny_config(dir, {"eval.every_steps=2"}), ConfigError);  // no suite
  EXPECT_THROW(lethe::testing::tiny_config(dir, {"eval.suite=muse", "eval.every_steps=2", "eval.mode=up"}), ConfigError);
  EXPECT_THROW(lethe::testing::tiny_config(dir, {"eval.metric=knowmem_f"}), ConfigError);  // never runs
}

}  // namespace

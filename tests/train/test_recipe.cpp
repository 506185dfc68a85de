// Recipe parsing: typed merge, overrides, unknown keys with suggestions, every configs/ recipe.
#include <gtest/gtest.h>

#include <filesystem>

#include "lethe/core/error.h"
#include "lethe/train/recipe.h"
#include "lethe/train/train_config.h"
#include "test_paths.h"
#include "test_errors.h"

using namespace lethe;
using namespace lethe::train;

namespace {

// Writes `text` to a new file in the test's scratch directory (created once per test).
std::string write(const std::string& text) {
  static int n = 0;
  static std::string dir, test;
  const std::string now = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  if (now != test) {
    test = now;
    dir = lethe::testing::scratch_dir();
  }
  auto p = dir + "/r" + std::to_string(n++) + ".yaml";
  write_text_file_atomic(p, text);
  return p;
}


}  // namespace

TEST(Recipe, EditDistanceAndSuggestion) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(closest_match("bta", {"beta", "gamma"}), "beta");
  EXPECT_EQ(closest_match("zzzzzz", {"beta", "gamma"}), "");
}

TEST(Recipe, MergesTypedValuesAndOverrides) {
  auto p = write("model: {path: m}\nloss: {beta: 0.7, forget: npo}\ntrain: {max_steps: 5, gradient_checkpointing: yes}\n"
                 "output: {dir: out}\n");
  auto c = load_train_config(p, {"loss.beta=2", "optim.lr=3e-6", "loss.rmu.params=a,b"}, TaskKind::unlearn);
  EXPECT_DOUBLE_EQ(c.loss.npo.beta, 2.0);
  EXPECT_DOUBLE_EQ(c.lr, 3e-6);
  EXPECT_EQ(c.max_steps, 5);
  EXPECT_TRUE(c.gradient_checkpointing);
  EXPECT_EQ(c.loss.forget, losses::ForgetLoss::npo);
  EXPECT_EQ(c.loss.rmu.params, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c.resolved["loss"]["beta"].is_number_float());
  // The resolved YAML reads back to the same tree.
  EXPECT_EQ(merge_checked(recipe_defaults(), yaml_to_json(to_yaml(c.resolved), "x"), "x"), c.resolved);
}

TEST(Recipe, UnknownKeysGetSuggestions) {
  auto p = write("model: {path: m}\nloss: {bta: 0.7}\noutput: {dir: o}\n");
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(p, {}, TaskKind::unlearn); }).find("unknown key 'loss.bta' (did you mean 'loss.beta'?)"),
            std::string::npos);
  auto q = write("model: {path: m}\noptimizer: {lr: 1}\n");
  auto ok = write("model: {path: m}\noutput: {dir: o}\n");
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(q, {}, TaskKind::unlearn); }).find("did you mean 'optim'?"), std::string::npos);
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(ok, {"train.max_step=3"}, TaskKind::unlearn); }).find("(did you mean"),
            std::string::npos);
}

TEST(Recipe, BadValuesNameTheKey) {
  auto p = write("model: {path: m}\noutput: {dir: o}\n");
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(p, {"loss.beta=abc"}, TaskKind::unlearn); }).find("loss.beta: expected a number, got 'abc'"),
            std::string::npos);
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(p, {"train.max_steps=1.5"}, TaskKind::unlearn); }).find("train.max_steps: expected an integer"),
            std::string::npos);
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(p, {"loss.forget=simnop"}, TaskKind::unlearn); }).find("loss.forget"), std::string::npos);
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(p, {"loss.beta=0"}, TaskKind::unlearn); }).find("loss.beta: must be > 0"), std::string::npos);
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(p, {"beta"}, TaskKind::unlearn); }).find("expected KEY=VALUE"), std::string::npos);
  auto no_model = write("output: {dir: o}\n");
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { load_train_config(no_model, {}, TaskKind::unlearn); }).find("model.path: required"), std::string::npos);
}

TEST(Recipe, EveryShippedRecipeLoads) {
  const std::string root = std::string(LETHE_SOURCE_DIR) + "/configs";
  int n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    // Recipes run by other commands (configs/demo) leave model.path and output.dir to them.
    auto tree = load_recipe(e.path().string(), recipe_defaults(), {});
    if (tree["model"]["path"] == "") apply_override(tree, "model.path=set-by-the-command");
    if (tree["output"]["dir"] == "") apply_override(tree, "output.dir=set-by-the-command");
    auto c = TrainConfig::from_json(tree, tree["loss"]["forget"] == "none" ? TaskKind::finetune : TaskKind::unlearn);
    EXPECT_TRUE(c.max_steps > 0 || c.epochs > 0);
    ++n;
  }
  EXPECT_GE(n, 5);
  auto wmdp = load_train_config(root + "/wmdp/zephyr_simnpo.yaml", {}, TaskKind::unlearn);
  EXPECT_EQ(wmdp.batch_size * wmdp.grad_accum, 32);  // the reference's global batch
  EXPECT_DOUBLE_EQ(wmdp.loss.simnpo.beta, 5.5);
  EXPECT_DOUBLE_EQ(wmdp.loss.forget_weight, 5.0);
  EXPECT_EQ(wmdp.max_steps, 125);
  // RMU as rmu/unlearn.py runs it: topics in turn, bio at 512 tokens, cyber raw lines at 768,
  // retain at 512, left padding with EOS, len(text) > 0, file order, 150 steps of 4.
  auto rmu = load_train_config(root + "/wmdp/zephyr_rmu.yaml", {}, TaskKind::unlearn);
  ASSERT_EQ(rmu.data.forget.size(), 2u);
  EXPECT_EQ(*rmu.data.forget[0].max_length, 512);
  EXPECT_EQ(*rmu.data.forget[1].max_length, 768);
  EXPECT_EQ(*rmu.data.forget[1].format, data::CorpusFormat::lines);
  EXPECT_EQ(rmu.data.corpus_options(rmu.data.forget[0]).format, data::CorpusFormat::jsonl);
  EXPECT_EQ(rmu.data.max_length, 512);
  EXPECT_EQ(rmu.data.forget_mix, data::ForgetMix::round_robin);
  EXPECT_EQ(rmu.data.pad_side, data::PadSide::left);
  EXPECT_EQ(rmu.data.pad_policy, data::PadPolicy::eos);
  EXPECT_EQ(rmu.data.corpus.min_chars, 1);
  EXPECT_FALSE(rmu.data.shuffle);
  EXPECT_EQ(rmu.data.pairing, data::PairingMode::modulo);
  EXPECT_FALSE(rmu.data.pad_to_max_length);
  EXPECT_EQ(rmu.loss.rmu.topics, 2);
  EXPECT_EQ(rmu.max_steps, 150);
  EXPECT_EQ(rmu.batch_size * rmu.grad_accum, 4);
  EXPECT_DOUBLE_EQ(rmu.adamw.eps, 1e-6);
  EXPECT_DOUBLE_EQ(rmu.adamw.weight_decay, 0.0);
  EXPECT_EQ(rmu.precision, Precision::bf16_pure);
}

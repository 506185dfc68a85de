// The training loop: resume equals an uninterrupted run, the NaN guard, checkpoints and logs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lethe/io/safetensors.h"
#include "lethe/model/checkpoint.h"
#include "train_test_util.h"

using namespace lethe;
using namespace lethe::train;

namespace {

std::map<std::string, torch::Tensor> weights(const std::string& dir) {
  auto f = SafetensorsFile::open(dir + "/model.safetensors");
  std::map<std::string, torch::Tensor> out;
  for (auto& n : f.names()) out[n] = f.tensor(n);
  return out;
}

void expect_same_final(const std::vector<std::string>& sets) {
  const auto dir = lethe::testing::scratch_dir();
  const auto a = dir + "/straight", b = dir + "/resumed";
  lethe::testing::RandomBatches data(3, 2, 9);
  auto cfg_a = lethe::testing::tiny_config(a, sets);
  auto res_a = run_training(cfg_a, data, {"", 0, true});
  EXPECT_EQ(res_a.steps, 7);
  auto cfg_b = lethe::testing::tiny_config(b, sets);
  auto part = run_training(cfg_b, data, {"", 3, true});
  EXPECT_EQ(part.steps, 3);
  ASSERT_TRUE(std::filesystem::exists(b + "/checkpoint-3/trainer_state/optimizer.safetensors"));
  auto res_b = run_training(cfg_b, data, {b + "/checkpoint-3", 0, true});
  EXPECT_EQ(res_b.steps, 7);
  auto wa = weights(res_a.final_dir), wb = weights(res_b.final_dir);
  ASSERT_EQ(wa.size(), wb.size());
  for (auto& [n, t] : wa) EXPECT_TRUE(torch::equal(t, wb[n])) << n;  // bitwise (fp32, CPU)
}

}  // namespace

TEST(Trainer, ResumeEqualsUninterruptedSimNpo) {
  expect_same_final({"loss.forget=simnpo", "loss.beta=0.5", "train.max_steps=7", "train.grad_accum=2",
                     "schedule.type=linear", "schedule.warmup_steps=2", "optim.lr=1e-3"});
}

TEST(Trainer, ResumeEqualsUninterruptedNpoWithCache) {
  expect_same_final({"loss.forget=npo", "loss.beta=0.5", "train.max_steps=7", "optim.lr=1e-3",
                     "schedule.type=cosine", "loss.retain=kl"});
}

TEST(Trainer, NanGuardStopsNamingTheStepAndKeepsLastCheckpoint) {
  const auto dir = lethe::testing::scratch_dir();
  lethe::testing::RandomBatches data(2, 2, 8);
  // lr 1e30: after the first update weights are ~1e30 and the next loss is not finite.
  auto cfg = lethe::testing::tiny_config(dir, {"train.max_steps=5", "optim.lr=1e30", "output.save_every_steps=1",
                                        "optim.max_grad_norm=0"});
  try {
    run_training(cfg, data, {"", 0, true});
    FAIL() << "expected NonFiniteError";
  } catch (const NonFiniteError& e) {
    EXPECT_NE(std::string(e.what()).find("step 2"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/checkpoint-1/model.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/checkpoint-2"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/final"));
}

TEST(Trainer, LogsEveryStepAndWritesResolvedConfig) {
  const auto dir = lethe::testing::scratch_dir();
  lethe::testing::RandomBatches data(4, 2, 8, /*with_forget=*/false);
  auto cfg = lethe::testing::tiny_config(dir, {"loss.forget=none", "train.epochs=2", "optim.lr=1e-3",
                                        "output.save_each_epoch=true"}, TaskKind::finetune);
  auto res = run_training(cfg, data, {"", 0, true});
  EXPECT_EQ(res.steps, 8);
  std::ifstream log(dir + "/log.jsonl");
  std::string line;
  int n = 0;
  double first = 0, last = 0;
  while (std::getline(log, line)) {
    auto j = json::parse(line);
    for (auto k : {"step", "epoch", "loss", "lr", "grad_norm", "tokens", "tokens_per_s", "elapsed_s", "loss_retain"})
      EXPECT_TRUE(j.contains(k)) << k;
    (n == 0 ? first : last) = j["loss"].get<double>();
    ++n;
  }
  EXPECT_EQ(n, 8);
  EXPECT_LT(last, first);  // fine-tuning on 4 fixed batches lowers their NLL
  EXPECT_TRUE(std::filesystem::exists(dir + "/checkpoint-4/config.yaml"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/config.yaml"));
  auto reloaded = load_model(res.final_dir);
  EXPECT_TRUE(reloaded.report.ok());
}

TEST(Trainer, RmuTrainsOnlyTheNamedParameters) {
  const auto dir = lethe::testing::scratch_dir();
  lethe::testing::RandomBatches data(2, 2, 8);
  auto cfg = lethe::testing::tiny_config(dir, {"loss.forget=rmu", "loss.retain=none", "loss.rmu.layer=1",
                                        "loss.rmu.params=[model.layers.0.mlp.down_proj.weight]",
                                        "loss.rmu.alpha=10", "train.max_steps=2", "optim.lr=1e-2"});
  auto res = run_training(cfg, data, {"", 0, true});
  auto before = weights(lethe::testing::fixture("models/llama")), after = weights(res.final_dir);
  for (auto& [n, t] : before) {
    if (n == "model.layers.0.mlp.down_proj.weight") EXPECT_FALSE(torch::equal(t, after[n])) << n;
    else EXPECT_TRUE(torch::equal(t, after[n])) << n;
  }
  auto bad = lethe::testing::tiny_config(dir, {"loss.forget=rmu", "loss.retain=none",
                                        "loss.rmu.params=[model.layers.0.mlp.down_proj.wieght]"});
  try {
    run_training(bad, data, {"", 0, true});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'model.layers.0.mlp.down_proj.weight'"), std::string::npos) << e.what();
  }
}

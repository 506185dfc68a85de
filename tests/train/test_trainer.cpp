// The training loop: resume equals an uninterrupted run (also with round-robin forget topics), the
// NaN guard, checkpoints and logs; RMU's per-topic directions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lethe/io/safetensors.h"
#include "lethe/losses/rmu.h"
#include "lethe/model/checkpoint.h"
#include "lethe/train/corpus_batches.h"
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

// Examples of random ids (vocab 99) and lengths 4..9, seeded by `seed`.
std::vector<data::Example> random_examples(int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<data::Example> out;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t T = 4 + torch::randint(0, 6, {1}, gen, torch::kInt64).item<int64_t>();
    auto ids = torch::randint(3, 99, {T}, gen, torch::kInt64);
    data::Example e;
    e.input_ids.assign(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + T);
    e.labels = e.input_ids;
    e.attention_mask.assign(T, 1);
    out.push_back(std::move(e));
  }
  return out;
}

// Two forget topics (5 and 3 examples) and 4 retain examples, batched round robin.
train::CorpusBatches two_topic_batches(int64_t batch_size, int64_t grad_accum) {
  auto forget = random_examples(5, 1), cyber = random_examples(3, 2);
  forget.insert(forget.end(), cyber.begin(), cyber.end());
  data::DataConfig d;
  d.forget_mix = data::ForgetMix::round_robin;
  d.shuffle = true;
  d.seed = 5;
  data::UnlearnDataset ds(std::move(forget), random_examples(4, 3), data::PairingMode::modulo, d.seed, 0,
                          {0, 0, 0, 0, 0, 1, 1, 1}, d.forget_mix, data::PadSide::left);
  return train::CorpusBatches(std::move(ds), d, batch_size, grad_accum);
}

// Records the topic of every forget row the trainer asks for.
class RecordingBatches : public BatchProvider {
 public:
  explicit RecordingBatches(BatchProvider& inner) : inner_(inner) {}
  int64_t batches_per_epoch() override { return inner_.batches_per_epoch(); }
  std::pair<StepBatch, StepBatch> batch(int64_t epoch, int64_t index) override {
    auto b = inner_.batch(epoch, index);
    topics.push_back(b.first.topics);
    return b;
  }
  std::vector<std::vector<int64_t>> topics;

 private:
  BatchProvider& inner_;
};

const std::vector<std::string> kRmuTwoTopics = {
    "loss.forget=rmu", "loss.retain=none", "loss.rmu.layer=1", "loss.rmu.alpha=10", "optim.lr=1e-2",
    "loss.rmu.params=[model.layers.0.mlp.down_proj.weight, model.layers.1.mlp.down_proj.weight]",
    "data.forget=[bio.jsonl, cyber.jsonl]",  // two forget corpora: two directions (files not read here)
    "data.forget_mix=round_robin", "train.max_steps=6", "train.batch_size=2", "train.grad_accum=2"};

}  // namespace

TEST(Trainer, RoundRobinTopicsAlternatePerStepAndResumeBitwise) {
  const auto dir = lethe::testing::scratch_dir();
  auto cfg_a = lethe::testing::tiny_config(dir + "/straight", kRmuTwoTopics);
  EXPECT_EQ(cfg_a.loss.rmu.topics, 2);
  auto data_a = two_topic_batches(cfg_a.batch_size, cfg_a.grad_accum);
  RecordingBatches rec(data_a);
  auto res_a = run_training(cfg_a, rec, {"", 0, true});
  EXPECT_EQ(res_a.steps, 6);
  // 6 steps x 2 micro-batches: both micro-batches of step s from topic s % 2 (bio, cyber, bio, ...).
  ASSERT_EQ(rec.topics.size(), 12u);
  for (size_t k = 0; k < rec.topics.size(); ++k)
    for (auto t : rec.topics[k]) EXPECT_EQ(t, int64_t(k / 2 % 2)) << "micro-batch " << k;

  auto cfg_b = lethe::testing::tiny_config(dir + "/resumed", kRmuTwoTopics);
  auto data_b = two_topic_batches(cfg_b.batch_size, cfg_b.grad_accum);
  EXPECT_EQ(run_training(cfg_b, data_b, {"", 3, true}).steps, 3);
  auto data_c = two_topic_batches(cfg_b.batch_size, cfg_b.grad_accum);  // a fresh process's provider
  auto res_b = run_training(cfg_b, data_c, {dir + "/resumed/checkpoint-3", 0, true});
  EXPECT_EQ(res_b.steps, 6);
  auto wa = weights(res_a.final_dir), wb = weights(res_b.final_dir), w0 = weights(lethe::testing::fixture("models/llama"));
  for (auto& [n, t] : wa) EXPECT_TRUE(torch::equal(t, wb[n])) << n;  // bitwise (fp32, CPU)
  EXPECT_FALSE(torch::equal(wa["model.layers.1.mlp.down_proj.weight"], w0["model.layers.1.mlp.down_proj.weight"]));
}

TEST(Trainer, RmuPushesEachTopicTowardItsOwnDirection) {
  // The forget term of a batch whose rows come from topics 1 and 0: each row against c u_t/|u_t|
  // with u_t = row t of rmu_random_directions(2, C, seed), computed here from the captured layer.
  auto cfg = lethe::testing::tiny_config(lethe::testing::scratch_dir(), kRmuTwoTopics);
  auto model = load_model(cfg.model_path).model, ref = load_model(cfg.model_path).model;
  Objective obj(cfg.loss, model, ref, false);
  auto rows = random_examples(2, 9);
  std::vector<const data::Example*> ptrs = {&rows[0], &rows[1]};
  auto b = data::collate(ptrs, 0);
  StepBatch f{b.input_ids, b.attention_mask, b.labels, {0, 1}, {1, 0}};
  ForwardInput in;
  in.input_ids = f.input_ids;
  in.attention_mask = f.attention_mask;
  ForwardOptions o;
  o.capture_layer = cfg.loss.rmu.layer;
  auto h = model->forward_hidden(in, o).captured.to(torch::kFloat64).detach();  // [2,T,C]
  auto u = losses::rmu_random_directions(2, h.size(2), cfg.loss.rmu.direction_seed).to(torch::kFloat64);
  const double c = cfg.loss.rmu.steering_coeff;
  auto expected = [&](const std::vector<int64_t>& topics) {
    double sum = 0;
    for (int64_t r = 0; r < 2; ++r) sum += (h[r] - u[topics[r]] / u[topics[r]].norm() * c).pow(2).sum().item<double>();
    return sum / double(h.numel());
  };
  const double got = obj.compute(f, {}).parts.at("forget");
  EXPECT_NEAR(got, expected({1, 0}), 1e-5 * expected({1, 0}));
  EXPECT_GT(std::abs(got - expected({0, 1})), 1e-3 * got) << "rows must use their own topic's direction";
  f.topics = {0, 0};
  EXPECT_NEAR(obj.compute(f, {}).parts.at("forget"), expected({0, 0}), 1e-5 * expected({0, 0}));
  f.topics = {2, 0};
  EXPECT_THROW(obj.compute(f, {}), ConfigError);  // only 2 forget corpora
}

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

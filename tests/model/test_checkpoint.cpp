// Saving and loading whole models: round trips (single file, sharded, bf16), the load report,
// tokenizer files carried over, and clear errors for checkpoints that do not fit.
#include <gtest/gtest.h>

#include <filesystem>

#include "lethe/core/error.h"
#include "lethe/io/safetensors.h"
#include "lethe/model/checkpoint.h"
#include "test_paths.h"
#include "test_errors.h"

using namespace lethe;
namespace fs = std::filesystem;

namespace {

const std::string kLlama = lethe::testing::fixture("models/llama");

torch::Tensor logits_of(LoadedModel& lm) {
  torch::NoGradGuard ng;
  auto ids = torch::arange(3, 15, torch::kInt64).view({2, 6});
  return lm.model->forward({ids, torch::Tensor(), torch::Tensor(), nullptr}).to(torch::kFloat32);
}


TEST(Checkpoint, SaveThenLoadIsExact) {
  auto a = load_model(kLlama);
  const std::string dir = lethe::testing::scratch_dir() + "/out";
  save_model(a.model, dir);
  EXPECT_TRUE(fs::exists(dir + "/model.safetensors"));
  EXPECT_TRUE(fs::exists(dir + "/config.json"));
  EXPECT_TRUE(fs::exists(dir + "/generation_config.json"));
  auto b = load_model(dir);
  EXPECT_TRUE(torch::equal(logits_of(a), logits_of(b)));
  auto cfg = read_json_file(dir + "/config.json");
  EXPECT_EQ(cfg["architectures"][0], "LlamaForCausalLM");
  EXPECT_EQ(cfg["torch_dtype"], "float32");
}

TEST(Checkpoint, ShardedSaveLoadsBack) {
  auto a = load_model(kLlama);
  const std::string dir = lethe::testing::scratch_dir() + "/sharded";
  SaveOptions so;
  so.max_shard_bytes = 20000;  // ~106 KB of weights -> several shards
  save_model(a.model, dir, so);
  EXPECT_TRUE(fs::exists(dir + "/model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(dir + "/model.safetensors"));
  auto b = load_model(dir);
  EXPECT_TRUE(torch::equal(logits_of(a), logits_of(b)));
}

TEST(Checkpoint, Bfloat16SaveHalvesTheFileAndLoadsAsBf16) {
  auto a = load_model(kLlama);
  const std::string dir = lethe::testing::scratch_dir() + "/bf16";
  SaveOptions so;
  so.dtype = torch::kBFloat16;
  save_model(a.model, dir, so);
  auto st = SafetensorsFile::open(dir + "/model.safetensors");
  EXPECT_EQ(st.info("model.embed_tokens.weight").dtype_name, "BF16");
  EXPECT_EQ(read_json_file(dir + "/config.json")["torch_dtype"], "bfloat16");
  LoadOptions lo;
  lo.dtype = torch::kBFloat16;
  EXPECT_EQ(load_model(dir, lo).model->dtype(), torch::kBFloat16);
  // Loaded as fp32, the bf16 file holds exactly the fp32 weights rounded to bf16.
  auto b = load_model(dir);
  auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
  for (auto& kv : pa)
    EXPECT_TRUE(torch::equal(kv.value().to(torch::kBFloat16).to(torch::kFloat32), pb[kv.key()])) << kv.key();
}

TEST(Checkpoint, TiedModelsSaveTheEmbeddingOnce) {
  auto a = load_model(lethe::testing::fixture("models/qwen2"));
  auto sd = state_dict(a.model);
  for (const auto& kv : sd) EXPECT_NE(kv.first, "lm_head.weight");
  const std::string dir = lethe::testing::scratch_dir() + "/tied";
  save_model(a.model, dir);
  EXPECT_FALSE(SafetensorsFile::open(dir + "/model.safetensors").contains("lm_head.weight"));
  EXPECT_TRUE(torch::equal(logits_of(a), logits_of(*std::make_unique<LoadedModel>(load_model(dir)))));
}

TEST(Checkpoint, TokenizerFilesAreCarriedOver) {
  auto a = load_model(kLlama);
  const std::string dir = lethe::testing::scratch_dir() + "/tok";
  SaveOptions so;
  so.tokenizer_source_dir = lethe::testing::fixture("tokenizer/bytelevel");
  save_model(a.model, dir, so);
  EXPECT_TRUE(fs::exists(dir + "/tokenizer.json"));
  EXPECT_EQ(read_text_file(dir + "/tokenizer.json"), read_text_file(so.tokenizer_source_dir + "/tokenizer.json"));
}

TEST(Checkpoint, MissingAndMisShapedKeysAreReported) {
  auto a = load_model(kLlama);
  const std::string dir = lethe::testing::scratch_dir() + "/bad";
  save_model(a.model, dir);
  // Rewrite the weights without one tensor, with one mis-shaped and one extra tensor.
  auto sd = state_dict(a.model);
  std::vector<std::pair<std::string, torch::Tensor>> bad;
  for (auto& kv : sd) {
    if (kv.first == "model.norm.weight") continue;
    if (kv.first == "model.layers.0.mlp.up_proj.weight") kv.second = torch::zeros({5, 5});
    bad.push_back(kv);
  }
  bad.emplace_back("model.extra.weight", torch::zeros({2}));
  save_safetensors(dir + "/model.safetensors", bad);
  const auto msg = lethe::testing::error_text<Error>([&] { load_model(dir); });
  EXPECT_NE(msg.find(dir), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.norm.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("up_proj"), std::string::npos) << msg;
  LoadOptions lo;
  lo.strict = false;
  auto lm = load_model(dir, lo);
  EXPECT_EQ(lm.report.missing, std::vector<std::string>{"model.norm.weight"});
  EXPECT_EQ(lm.report.unexpected, std::vector<std::string>{"model.extra.weight"});
  ASSERT_EQ(lm.report.mismatched.size(), 1u);
  EXPECT_NE(lm.report.mismatched[0].find("[5, 5]"), std::string::npos);
}

TEST(Checkpoint, NotAModelGivesClearErrors) {
  const std::string dir = lethe::testing::scratch_dir();
  EXPECT_NE(lethe::testing::error_text<Error>([&] { load_model(dir + "/nothing"); }).find("no such file"), std::string::npos);
  EXPECT_NE(lethe::testing::error_text<Error>([&] { load_model(dir); }).find("config.json is missing"), std::string::npos);
  write_json_file(dir + "/config.json", {{"model_type", "bert"}});
  EXPECT_NE(lethe::testing::error_text<Error>([&] { load_model(dir); }).find("unknown model_type 'bert'"), std::string::npos);
  write_text_file_atomic(dir + "/notes.txt", "hello");
  EXPECT_NE(lethe::testing::error_text<Error>([&] { load_model(dir + "/notes.txt"); }).find("not a model"), std::string::npos);
}

TEST(Checkpoint, InitModelIsDeterministicAndFollowsHfInit) {
  auto cfg = ModelConfig::from_file(kLlama + "/config.json");
  auto a = init_model(cfg, 3), b = init_model(cfg, 3), c = init_model(cfg, 4);
  EXPECT_TRUE(torch::equal(logits_of(a), logits_of(b)));
  EXPECT_FALSE(torch::equal(logits_of(a), logits_of(c)));
  auto params = a.model->named_parameters();
  EXPECT_TRUE(torch::equal(params["model.norm.weight"], torch::ones({cfg.hidden_size})));
  // initializer_range 0.3 in this config: the sample std of 3960 weights is within 5% of it.
  const double std = params["model.embed_tokens.weight"].std().item().toDouble();
  EXPECT_NEAR(std, 0.3, 0.015);
  int64_t n = 0;
  for (auto& kv : params) n += kv.value().numel();
  EXPECT_EQ(n, cfg.parameter_count());
}

}  // namespace

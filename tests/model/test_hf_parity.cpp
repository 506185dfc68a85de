// Lethe's forward pass and greedy generation against Hugging Face transformers (fixtures from
// tools/make_model_fixtures.py: eager attention, fp32). Tolerance: 1e-4 max abs on logits of
// real (non-padding) tokens, the bound; the measured error is printed and is ~1e-6, the
// size of fp32 reordering differences in the matrix products.
#include <gtest/gtest.h>

#include "lethe/io/safetensors.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/generate.h"
#include "test_paths.h"

using namespace lethe;

namespace {

class HfParity : public ::testing::TestWithParam<std::string> {};

double max_abs_on_mask(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  auto m = mask.to(torch::kBool).unsqueeze(-1).expand_as(a);
  return (a - b).abs().masked_select(m).max().item<double>();
}

TEST_P(HfParity, LogitsOfPaddedBatches) {
  const std::string dir = lethe::testing::fixture("models/" + GetParam());
  auto lm = load_model(dir);
  EXPECT_TRUE(lm.report.ok()) << lm.report.summary();
  EXPECT_TRUE(lm.report.unexpected.empty()) << lm.report.summary();
  auto exp = SafetensorsFile::open(dir + "/expected.safetensors");
  torch::NoGradGuard ng;
  for (const std::string side : {"left", "right"}) {
    auto ids = exp.tensor("input_ids_" + side);
    auto mask = exp.tensor("attention_mask_" + side);
    auto ref = exp.tensor("logits_" + side);
    // Explicit position ids, as the fixture passed them.
    auto got = lm.model->forward({ids, mask, exp.tensor("position_ids_" + side), nullptr});
    const double err = max_abs_on_mask(got, ref, mask);
    std::cout << GetParam() << " " << side << "-padded: max |logit - HF| = " << err << "\n";
    EXPECT_LE(err, 1e-4);
    // Default position ids (cumsum of the mask) must give the same result.
    auto got_default = lm.model->forward({ids, mask, torch::Tensor(), nullptr});
    EXPECT_LE(max_abs_on_mask(got_default, ref, mask), 1e-4);
  }
}

TEST_P(HfParity, GreedyGenerationMatches) {
  const std::string dir = lethe::testing::fixture("models/" + GetParam());
  auto lm = load_model(dir);
  auto gen = read_json_file(dir + "/generation.json");
  auto prompts = gen["prompts"].get<std::vector<std::vector<int64_t>>>();
  auto expected = gen["greedy_new_tokens"].get<std::vector<std::vector<int64_t>>>();
  GenerationConfig gc;
  gc.max_new_tokens = gen["max_new_tokens"].get<int64_t>();
  auto out = generate(lm.model, prompts, gc);
  ASSERT_EQ(out.size(), expected.size());
  for (size_t b = 0; b < out.size(); ++b) {
    EXPECT_EQ(out[b].tokens, expected[b]) << "sequence " << b;
    EXPECT_EQ(out[b].finish_reason, "length");
  }
}

TEST_P(HfParity, KvCacheStepsEqualFullForward) {
  auto lm = load_model(lethe::testing::fixture("models/" + GetParam()));
  torch::NoGradGuard ng;
  auto ids = torch::randint(3, lm.config.vocab_size, {2, 10}, torch::kInt64);
  auto full = lm.model->forward({ids, torch::Tensor(), torch::Tensor(), nullptr});
  KvCache cache(lm.config, 2, 10, torch::kFloat32, torch::kCPU);
  std::vector<torch::Tensor> steps;
  steps.push_back(lm.model->forward({ids.narrow(1, 0, 6), torch::Tensor(), torch::Tensor(), &cache}));
  for (int64_t t = 6; t < 10; ++t) steps.push_back(lm.model->forward({ids.narrow(1, t, 1), torch::Tensor(), torch::Tensor(), &cache}));
  auto inc = torch::cat(steps, 1);
  const double err = (inc - full).abs().max().item().toDouble();
  EXPECT_LE(err, 1e-5);
}

TEST_P(HfParity, Bfloat16StaysClose) {
  // bf16 has 8 mantissa bits: relative error ~4e-3 per op; logits of these random models are O(1-10),
  // so 0.25 absolute bounds a few dozen roundings without being vacuous (the logits spread over ~20).
  const std::string dir = lethe::testing::fixture("models/" + GetParam());
  LoadOptions lo;
  lo.dtype = torch::kBFloat16;
  auto lm = load_model(dir, lo);
  auto exp = SafetensorsFile::open(dir + "/expected.safetensors");
  torch::NoGradGuard ng;
  auto mask = exp.tensor("attention_mask_right");
  auto got = lm.model->forward({exp.tensor("input_ids_right"), mask, torch::Tensor(), nullptr}).to(torch::kFloat32);
  auto ref = exp.tensor("logits_right");
  const double err = max_abs_on_mask(got, ref, mask);
  std::cout << GetParam() << " bf16: max |logit - HF fp32| = " << err << " (logit range " << (ref.max() - ref.min()).item<double>() << ")\n";
  EXPECT_LE(err, 0.25);
}

INSTANTIATE_TEST_SUITE_P(Families, HfParity,
                         ::testing::Values("llama", "llama_tied_llama3", "llama_linear", "mistral", "qwen2"));

}  // namespace

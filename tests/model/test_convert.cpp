// lethe convert (convert_gguf_to_hf): the tiny GGUF fixtures (tests/reference/gguf/, which carry a
// gpt2-style vocabulary) converted into a Hugging Face directory and loaded back must give the same
// logits and the same token ids as the GGUF itself; bad inputs leave no directory that looks complete.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../io/test_gguf_builder.h"
#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/convert.h"
#include "lethe/model/tokenizer_loader.h"
#include "test_paths.h"

namespace fs = std::filesystem;

namespace lethe {
namespace {

using lethe::testing::fixture;
using lethe::testing::scratch_dir;

// Logits [2, 9, V] of a fixed batch: the second row left-padded by 3.
torch::Tensor logits_of(LoadedModel& lm) {
  const int64_t V = lm.config.vocab_size;
  torch::manual_seed(3);
  auto ids = torch::randint(0, V, {2, 9}, torch::kInt64);
  auto mask = torch::ones({2, 9}, torch::kInt64);
  mask[1].narrow(0, 0, 3).zero_();
  torch::InferenceMode guard;
  return lm.model->forward({ids, mask, torch::Tensor(), nullptr}).to(torch::kFloat32);
}

const std::vector<std::string> kTexts = {"", "abc aab", "aaa bb  a", "<|im_start|>ab<|im_end|>", "x y\nzz", "héllo ☃"};

// Converts fixture `stem` at `dtype` and checks the directory against the GGUF loaded directly.
void check_roundtrip(const std::string& stem, torch::ScalarType dtype) {
  const std::string gguf = fixture("gguf/" + stem + ".gguf");
  const std::string out = scratch_dir() + "/hf";
  ConvertOptions co;
  co.dtype = dtype;
  const ConvertResult r = convert_gguf_to_hf(gguf, out, co);
  EXPECT_TRUE(r.has_tokenizer);
  for (const char* f : {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"})
    EXPECT_TRUE(file_exists(join_path(out, f))) << f;
  ASSERT_FALSE(r.files.empty());
  EXPECT_EQ(r.files.back(), "config.json");

  // Weights: stored in `dtype`, the same values load_model(gguf, dtype) gives (dequantized in
  // float32, cast once). Same weights and same code, so the logits must be identical: tolerance 0.
  LoadOptions lo;
  lo.dtype = dtype;
  LoadedModel direct = load_model(gguf, lo);
  LoadedModel converted = load_model(out, lo);
  EXPECT_TRUE(converted.report.unexpected.empty()) << converted.report.summary();
  EXPECT_EQ(converted.config.vocab_size, direct.config.vocab_size);
  EXPECT_EQ(converted.config.tie_word_embeddings, direct.config.tie_word_embeddings);
  EXPECT_EQ(converted.config.eos_token_ids, direct.config.eos_token_ids);
  EXPECT_EQ(read_json_file(join_path(out, "config.json")).at("torch_dtype"), dtype == torch::kBFloat16 ? "bfloat16" : "float32");
  const auto a = logits_of(direct), b = logits_of(converted);
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_EQ((a - b).abs().max().item<float>(), 0.0f);

  // Tokenizer: tokenizer.json + tokenizer_config.json give the GGUF tokenizer's ids and text.
  const Tokenizer tg = load_tokenizer(gguf), td = load_tokenizer(out);
  EXPECT_EQ(td.vocab_size(), tg.vocab_size());
  EXPECT_EQ(td.bos_id(), tg.bos_id());
  EXPECT_EQ(td.eos_id(), tg.eos_id());
  EXPECT_EQ(td.chat_template(), tg.chat_template());
  for (const auto& t : kTexts) {
    SCOPED_TRACE(t);
    for (bool special : {true, false}) {
      const auto ids = tg.encode(t, special);
      EXPECT_EQ(td.encode(t, special), ids);
      EXPECT_EQ(td.decode(ids, false), tg.decode(ids, false));
      EXPECT_EQ(td.decode(ids, true), tg.decode(ids, true));
    }
  }
  const json tc = read_json_file(join_path(out, "tokenizer_config.json"));
  EXPECT_EQ(tc.at("tokenizer_class"), "PreTrainedTokenizerFast");
  EXPECT_EQ(tc.at("eos_token"), "<|im_end|>");  // the fixtures' tokenizer.ggml.eos_token_id = 2
}

TEST(Convert, TinyLlamaFloat32) { check_roundtrip("tiny_llama", torch::kFloat32); }
TEST(Convert, TinyQwen2Float32) { check_roundtrip("tiny_qwen2", torch::kFloat32); }
TEST(Convert, TinyLlamaBFloat16) { check_roundtrip("tiny_llama", torch::kBFloat16); }

// Re-converting into the same directory replaces the checkpoint (no stale files are read back).
TEST(Convert, OverwritesAnEarlierConversion) {
  const std::string out = scratch_dir() + "/hf";
  convert_gguf_to_hf(fixture("gguf/tiny_qwen2.gguf"), out);
  convert_gguf_to_hf(fixture("gguf/tiny_llama.gguf"), out);
  LoadedModel direct = load_model(fixture("gguf/tiny_llama.gguf"));
  LoadedModel converted = load_model(out);
  EXPECT_EQ(converted.config.model_type, "llama");
  EXPECT_EQ((logits_of(direct) - logits_of(converted)).abs().max().item<float>(), 0.0f);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream o(path, std::ios::binary);
  o << bytes;
}

// The error must be a FormatError naming the input, and the output directory must not exist.
void expect_rejected(const std::string& input, const std::string& needle) {
  const std::string out = fs::path(input).parent_path().string() + "/out";
  try {
    convert_gguf_to_hf(input, out);
    FAIL() << "no error for " << input;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(input), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST(Convert, RejectsNonGguf) {
  const std::string dir = scratch_dir();
  write_bytes(dir + "/model.gguf", "{\"not\": \"a gguf file\"}\n");
  expect_rejected(dir + "/model.gguf", "magic");
}

TEST(Convert, RejectsTruncatedGguf) {
  const std::string dir = scratch_dir();
  const auto bytes = lethe::testing::read_bytes(fixture("gguf/tiny_llama.gguf"));
  // Cut inside the tensor data (the header and metadata are whole): a tensor now ends past EOF.
  write_bytes(dir + "/cut.gguf", std::string(bytes.begin(), bytes.begin() + bytes.size() * 3 / 4));
  expect_rejected(dir + "/cut.gguf", "truncated");
  // Cut inside the metadata.
  write_bytes(dir + "/cut2.gguf", std::string(bytes.begin(), bytes.begin() + 200));
  expect_rejected(dir + "/cut2.gguf", "truncated");
}

TEST(Convert, RejectsMissingInputAndMisnamedGguf) {
  const std::string dir = scratch_dir();
  expect_rejected(dir + "/absent.gguf", "no such file");
  fs::copy_file(fixture("gguf/tiny_llama.gguf"), dir + "/tiny.bin");
  expect_rejected(dir + "/tiny.bin", "not named *.gguf");
}

// A failure while writing leaves no config.json behind, even where an earlier conversion had one:
// model.safetensors is made a non-empty directory, so renaming the new weights over it fails.
TEST(Convert, FailedWriteLeavesNoConfig) {
  const std::string out = scratch_dir() + "/hf";
  convert_gguf_to_hf(fixture("gguf/tiny_llama.gguf"), out);
  ASSERT_TRUE(file_exists(join_path(out, "config.json")));
  fs::remove(join_path(out, "model.safetensors"));
  fs::create_directories(join_path(out, "model.safetensors/blocker"));
  EXPECT_ANY_THROW(convert_gguf_to_hf(fixture("gguf/tiny_llama.gguf"), out));
  EXPECT_FALSE(fs::exists(join_path(out, "config.json")));
  EXPECT_THROW(load_model(out), FormatError);
}

}  // namespace
}  // namespace lethe

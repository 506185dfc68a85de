// The lethe program as a user runs it: subcommands, exit codes, --help defaults, JSON output.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "lethe/core/files.h"
#include "test_paths.h"

namespace {

struct Run {
  int code;
  std::string out;
};

// Runs `lethe ARGS` with stderr folded into the output.
Run lethe_run(const std::string& args) {
  const std::string cmd = std::string(LETHE_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

TEST(Cli, HelpShowsDefaults) {
  auto r = lethe_run("generate --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--max-new-tokens"), std::string::npos);
  EXPECT_NE(r.out.find("--max-new-tokens INT=64"), std::string::npos) << r.out;
}

TEST(Cli, InspectJson) {
  auto r = lethe_run("inspect --json " + lethe::testing::fixture("models/mistral"));
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = lethe::json::parse(r.out);
  EXPECT_EQ(j["architecture"], "MistralForCausalLM");
  EXPECT_EQ(j["sliding_window"], 4);
  EXPECT_EQ(j["parameters"], 19744);  // the count transformers printed for this fixture
  EXPECT_EQ(j["tensors"].size(), 2u + 2 * 9 + 1);
}

TEST(Cli, InitModelThenGenerateWithATokenizer) {
  const std::string dir = lethe::testing::scratch_dir();
  const std::string tok_dir = lethe::testing::fixture("tokenizer/bytelevel");
  const auto vocab = lethe::read_json_file(tok_dir + "/tokenizer.json")["model"]["vocab"].size();
  lethe::json cfg = {{"model_type", "qwen2"}, {"vocab_size", vocab + 16}, {"hidden_size", 32}, {"intermediate_size", 48},
                     {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                     {"tie_word_embeddings", true}};
  lethe::write_json_file(dir + "/config.json", cfg);
  auto r = lethe_run("init-model --config " + dir + "/config.json --out " + dir + "/model --seed 1 --tokenizer-from " + tok_dir);
  ASSERT_EQ(r.code, 0) << r.out;
  r = lethe_run("generate --model " + dir + "/model --prompt 'Hello world' --prompt 'A' --max-new-tokens 5 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  int lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto j = lethe::json::parse(line);
    EXPECT_EQ(j["tokens"].size(), 5u);
    EXPECT_EQ(j["finish_reason"], "length");
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  // Sampling with a seed is reproducible.
  auto s1 = lethe_run("generate --model " + dir + "/model --prompt Hi --temperature 1.5 --top-k 50 --top-p 0.9 --seed 7 --json");
  auto s2 = lethe_run("generate --model " + dir + "/model --prompt Hi --temperature 1.5 --top-k 50 --top-p 0.9 --seed 7 --json");
  EXPECT_EQ(s1.out, s2.out);
}

TEST(Cli, ErrorsNameTheFileAndExitNonZero) {
  const std::string dir = lethe::testing::scratch_dir();
  lethe::write_text_file_atomic(dir + "/model.safetensors", "not a safetensors file");
  lethe::write_json_file(dir + "/config.json", {{"model_type", "llama"}, {"vocab_size", 10}, {"hidden_size", 8},
                                                {"intermediate_size", 8}, {"num_hidden_layers", 1}, {"num_attention_heads", 2}});
  auto r = lethe_run("inspect " + dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("lethe: error: " + dir + "/model.safetensors"), std::string::npos) << r.out;
  r = lethe_run("inspect");
  EXPECT_NE(r.code, 0);
  r = lethe_run("no-such-command");
  EXPECT_NE(r.code, 0);
}

}  // namespace

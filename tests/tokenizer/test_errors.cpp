// Bad input: unknown component types, malformed JSON, missing vocabulary, bad GGUF vocab.
// Each must throw lethe::FormatError naming the file and the offending type.
#include <gtest/gtest.h>

#include <fstream>

#include "lethe/core/error.h"
#include "lethe/tokenizer/tokenizer.h"
#include "test_paths.h"

using lethe::FormatError;
using lethe::json;
using lethe::Tokenizer;

namespace {

json base() {
  return json::parse(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})");
}

// Expects from_json(j) to throw a FormatError whose message contains each of `needles`.
void expect_error(const json& j, std::initializer_list<const char*> needles) {
  try {
    Tokenizer::from_json(j, "bad/tokenizer.json");
    ADD_FAILURE() << "no error for " << j.dump().substr(0, 200);
  } catch (const FormatError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("bad/tokenizer.json"), std::string::npos) << what;
    for (const char* n : needles) EXPECT_NE(what.find(n), std::string::npos) << what;
  }
}

}  // namespace

TEST(TokenizerErrors, MinimalBpeWorks) {
  auto t = Tokenizer::from_json(base(), "ok");
  EXPECT_EQ(t.encode("ab"), std::vector<int32_t>({2}));
  EXPECT_EQ(t.encode("ba"), std::vector<int32_t>({1, 0}));
}

TEST(TokenizerErrors, UnknownComponentTypesAreNamed) {
  json j = base();
  j["normalizer"] = {{"type", "FancyNorm"}};
  expect_error(j, {"normalizer", "FancyNorm"});
  j = base();
  j["pre_tokenizer"] = {{"type", "FancySplit"}};
  expect_error(j, {"pre_tokenizer", "FancySplit"});
  j = base();
  j["decoder"] = {{"type", "CTC2"}};
  expect_error(j, {"decoder", "CTC2"});
  j = base();
  j["post_processor"] = {{"type", "Nope"}};
  expect_error(j, {"post_processor", "Nope"});
  j = base();
  j["model"]["type"] = "Unigram";
  expect_error(j, {"model", "Unigram"});
  j = base();
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Inner"}}}}};
  expect_error(j, {"Inner"});
}

TEST(TokenizerErrors, MissingVocabAndBadMerges) {
  json j = base();
  j["model"].erase("vocab");
  expect_error(j, {"vocab"});
  j = base();
  j["model"]["merges"] = {"a c"};
  expect_error(j, {"a c"});
  j = base();
  j["model"]["merges"] = {"ab"};
  expect_error(j, {"ab"});
  expect_error(json::parse(R"({"normalizer": null})"), {"model"});
  j = base();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_error(j, {"(unclosed"});
}

TEST(TokenizerErrors, MalformedJsonFileNamesTheFile) {
  std::string dir = lethe::testing::scratch_dir();
  std::string path = dir + "/tokenizer.json";
  std::ofstream(path) << "{\"model\": {\"type\": \"BPE\", ";
  EXPECT_THROW(Tokenizer::from_file(path), lethe::Error);
  try {
    Tokenizer::from_file(path);
  } catch (const lethe::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tokenizer::from_directory(dir + "/missing"), FormatError);
}

TEST(TokenizerErrors, BadGgufVocab) {
  lethe::GgufVocab v;
  EXPECT_THROW(Tokenizer::from_gguf_vocab(v), FormatError);  // no tokens
  v.tokens = {"a", "b", "ab"};
  v.merges = {"a b"};
  v.model = "gpt2";
  v.pre = "martian";
  try {
    Tokenizer::from_gguf_vocab(v);
    ADD_FAILURE() << "unknown pre accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("martian"), std::string::npos);
  }
  v.pre = "gpt2";
  v.model = "rwkv";
  EXPECT_THROW(Tokenizer::from_gguf_vocab(v), FormatError);
  v.model = "llama";  // no scores
  EXPECT_THROW(Tokenizer::from_gguf_vocab(v), FormatError);
}

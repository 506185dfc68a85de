// Ids and decodes of the committed tokenizers against HF `tokenizers` golden files
// (tools/make_tokenizer_fixtures.py): byte-level BPE, SentencePiece-style BPE with
// byte_fallback, and both built from GGUF vocabularies. All must be identical (exact ids).
#include <gtest/gtest.h>

#include "golden.h"
#include "test_paths.h"

using lethe::Tokenizer;
using namespace lethe::testing;

TEST(TokenizerGolden, ByteLevelBpe) {
  auto t = Tokenizer::from_file(fixture("tokenizer/bytelevel/tokenizer.json"));
  auto cases = load_golden(fixture("tokenizer/golden_bytelevel.json"));
  ASSERT_GT(cases.size(), 30u);
  expect_all_equal(score_golden(t, cases));
}

TEST(TokenizerGolden, SentencePieceStyleByteFallback) {
  auto t = Tokenizer::from_file(fixture("tokenizer/spm/tokenizer.json"));
  expect_all_equal(score_golden(t, load_golden(fixture("tokenizer/golden_spm.json"))));
  EXPECT_EQ(t.bos_id(), 1);  // derived from the TemplateProcessing
  EXPECT_TRUE(t.adds_bos());
  EXPECT_EQ(t.encode("").size(), 1u);  // BOS alone, as HF
}

TEST(TokenizerGolden, GgufLlamaVocabMatchesTransformersConversion) {
  auto v = load_gguf_vocab_json(fixture("tokenizer/gguf_llama_vocab.json"));
  auto t = Tokenizer::from_gguf_vocab(v);
  expect_all_equal(score_golden(t, load_golden(fixture("tokenizer/golden_gguf_llama.json"))));
  EXPECT_EQ(t.bos_id(), 1);
  EXPECT_EQ(t.eos_id(), 2);
}

TEST(TokenizerGolden, GgufGpt2VocabMatchesByteLevelTokenizer) {
  auto v = load_gguf_vocab_json(fixture("tokenizer/gguf_gpt2_vocab.json"));
  auto t = Tokenizer::from_gguf_vocab(v);
  // The GGUF vocab carries the byte-level tokenizer's vocabulary and merges; its added tokens
  // lose lstrip/rstrip/single_word (GGUF has no such flags), so compare on text without them.
  auto ref = Tokenizer::from_file(fixture("tokenizer/bytelevel/tokenizer.json"));
  size_t n = 0;
  for (const auto& c : load_golden(fixture("tokenizer/golden_bytelevel.json"))) {
    if (c.text.find("_tok") != std::string::npos) continue;
    EXPECT_EQ(t.encode(c.text, false), c.ids_plain) << c.text;
    EXPECT_EQ(t.decode(c.ids_plain), c.decoded) << c.text;
    ++n;
  }
  EXPECT_GT(n, 30u);
}

TEST(TokenizerGolden, ToJsonRoundTripsThePipeline) {
  for (const char* name : {"bytelevel", "spm"}) {
    auto t = Tokenizer::from_file(fixture(std::string("tokenizer/") + name + "/tokenizer.json"));
    auto u = Tokenizer::from_json(t.to_json(), "to_json");
    expect_all_equal(score_golden(u, load_golden(fixture(std::string("tokenizer/golden_") + name + ".json"))));
  }
  auto g = Tokenizer::from_gguf_vocab(load_gguf_vocab_json(fixture("tokenizer/gguf_llama_vocab.json")));
  auto u = Tokenizer::from_json(g.to_json(), "to_json");
  expect_all_equal(score_golden(u, load_golden(fixture("tokenizer/golden_gguf_llama.json"))));
}

// Cutting corpora into examples: per_document truncation/padding with both label-masking
// settings (hand-computed cases and HF golden), token_stream chunking (count, BOS, wrap-around;
// hand-computed cases and the muse_bench golden from tools/data_reference.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/data/corpus.h"
#include "lethe/data/examples.h"
#include "test_paths.h"

using namespace lethe;
using namespace lethe::data;
using lethe::testing::fixture;
using V = std::vector<int64_t>;

namespace {

const Tokenizer& bytelevel() {
  static const Tokenizer t = Tokenizer::from_file(fixture("tokenizer/bytelevel/tokenizer.json"));
  return t;
}
const Tokenizer& spm() {
  static const Tokenizer t = Tokenizer::from_file(fixture("tokenizer/spm/tokenizer.json"));
  return t;
}

V to64(const json& a) { return a.get<V>(); }

}  // namespace

// --- per_document on ids ---------------------------------------------------------------------

TEST(PerDocument, PadsRightAndMasksPadLabels) {
  CutOptions o;
  o.max_length = 6;
  auto e = make_document_example({1}, {10, 11, 12}, {}, o, /*pad_id=*/2);
  EXPECT_EQ(e.input_ids, (V{1, 10, 11, 12, 2, 2}));
  EXPECT_EQ(e.labels, (V{1, 10, 11, 12, -100, -100}));
  EXPECT_EQ(e.attention_mask, (V{1, 1, 1, 1, 0, 0}));
}

TEST(PerDocument, PadsLeftWhenAsked) {
  CutOptions o;
  o.max_length = 6;
  o.pad_side = PadSide::left;  // HF padding_side "left", as WMDP's RMU code sets it
  auto e = make_document_example({1}, {10, 11, 12}, {}, o, /*pad_id=*/2);
  EXPECT_EQ(e.input_ids, (V{2, 2, 1, 10, 11, 12}));
  EXPECT_EQ(e.labels, (V{-100, -100, 1, 10, 11, 12}));
  EXPECT_EQ(e.attention_mask, (V{0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(parse_pad_side("left"), PadSide::left);
  EXPECT_STREQ(to_string(PadSide::right), "right");
  EXPECT_THROW(parse_pad_side("middle", "data.pad_side"), ConfigError);
}

TEST(PerDocument, ReferenceCodeLeavesPadsInLabels) {
  CutOptions o;
  o.max_length = 6;
  o.mask_padding_in_labels = false;  // WMDP reference: labels = ids, n(b) = L
  auto e = make_document_example({1}, {10, 11, 12}, {}, o, 2);
  EXPECT_EQ(e.input_ids, (V{1, 10, 11, 12, 2, 2}));
  EXPECT_EQ(e.labels, (V{1, 10, 11, 12, 2, 2}));
  EXPECT_EQ(e.attention_mask, (V{1, 1, 1, 1, 0, 0}));  // still 0 on pads, though pad = a real id
}

TEST(PerDocument, TruncationKeepsSpecialTokens) {
  CutOptions o;
  o.max_length = 5;
  // HF truncation=True: content cut to L - |BOS| - |EOS| = 3, then BOS/EOS added.
  auto e = make_document_example({1}, {10, 11, 12, 13, 14, 15}, {2}, o, 0);
  EXPECT_EQ(e.input_ids, (V{1, 10, 11, 12, 2}));
  EXPECT_EQ(e.labels, e.input_ids);
  EXPECT_EQ(e.attention_mask, (V{1, 1, 1, 1, 1}));
  // Exactly L tokens: no pad, no cut.
  auto f = make_document_example({}, {7, 8, 9}, {}, [] { CutOptions c; c.max_length = 3; return c; }(), 0);
  EXPECT_EQ(f.input_ids, (V{7, 8, 9}));
  // No room for the specials.
  o.max_length = 1;
  EXPECT_THROW(make_document_example({1}, {10}, {2}, o, 0), ConfigError);
}

TEST(PerDocument, WithoutPaddingKeepsOwnLength) {
  CutOptions o;
  o.max_length = 8;
  o.pad_to_max_length = false;
  auto e = make_document_example({1}, {10, 11}, {}, o, 2);
  EXPECT_EQ(e.input_ids, (V{1, 10, 11}));
  EXPECT_EQ(e.attention_mask, (V{1, 1, 1}));
}

// --- per_document through tokenizers ----------------------------------------------------------

TEST(PerDocument, MatchesHuggingFaceGolden) {
  const json g = read_json_file(fixture("data/golden_cuts.json"));
  int checked = 0;
  for (const auto& c : g["cases"]) {
    if (c["cut"] != "per_document") continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto tok = Tokenizer::from_file(fixture(c["tokenizer"].get<std::string>()));
    const auto docs = read_corpus(fixture(c["corpus"].get<std::string>()));
    for (bool masked : {true, false}) {
      CutOptions o;
      o.max_length = c["max_length"];
      o.pad_id = c["pad_id"].get<int32_t>();
      o.mask_padding_in_labels = masked;
      const auto ex = cut_per_document(docs, tok, o);
      ASSERT_EQ(ex.size(), c["input_ids"].size());
      for (size_t i = 0; i < ex.size(); ++i) {
        EXPECT_EQ(ex[i].input_ids, to64(c["input_ids"][i])) << "doc " << i;
        EXPECT_EQ(ex[i].attention_mask, to64(c["attention_mask"][i])) << "doc " << i;
        EXPECT_EQ(ex[i].labels, to64(c[masked ? "labels_masked" : "labels_unmasked"][i])) << "doc " << i;
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(PerDocument, AddSpecialTokensFollowsThePostProcessor) {
  const std::string doc = "Hello world";
  CutOptions o;
  o.max_length = 64;
  o.pad_id = 0;
  o.pad_to_max_length = false;
  // spm fixture: TemplateProcessing "<s> $A" -> BOS (id 1) first.
  auto with = cut_per_document({doc}, spm(), o);
  const auto full = spm().encode(doc, true);
  EXPECT_EQ(with[0].input_ids, V(full.begin(), full.end()));
  EXPECT_EQ(with[0].input_ids.front(), 1);
  o.add_special_tokens = false;
  auto without = cut_per_document({doc}, spm(), o);
  const auto plain = spm().encode(doc, false);
  EXPECT_EQ(without[0].input_ids, V(plain.begin(), plain.end()));
  // bytelevel fixture: no template, so both agree.
  o.add_special_tokens = true;
  EXPECT_EQ(cut_per_document({doc}, bytelevel(), o)[0].input_ids.size(), bytelevel().encode(doc, false).size());
}

TEST(PerDocument, ThreadedEncodingKeepsOrderAndIds) {
  // 300 distinct documents (> 64 per worker so several workers run): same examples, same order.
  std::vector<std::string> docs;
  for (int i = 0; i < 300; ++i) docs.push_back("document number " + std::to_string(i) + std::string(i % 7, '!'));
  CutOptions o;
  o.max_length = 12;
  o.pad_id = 0;
  o.threads = 1;
  const auto one = cut_per_document(docs, bytelevel(), o);
  o.threads = 4;
  const auto four = cut_per_document(docs, bytelevel(), o);
  ASSERT_EQ(one.size(), 300u);
  ASSERT_EQ(four.size(), 300u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].input_ids, four[i].input_ids) << i;
    const auto ids = bytelevel().encode(docs[i], false);
    EXPECT_EQ(one[i].input_ids[0], ids[0]) << i;
  }
}

TEST(PerDocument, PadIdDefaultsToPadThenEos) {
  CutOptions o;
  // Neither fixture's tokenizer.json names a pad or EOS token.
  EXPECT_THROW(resolve_pad_id(spm(), o), ConfigError);
  // With a tokenizer_config.json naming EOS only, pad = EOS (the reference code's choice).
  const auto dir = lethe::testing::scratch_dir();
  std::filesystem::copy_file(fixture("tokenizer/spm/tokenizer.json"), dir + "/tokenizer.json");
  std::ofstream(dir + "/tokenizer_config.json") << R"({"bos_token": "<s>", "eos_token": "</s>"})";
  const auto tok = Tokenizer::from_directory(dir);
  EXPECT_EQ(resolve_pad_id(tok, o), 2);
  std::ofstream(dir + "/tokenizer_config.json") << R"({"eos_token": "</s>", "pad_token": "<unk>"})";
  EXPECT_EQ(resolve_pad_id(Tokenizer::from_directory(dir), o), 0);
  o.pad_id = 7;
  EXPECT_EQ(resolve_pad_id(tok, o), 7);
}

// --- token_stream on ids ------------------------------------------------------------------------

TEST(TokenStream, ChunksWithBosAndWrapAroundAsMuseBench) {
  std::vector<int32_t> t = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};  // N = 10
  auto ex = chunk_token_stream(t, /*L=*/4, /*bos=*/1);
  ASSERT_EQ(ex.size(), 4u);  // ceil(10 / 3)
  EXPECT_EQ(ex[0].input_ids, (V{1, 10, 11, 12}));
  EXPECT_EQ(ex[1].input_ids, (V{1, 13, 14, 15}));
  EXPECT_EQ(ex[2].input_ids, (V{1, 16, 17, 18}));
  // [BOS, 19] + first chunk [BOS, 10, 11, 12], cut at 4.
  EXPECT_EQ(ex[3].input_ids, (V{1, 19, 1, 10}));
  for (const auto& e : ex) {
    EXPECT_EQ(e.labels, e.input_ids);
    EXPECT_EQ(e.attention_mask, (V{1, 1, 1, 1}));
  }
}

TEST(TokenStream, WrapWithoutBosUsesTheStream) {
  std::vector<int32_t> t = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  auto ex = chunk_token_stream(t, 4, 1, /*wrap_with_bos=*/false);
  EXPECT_EQ(ex[3].input_ids, (V{1, 19, 10, 11}));
}

TEST(TokenStream, ExactMultipleHasNoWrap) {
  std::vector<int32_t> t = {10, 11, 12, 13, 14, 15};
  auto ex = chunk_token_stream(t, 4, 1);
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[1].input_ids, (V{1, 13, 14, 15}));
}

TEST(TokenStream, LoneShortChunkRepeatsItself) {
  auto ex = chunk_token_stream({10}, 5, 1);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].input_ids, (V{1, 10, 1, 10, 1}));
  EXPECT_TRUE(chunk_token_stream({}, 5, 1).empty());
  EXPECT_THROW(chunk_token_stream({10}, 1, 1), ConfigError);
}

// --- token_stream through a tokenizer ---------------------------------------------------------

TEST(TokenStream, MatchesMuseBenchGolden) {
  const json g = read_json_file(fixture("data/golden_cuts.json"));
  int checked = 0;
  for (const auto& c : g["cases"]) {
    if (c["cut"] != "token_stream") continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto docs = read_corpus(fixture(c["corpus"].get<std::string>()));
    const int64_t L = c["max_length"];
    CutOptions o;
    o.max_length = L;
    o.bos_id = c["bos_id"].get<int32_t>();
    const auto ex = cut_token_stream(docs, bytelevel(), o);
    const int64_t n = c["n_tokens"];
    EXPECT_EQ(static_cast<int64_t>(ex.size()), (n + L - 2) / (L - 1));  // ceil(n / (L-1))
    ASSERT_EQ(ex.size(), c["input_ids"].size());
    for (size_t i = 0; i < ex.size(); ++i) {
      EXPECT_EQ(ex[i].input_ids, to64(c["input_ids"][i])) << "chunk " << i;
      EXPECT_EQ(ex[i].input_ids.front(), *o.bos_id);
      EXPECT_EQ(static_cast<int64_t>(ex[i].size()), L);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(TokenStream, JoinsDocumentsWithSeparator) {
  CutOptions o;
  o.max_length = 1000;
  o.bos_id = 1;
  const auto ex = cut_token_stream({"one", "two"}, bytelevel(), o);
  const auto ids = bytelevel().encode("one\n\ntwo", false);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(V(ex[0].input_ids.begin() + 1, ex[0].input_ids.begin() + 1 + ids.size()), V(ids.begin(), ids.end()));
  o.separator = " | ";
  const auto ex2 = cut_token_stream({"one", "two"}, bytelevel(), o);
  const auto ids2 = bytelevel().encode("one | two", false);
  EXPECT_EQ(V(ex2[0].input_ids.begin() + 1, ex2[0].input_ids.begin() + 1 + ids2.size()), V(ids2.begin(), ids2.end()));
  // No BOS known and none given.
  o.bos_id.reset();
  EXPECT_THROW(cut_token_stream({"x"}, bytelevel(), o), ConfigError);
}

TEST(CutMode, Parses) {
  EXPECT_EQ(parse_cut_mode("token_stream"), CutMode::token_stream);
  EXPECT_STREQ(to_string(CutMode::per_document), "per_document");
  try {
    parse_cut_mode("chunks", "data.cut");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("data.cut"), std::string::npos);
  }
}

// Pipeline stages on hand-computed cases: split behaviours, unicode helpers, the byte table,
// added-token flags, decoders, from_directory and special_tokens_config.
#include <gtest/gtest.h>

#include <fstream>
#include <tuple>

#include "lethe/tokenizer/pre_tokenizers.h"
#include "lethe/tokenizer/tokenizer.h"
#include "lethe/tokenizer/unicode.h"
#include "test_paths.h"

using namespace lethe::tok;
using lethe::json;
using lethe::Tokenizer;

TEST(TokenizerComponents, SplitBehaviours) {
  // "a-b--c" split on "-": matches at [1,2), [3,4), [4,5).
  std::vector<std::tuple<size_t, size_t, bool>> m = {
      {0, 1, false}, {1, 2, true}, {2, 3, false}, {3, 4, true}, {4, 5, true}, {5, 6, false}};
  using R = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(apply_split_behavior(m, SplitBehavior::Removed), R({{0, 1}, {2, 3}, {5, 6}}));
  EXPECT_EQ(apply_split_behavior(m, SplitBehavior::Isolated), R({{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}}));
  EXPECT_EQ(apply_split_behavior(m, SplitBehavior::MergedWithPrevious), R({{0, 2}, {2, 4}, {4, 5}, {5, 6}}));
  EXPECT_EQ(apply_split_behavior(m, SplitBehavior::MergedWithNext), R({{0, 1}, {1, 3}, {3, 4}, {4, 6}}));
  EXPECT_EQ(apply_split_behavior(m, SplitBehavior::Contiguous), R({{0, 1}, {1, 2}, {2, 3}, {3, 5}, {5, 6}}));
}

TEST(TokenizerComponents, UnicodeHelpers) {
  EXPECT_EQ(unicode_normalize("cafe\xCC\x81", "NFC"), "caf\xC3\xA9");
  EXPECT_EQ(unicode_normalize("\xEF\xAC\x81", "NFKC"), "fi");
  EXPECT_EQ(unicode_lowercase("\xC4\xB0Stanbul"), "i\xCC\x87stanbul");
  EXPECT_EQ(utf8_lossy("a\xFF" "b\xE2\x82"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(bytes_to_chars(" "), "\xC4\xA0");  // GPT-2 maps space to U+0120 'Ġ'
  for (int b = 0; b < 256; ++b) EXPECT_EQ(char_to_byte(byte_to_char()[b]), b);
  Regex re(kLlama3Regex, "test");
  auto m = re.find_all("I'LL don't  123456");
  std::vector<std::string> parts;
  std::string s = "I'LL don't  123456";
  for (auto [b, e] : m) parts.push_back(s.substr(b, e - b));
  EXPECT_EQ(parts, std::vector<std::string>({"I", "'LL", " don", "'t", " ", " ", "123", "456"}));
}

namespace {
Tokenizer tiny(const json& extra) {
  json j = json::parse(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, " ": 2, "ab": 3, "<x>": 4,
      "[s]": 5, "\u2581": 6, "\u2581a": 7}, "merges": ["a b", "\u2581 a"]}})");
  j.update(extra);
  return Tokenizer::from_json(j, "tiny");
}
}  // namespace

TEST(TokenizerComponents, AddedTokenFlags) {
  auto t = tiny(json::parse(R"({"added_tokens": [
      {"id": 4, "content": "<x>", "lstrip": true, "rstrip": true, "special": true, "normalized": false},
      {"id": 5, "content": "[s]", "single_word": true, "special": false, "normalized": false}]})"));
  // lstrip/rstrip swallow the spaces around <x>.
  EXPECT_EQ(t.encode("ab <x> ab"), std::vector<int32_t>({3, 4, 3}));
  // single_word: [s] inside a word is not a token.
  EXPECT_EQ(t.encode("a [s] b"), std::vector<int32_t>({0, 2, 5, 2, 1}));
  // Inside a word it is not matched; its characters are not in the vocab and there is no
  // unk_token, so they are dropped (as HF does) and "a" "b" merge.
  EXPECT_EQ(t.encode("a[s]b"), std::vector<int32_t>({3}));
  EXPECT_TRUE(t.is_special(4));
  EXPECT_FALSE(t.is_special(5));
  EXPECT_EQ(t.decode({3, 4, 3}, true), "ab ab");  // no decoder: tokens joined by spaces
}

TEST(TokenizerComponents, MetaspaceFirstAndDecoder) {
  auto t = tiny(json::parse(R"({"pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581",
      "prepend_scheme": "first", "split": false},
      "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": false},
      "added_tokens": [{"id": 4, "content": "<x>", "special": true, "normalized": false}]})"));
  EXPECT_EQ(t.encode("a b"), std::vector<int32_t>({7, 6, 1}));
  EXPECT_EQ(t.encode("<x>a"), std::vector<int32_t>({4, 0}));  // not at the start: no prefix
  EXPECT_EQ(t.decode({7, 6, 1}), "a b");
}

TEST(TokenizerComponents, DirectoryConfig) {
  std::string dir = lethe::testing::scratch_dir();
  lethe::write_json_file(dir + "/tokenizer.json", tiny(json::object()).to_json());
  std::ofstream(dir + "/tokenizer_config.json")
      << R"({"bos_token": {"content": "<x>"}, "eos_token": "[s]", "pad_token": "[s]", "add_bos_token": false,
            "chat_template": "{{ x }}", "model_max_length": 2048})";
  auto t = Tokenizer::from_directory(dir);
  EXPECT_EQ(t.bos_id(), 4);
  EXPECT_EQ(t.eos_id(), 5);
  EXPECT_EQ(t.pad_id(), 5);
  EXPECT_EQ(t.chat_template(), "{{ x }}");
  auto c = t.special_tokens_config();
  EXPECT_EQ(c["bos_token"], "<x>");
  EXPECT_EQ(c["add_bos_token"], false);
  EXPECT_EQ(c["model_max_length"], 2048);
  EXPECT_EQ(t.vocab_size(), 8u);
  EXPECT_EQ(t.token_to_id("ab"), 3);
  EXPECT_EQ(t.id_to_token(3), "ab");
  EXPECT_EQ(t.id_to_token(99), "");
}

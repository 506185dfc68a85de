// Real tokenizers against HF golden ids over a larger corpus (opt-in, label "slow"). Data is
// written by tools/make_tokenizer_fixtures.py to $LETHE_TOKENIZER_SLOW_DIR (default
// /tmp/lethe-tokenizer-slow), never committed; each test skips when its files are absent.
// Prints the number of corpus lines with identical ids; every line must match.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "golden.h"

using lethe::Tokenizer;
using namespace lethe::testing;

namespace {

std::string slow_dir() {
  const char* d = std::getenv("LETHE_TOKENIZER_SLOW_DIR");
  return d ? d : "/tmp/lethe-tokenizer-slow";
}

void check(const std::string& name, const Tokenizer& t, const std::string& golden) {
  auto t0 = std::chrono::steady_clock::now();
  auto s = score_golden(t, load_golden(golden));
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[" << name << "] identical ids " << s.ids_equal << "/" << s.total << ", without specials "
            << s.plain_equal << "/" << s.total << ", decode " << s.decode_equal << "/" << s.total
            << ", decode(skip special) " << s.decode_skip_equal << "/" << s.total << " (" << sec << " s)\n";
  expect_all_equal(s);
}

void check_json(const std::string& name) {
  std::string tj = slow_dir() + "/" + name + "/tokenizer.json", golden = slow_dir() + "/golden_" + name + ".json";
  if (!lethe::file_exists(tj) || !lethe::file_exists(golden))
    GTEST_SKIP() << tj << " absent: run tools/make_tokenizer_fixtures.py";
  check(name, Tokenizer::from_file(tj), golden);
}

}  // namespace

TEST(SlowRealTokenizers, SmolLM2) { check_json("smollm2"); }
TEST(SlowRealTokenizers, Mistral) { check_json("mistral"); }
TEST(SlowRealTokenizers, Llama3) { check_json("llama3"); }
TEST(SlowRealTokenizers, Qwen3) { check_json("qwen3"); }

// SmolLM2's GGUF vocabulary through from_gguf_vocab against transformers'
// AutoTokenizer.from_pretrained(dir, gguf_file=...). transformers 4.44 adds <|im_start|> as BOS
// to every encoding (LlamaTokenizerFast defaults add_bos_token=True and ignores the GGUF's
// add_bos_token=false), which llama.cpp and SmolLM2's own tokenizer.json do not: ids are
// compared without special tokens, and decodes of those ids.
TEST(SlowRealTokenizers, SmolLM2GgufVocab) {
  std::string vj = slow_dir() + "/smollm2_gguf_vocab.json", golden = slow_dir() + "/golden_smollm2_gguf.json";
  if (!lethe::file_exists(vj) || !lethe::file_exists(golden))
    GTEST_SKIP() << vj << " absent: run tools/make_tokenizer_fixtures.py";
  auto t = Tokenizer::from_gguf_vocab(load_gguf_vocab_json(vj));
  EXPECT_EQ(t.vocab_size(), 49152u);
  size_t same = 0, same_decode = 0, n = 0;
  for (const auto& c : load_golden(golden)) {
    ++n;
    bool ok = t.encode(c.text, false) == c.ids_plain;
    same += ok;
    same_decode += t.decode(c.ids_plain) == t.decode(t.encode(c.text, false)) && t.decode(c.ids_plain) == c.text;
    if (!ok) ADD_FAILURE() << "ids differ for: " << c.text.substr(0, 80);
  }
  std::cout << "[smollm2 gguf] identical ids (no specials) " << same << "/" << n << ", decode==text " << same_decode
            << "/" << n << "\n";
  EXPECT_EQ(same, n);
  auto roundtrip = Tokenizer::from_json(t.to_json(), "to_json");
  EXPECT_EQ(roundtrip.encode("Hello world <|im_start|> x"), t.encode("Hello world <|im_start|> x"));
}

// Shared helpers for the tokenizer tests: golden-file cases and GGUF vocab JSON dumps.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lethe/core/files.h"
#include "lethe/tokenizer/gguf_vocab.h"
#include "lethe/tokenizer/tokenizer.h"

namespace lethe::testing {

struct GoldenCase {
  std::string text, decoded, decoded_skip;
  std::vector<int32_t> ids, ids_plain;
};

inline std::vector<GoldenCase> load_golden(const std::string& path) {
  json j = read_json_file(path);
  std::vector<GoldenCase> out;
  for (const auto& c : j.at("cases"))
    out.push_back({c.at("text"), c.at("decoded"), c.at("decoded_skip"), c.at("ids").get<std::vector<int32_t>>(),
                   c.at("ids_plain").get<std::vector<int32_t>>()});
  return out;
}

// Reads a GgufVocab from the JSON the fixture script writes (same field names, null = absent).
inline GgufVocab load_gguf_vocab_json(const std::string& path) {
  json j = read_json_file(path);
  GgufVocab v;
  v.model = j.value("model", "");
  v.pre = j.contains("pre") && j["pre"].is_string() ? j["pre"].get<std::string>() : "";
  v.tokens = j.at("tokens").get<std::vector<std::string>>();
  if (j.contains("scores")) v.scores = j["scores"].get<std::vector<float>>();
  if (j.contains("token_types")) v.token_types = j["token_types"].get<std::vector<int32_t>>();
  if (j.contains("merges")) v.merges = j["merges"].get<std::vector<std::string>>();
  auto opt_id = [&](const char* k) -> std::optional<int64_t> {
    if (j.contains(k) && j[k].is_number_integer()) return j[k].get<int64_t>();
    return std::nullopt;
  };
  auto opt_bool = [&](const char* k) -> std::optional<bool> {
    if (j.contains(k) && j[k].is_boolean()) return j[k].get<bool>();
    return std::nullopt;
  };
  v.bos_id = opt_id("bos_id");
  v.eos_id = opt_id("eos_id");
  v.unk_id = opt_id("unk_id");
  v.pad_id = opt_id("pad_id");
  v.add_bos = opt_bool("add_bos");
  v.add_eos = opt_bool("add_eos");
  v.add_space_prefix = opt_bool("add_space_prefix");
  if (j.contains("chat_template") && j["chat_template"].is_string()) v.chat_template = j["chat_template"];
  return v;
}

// Result of comparing a tokenizer with a golden file.
struct GoldenScore {
  size_t total = 0, ids_equal = 0, plain_equal = 0, decode_equal = 0, decode_skip_equal = 0;
  std::vector<std::string> first_failures;
};

inline GoldenScore score_golden(const Tokenizer& t, const std::vector<GoldenCase>& cases) {
  GoldenScore s;
  for (const auto& c : cases) {
    ++s.total;
    auto ids = t.encode(c.text);
    bool ok = ids == c.ids;
    s.ids_equal += ok;
    s.plain_equal += t.encode(c.text, false) == c.ids_plain;
    s.decode_equal += t.decode(c.ids) == c.decoded;
    s.decode_skip_equal += t.decode(c.ids, true) == c.decoded_skip;
    if (!ok && s.first_failures.size() < 5) s.first_failures.push_back(c.text.substr(0, 80));
  }
  return s;
}

inline void expect_all_equal(const GoldenScore& s) {
  EXPECT_EQ(s.ids_equal, s.total);
  EXPECT_EQ(s.plain_equal, s.total);
  EXPECT_EQ(s.decode_equal, s.total);
  EXPECT_EQ(s.decode_skip_equal, s.total);
  for (const auto& f : s.first_failures) ADD_FAILURE() << "ids differ for: " << f;
}

}  // namespace lethe::testing

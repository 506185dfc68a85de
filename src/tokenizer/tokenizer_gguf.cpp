// Tokenizer::from_gguf_vocab: the tokenizer.json pipeline a GGUF vocabulary stands for.
//   gpt2 : byte-level BPE; pre-tokenizer regex from tokenizer.ggml.pre as llama.cpp chooses it.
//   llama: SentencePiece as HF transformers 4.44 converts it (integrations/ggml.py,
//          GGUFLlamaConverter): BPE(byte_fallback, fuse_unk) whose merges are derived from the
//          scores, normalizer Prepend("▁") + Replace(" ", "▁"), BOS template.
#include <algorithm>
#include <unordered_map>

#include "lethe/core/error.h"
#include "lethe/tokenizer/pre_tokenizers.h"
#include "lethe/tokenizer/tokenizer.h"
#include "lethe/tokenizer/unicode.h"
#include "tokenizer_impl.h"

namespace lethe {
namespace {

const char* kOrigin = "GGUF vocabulary";
const char* kSpace = "\xE2\x96\x81";  // U+2581

json split_regex(const char* re) {
  return {{"type", "Split"}, {"pattern", {{"Regex", re}}}, {"behavior", "Isolated"}, {"invert", false}};
}
json byte_level(bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", use_regex}};
}

// The pre-tokenizer and normalizer for a gpt2 vocabulary's `pre` (llama.cpp llm_tokenizer_bpe).
void gpt2_pre(const std::string& pre, json& j, bool& ignore_merges) {
  static const char* gpt2_like[] = {"gpt2", "smollm", "default", "gpt-2", "phi-2", "jina-es", "jina-de",
                                    "jina-v2-es", "jina-v2-de", "jina-v2-code", "starcoder", "refact",
                                    "command-r", "olmo", "smaug-bpe", "codeshell", "exaone", "minerva-7b"};
  for (const char* name : gpt2_like)
    if (pre == name) { j["pre_tokenizer"] = byte_level(true); return; }
  if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3" || pre == "dbrx") {
    j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {split_regex(tok::kLlama3Regex), byte_level(false)}}};
    ignore_merges = true;
    return;
  }
  if (pre == "qwen2" || pre == "deepseek-r1-qwen") {
    j["normalizer"] = {{"type", "NFC"}};
    j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {split_regex(tok::kQwen2Regex), byte_level(false)}}};
    return;
  }
  throw FormatError(kOrigin, "unsupported tokenizer.ggml.pre '" + pre +
                                 "' (known: gpt2, smollm, default, llama-bpe, llama3, qwen2, ...)");
}

// transformers' GGUFTokenizerSkeleton: merges derived from scores. For every token (first
// occurrence order, score of its last occurrence), each split into two known pieces l|r (by
// code point) is a merge; a token's merges sort by (score(l), score(r)) descending, then all
// merges by the token's score descending (both sorts stable).
json merges_from_scores(const GgufVocab& v) {
  std::unordered_map<std::string, float> score;
  std::vector<std::string> order;
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (!score.count(v.tokens[i])) order.push_back(v.tokens[i]);
    score[v.tokens[i]] = v.scores[i];
  }
  struct M { const std::string* l; std::string r; std::string lstr; float s; };
  std::vector<std::pair<std::pair<std::string, std::string>, float>> all;
  for (const auto& tok : order) {
    std::vector<std::pair<std::pair<std::string, std::string>, float>> local;
    int len = 1;
    for (size_t i = 0; i < tok.size(); i += len) {
      tok::utf8_decode(tok, i, &len);
      if (i == 0) continue;
      std::string l = tok.substr(0, i), r = tok.substr(i);
      if (score.count(l) && score.count(r)) local.push_back({{l, r}, score[tok]});
    }
    std::stable_sort(local.begin(), local.end(), [&](const auto& a, const auto& b) {
      float a0 = score[a.first.first], b0 = score[b.first.first];
      if (a0 != b0) return a0 > b0;
      return score[a.first.second] > score[b.first.second];
    });
    all.insert(all.end(), local.begin(), local.end());
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  json merges = json::array();
  for (const auto& m : all) merges.push_back(json::array({m.first.first, m.first.second}));
  return merges;
}

json template_processor(const GgufVocab& v, bool bos, bool eos) {
  json single = json::array(), specials = json::object();
  auto add = [&](int64_t id) {
    const std::string& name = v.tokens.at(id);
    single.push_back({{"SpecialToken", {{"id", name}, {"type_id", 0}}}});
    specials[name] = {{"id", name}, {"ids", {id}}, {"tokens", {name}}};
  };
  if (bos) add(*v.bos_id);
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  if (eos) add(*v.eos_id);
  json pair = single;
  return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

}  // namespace

Tokenizer Tokenizer::from_gguf_vocab(const GgufVocab& v) {
  check_format(!v.tokens.empty(), kOrigin, "tokenizer.ggml.tokens is missing or empty");
  const int64_t n = static_cast<int64_t>(v.tokens.size());
  for (auto id : {v.bos_id, v.eos_id, v.unk_id, v.pad_id})
    check_format(!id || (*id >= 0 && *id < n), kOrigin, "a special token id is outside the vocabulary");
  check_format(v.token_types.empty() || v.token_types.size() == v.tokens.size(), kOrigin,
               "tokenizer.ggml.token_type has a different length than tokenizer.ggml.tokens");
  json j = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"normalizer", nullptr},
            {"pre_tokenizer", nullptr}, {"post_processor", nullptr}, {"decoder", nullptr}};
  json vocab = json::object();
  for (int64_t i = 0; i < n; ++i) vocab[v.tokens[i]] = i;  // a repeated token keeps its last id
  json model = {{"type", "BPE"}, {"dropout", nullptr}, {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", nullptr}, {"vocab", vocab}};
  bool add_bos = false, add_eos = false;
  json added = json::array();
  auto add_token = [&](int64_t id, bool special) {
    added.push_back({{"id", id}, {"content", v.tokens[id]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", special}});
  };
  if (v.model == "gpt2") {
    bool ignore_merges = false;
    gpt2_pre(v.pre, j, ignore_merges);
    check_format(!v.merges.empty(), kOrigin, "tokenizer.ggml.merges is missing for a gpt2 vocabulary");
    model["merges"] = v.merges;
    model["unk_token"] = nullptr;
    model["fuse_unk"] = false;
    model["byte_fallback"] = false;
    model["ignore_merges"] = ignore_merges;
    for (int64_t i = 0; i < n; ++i) {
      int32_t t = v.token_types.empty() ? 1 : v.token_types[i];
      if (t == 3 || t == 4) add_token(i, t == 3);  // control: special; user-defined: never split
    }
    add_bos = v.add_bos.value_or(false) && v.bos_id;
    add_eos = v.add_eos.value_or(false) && v.eos_id;
    j["decoder"] = byte_level(true);
    j["post_processor"] = (add_bos || add_eos) ? template_processor(v, add_bos, add_eos) : byte_level(true);
  } else if (v.model == "llama") {
    check_format(v.scores.size() == v.tokens.size(), kOrigin,
                 "tokenizer.ggml.scores is missing or has a different length than the tokens (llama vocabulary)");
    model["merges"] = merges_from_scores(v);
    model["unk_token"] = v.unk_id ? json(v.tokens[*v.unk_id]) : json(nullptr);
    model["fuse_unk"] = true;
    model["byte_fallback"] = true;
    model["ignore_merges"] = false;
    if (v.token_types.empty()) {
      for (auto id : {v.unk_id, v.bos_id, v.eos_id}) if (id) add_token(*id, true);
    } else {
      for (int64_t i = 0; i < n; ++i) if (v.token_types[i] == 3) add_token(i, true);
    }
    bool prefix = v.add_space_prefix.value_or(true);
    json norm = json::array();
    if (prefix) norm.push_back({{"type", "Prepend"}, {"prepend", kSpace}});
    norm.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}});
    j["normalizer"] = {{"type", "Sequence"}, {"normalizers", norm}};
    json dec = json::array({{{"type", "ByteFallback"}}, {{"type", "Fuse"}},
                            {{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}}});
    if (prefix) dec.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    j["decoder"] = {{"type", "Sequence"}, {"decoders", dec}};
    add_bos = v.add_bos.value_or(true) && v.bos_id;
    add_eos = v.add_eos.value_or(false) && v.eos_id;
    if (add_bos || add_eos) j["post_processor"] = template_processor(v, add_bos, add_eos);
  } else {
    throw FormatError(kOrigin, "unsupported tokenizer.ggml.model '" + v.model + "' (supported: gpt2, llama)");
  }
  j["model"] = std::move(model);
  j["added_tokens"] = std::move(added);
  Tokenizer t = from_json(j, kOrigin);
  auto impl = std::const_pointer_cast<Impl>(t.impl_);
  if (v.bos_id) impl->bos_token = v.tokens[*v.bos_id];
  if (v.eos_id) impl->eos_token = v.tokens[*v.eos_id];
  if (v.pad_id) impl->pad_token = v.tokens[*v.pad_id];
  if (v.unk_id) impl->unk_token = v.tokens[*v.unk_id];
  impl->add_bos_token = add_bos;
  impl->add_eos_token = add_eos;
  impl->chat_template = v.chat_template;
  return t;
}

}  // namespace lethe

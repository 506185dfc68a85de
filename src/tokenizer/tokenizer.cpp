// lethe::Tokenizer: loading tokenizer.json / a HF directory, encode, decode, vocabulary queries.
#include "lethe/tokenizer/tokenizer.h"

#include <algorithm>

#include "lethe/core/error.h"
#include "lethe/tokenizer/unicode.h"
#include "tokenizer_impl.h"

namespace lethe {

Tokenizer Tokenizer::from_file(const std::string& path) {
  json j = read_json_file(path);
  return from_json(j, path);
}

Tokenizer Tokenizer::from_json(const json& j, const std::string& origin) {
  auto impl = std::make_shared<Impl>();
  impl->origin = origin;
  check_format(j.is_object(), origin, "tokenizer.json is not a JSON object");
  check_format(j.contains("model") && j["model"].is_object(), origin, "no \"model\" object");
  const json& m = j["model"];
  std::string type = m.value("type", std::string("BPE"));
  if (!m.contains("type") && !m.contains("merges")) type = "?";
  check_format(type == "BPE", origin, "unsupported model type '" + type + "' (only BPE is implemented)");
  impl->model = std::make_unique<tok::BpeModel>(m, origin);
  auto get = [&](const char* k) { return j.contains(k) ? j[k] : json(nullptr); };
  impl->normalizer = tok::make_normalizer(get("normalizer"), origin);
  impl->pre_tokenizer = tok::make_pre_tokenizer(get("pre_tokenizer"), origin);
  impl->post_processor = tok::make_post_processor(get("post_processor"), origin);
  impl->decoder = tok::make_decoder(get("decoder"), origin);
  std::vector<tok::AddedToken> added;
  if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
    for (const auto& a : j["added_tokens"]) {
      check_format(a.contains("id") && a.contains("content"), origin, "added token without id/content");
      tok::AddedToken t;
      t.id = a["id"].get<int32_t>();
      t.content = a["content"].get<std::string>();
      t.single_word = a.value("single_word", false);
      t.lstrip = a.value("lstrip", false);
      t.rstrip = a.value("rstrip", false);
      t.special = a.value("special", false);
      t.normalized = a.value("normalized", !t.special);
      added.push_back(std::move(t));
    }
  }
  impl->added = tok::AddedVocabulary(std::move(added), impl->normalizer.get());
  impl->config = j;
  impl->config["model"].erase("vocab");
  impl->config["model"].erase("merges");
  if (m.contains("unk_token") && m["unk_token"].is_string()) impl->unk_token = m["unk_token"].get<std::string>();
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_directory(const std::string& dir) {
  const std::string tj = join_path(dir, "tokenizer.json");
  check_format(file_exists(tj), tj, "missing (expected a Hugging Face tokenizer.json)");
  Tokenizer t = from_file(tj);
  const std::string cj = join_path(dir, "tokenizer_config.json");
  if (!file_exists(cj)) return t;
  json c = read_json_file(cj);
  auto impl = std::const_pointer_cast<Impl>(t.impl_);
  auto token = [&](const char* k) -> std::optional<std::string> {
    if (!c.contains(k)) return std::nullopt;
    if (c[k].is_string()) return c[k].get<std::string>();
    if (c[k].is_object() && c[k].contains("content")) return c[k]["content"].get<std::string>();
    return std::nullopt;
  };
  if (auto v = token("bos_token")) impl->bos_token = v;
  if (auto v = token("eos_token")) impl->eos_token = v;
  if (auto v = token("pad_token")) impl->pad_token = v;
  if (auto v = token("unk_token")) impl->unk_token = v;
  if (c.contains("add_bos_token") && c["add_bos_token"].is_boolean()) impl->add_bos_token = c["add_bos_token"].get<bool>();
  if (c.contains("add_eos_token") && c["add_eos_token"].is_boolean()) impl->add_eos_token = c["add_eos_token"].get<bool>();
  if (c.contains("chat_template") && c["chat_template"].is_string()) impl->chat_template = c["chat_template"].get<std::string>();
  if (c.contains("model_max_length") && c["model_max_length"].is_number_integer())
    impl->model_max_length = c["model_max_length"].get<int64_t>();
  return t;
}

std::vector<int32_t> Tokenizer::encode(const std::string& input, bool add_special_tokens) const {
  const Impl& I = *impl_;
  std::vector<tok::Piece> pieces;
  if (!input.empty()) pieces.push_back({tok::utf8_valid(input) ? input : tok::utf8_lossy(input), -1, true});
  // HF AddedVocabulary::extract_and_normalize: raw added tokens, normalize, normalized ones.
  I.added.split(pieces, false);
  if (I.normalizer)
    for (auto& p : pieces) if (p.id < 0) I.normalizer->normalize(p.text);
  I.added.split(pieces, true);
  if (I.pre_tokenizer) I.pre_tokenizer->pre_tokenize(pieces);
  std::vector<int32_t> ids;
  ids.reserve(input.size() / 3 + 4);
  for (const auto& p : pieces) {
    if (p.id >= 0) ids.push_back(p.id);
    else I.model->tokenize(p.text, ids);
  }
  if (add_special_tokens && I.post_processor) I.post_processor->process(ids);
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& I = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (const auto* a = I.added.by_id(id)) {
      if (!(skip_special_tokens && a->special)) tokens.push_back(a->content);
      continue;
    }
    const std::string& t = I.model->id_to_token(id);
    if (!t.empty()) tokens.push_back(t);
  }
  if (!I.decoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  I.decoder->decode_chain(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(const std::string& token) const {
  if (auto id = impl_->added.token_to_id(token)) return id;
  return impl_->model->token_to_id(token);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  if (const auto* a = impl_->added.by_id(id)) return a->content;
  return impl_->model->id_to_token(id);
}

size_t Tokenizer::vocab_size() const {
  size_t n = impl_->model->vocab_size();
  for (const auto& a : impl_->added.tokens()) n = std::max(n, static_cast<size_t>(a.id) + 1);
  return n;
}

bool Tokenizer::is_special(int32_t id) const {
  const auto* a = impl_->added.by_id(id);
  return a && a->special;
}

std::optional<int32_t> Tokenizer::bos_id() const {
  if (impl_->bos_token) return token_to_id(*impl_->bos_token);
  if (impl_->post_processor) {
    auto pre = impl_->post_processor->prefix_ids();
    if (!pre.empty()) return pre.front();
  }
  return std::nullopt;
}

std::optional<int32_t> Tokenizer::eos_id() const {
  if (impl_->eos_token) return token_to_id(*impl_->eos_token);
  if (impl_->post_processor) {
    auto post = impl_->post_processor->suffix_ids();
    if (!post.empty()) return post.back();
  }
  return std::nullopt;
}

std::optional<int32_t> Tokenizer::pad_id() const {
  return impl_->pad_token ? token_to_id(*impl_->pad_token) : std::nullopt;
}

std::optional<int32_t> Tokenizer::unk_id() const {
  return impl_->unk_token ? token_to_id(*impl_->unk_token) : std::nullopt;
}

bool Tokenizer::adds_bos() const {
  auto b = bos_id();
  auto pre = impl_->post_processor ? impl_->post_processor->prefix_ids() : std::vector<int32_t>{};
  return b && !pre.empty() && pre.front() == *b;
}

bool Tokenizer::adds_eos() const {
  auto e = eos_id();
  auto post = impl_->post_processor ? impl_->post_processor->suffix_ids() : std::vector<int32_t>{};
  return e && !post.empty() && post.back() == *e;
}

const std::string& Tokenizer::chat_template() const { return impl_->chat_template; }

json Tokenizer::to_json() const {
  json j = impl_->config;
  j["model"] = impl_->model->to_json();
  json added = json::array();
  for (const auto& a : impl_->added.tokens()) added.push_back(a.to_json());
  j["added_tokens"] = added;
  if (!j.contains("version")) j["version"] = "1.0";
  for (const char* k : {"truncation", "padding", "normalizer", "pre_tokenizer", "post_processor", "decoder"})
    if (!j.contains(k)) j[k] = nullptr;
  return j;
}

json Tokenizer::special_tokens_config() const {
  const Impl& I = *impl_;
  json c = json::object();
  auto name = [&](const std::optional<std::string>& tokname, std::optional<int32_t> id) -> json {
    if (tokname) return *tokname;
    if (id) return id_to_token(*id);
    return nullptr;
  };
  c["bos_token"] = name(I.bos_token, bos_id());
  c["eos_token"] = name(I.eos_token, eos_id());
  c["pad_token"] = name(I.pad_token, std::nullopt);
  c["unk_token"] = name(I.unk_token, std::nullopt);
  c["add_bos_token"] = I.add_bos_token.value_or(adds_bos());
  c["add_eos_token"] = I.add_eos_token.value_or(adds_eos());
  if (!I.chat_template.empty()) c["chat_template"] = I.chat_template;
  if (I.model_max_length) c["model_max_length"] = *I.model_max_length;
  return c;
}

}  // namespace lethe

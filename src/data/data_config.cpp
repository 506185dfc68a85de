#include "lethe/data/data_config.h"

#include <algorithm>
#include <map>

#include "lethe/core/error.h"

namespace lethe::data {
namespace {

// One corpus entry: a path, or a mapping {path, format, text_field, max_length, min_chars};
// `where` names it in errors ("data.forget[1]").
CorpusSource source(const json& item, const std::string& where);

// Every accepted key -> its canonical name (the recipe's).
const std::map<std::string, std::string>& key_table() {
  static const std::map<std::string, std::string> t = {
      {"forget", "forget"}, {"forget_paths", "forget"},
      {"retain", "retain"}, {"retain_paths", "retain"},
      {"train", "train"}, {"train_paths", "train"},
      {"format", "format"},
      {"text_field", "text_field"}, {"field", "text_field"},
      {"split_blank_lines", "split_blank_lines"},
      {"min_chars", "min_chars"},
      {"cut", "cut"}, {"mode", "cut"},
      {"max_length", "max_length"},
      {"add_bos", "add_bos"}, {"add_special_tokens", "add_bos"},
      {"pad_to_max_length", "pad_to_max_length"},
      {"mask_padding", "mask_padding"}, {"mask_padding_in_labels", "mask_padding"},
      {"pad", "pad"},
      {"pad_side", "pad_side"},
      {"bos_id", "bos_id"},
      {"separator", "separator"},
      {"wrap_with_bos", "wrap_with_bos"},
      {"pairing", "pairing"},
      {"shuffle", "shuffle"},
      {"seed", "seed"},
      {"forget_mix", "forget_mix"},
      {"max_examples", "max_examples"}, {"max_forget_examples", "max_examples"},
      {"max_retain_examples", "max_retain_examples"},
  };
  return t;
}

struct Reader {
  std::map<std::string, std::pair<std::string, json>> values;  // canonical -> (key as written, value)
  std::string prefix;

  std::string name(const std::string& canonical) const {
    auto it = values.find(canonical);
    return prefix + "." + (it == values.end() ? canonical : it->second.first);
  }
  const json* find(const std::string& canonical) const {
    auto it = values.find(canonical);
    return it == values.end() ? nullptr : &it->second.second;
  }
  [[noreturn]] void bad(const std::string& canonical, const std::string& want) const {
    throw ConfigError(name(canonical) + ": expected " + want + ", got " + find(canonical)->dump());
  }
  void get(const std::string& k, bool& out) const {
    if (const json* v = find(k)) {
      if (!v->is_boolean()) bad(k, "true or false");
      out = v->get<bool>();
    }
  }
  void get(const std::string& k, std::string& out) const {
    if (const json* v = find(k)) {
      if (!v->is_string()) bad(k, "a string");
      out = v->get<std::string>();
    }
  }
  void get_int(const std::string& k, int64_t& out, int64_t min) const {
    if (const json* v = find(k)) {
      if (!v->is_number_integer()) bad(k, "an integer");
      if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) bad(k, "a smaller integer");
      out = v->get<int64_t>();
      if (out < min) bad(k, "an integer >= " + std::to_string(min));
    }
  }
  void get_sources(const std::string& k, std::vector<CorpusSource>& out) const {
    const json* v = find(k);
    if (!v) return;
    out.clear();
    if (v->is_null()) return;
    if (v->is_string()) {
      if (!v->get<std::string>().empty()) out.emplace_back(v->get<std::string>());
      return;
    }
    if (!v->is_array()) bad(k, "a file path or a list of file paths / {path: ...} entries");
    for (size_t i = 0; i < v->size(); ++i) out.push_back(source((*v)[i], name(k) + "[" + std::to_string(i) + "]"));
  }
};

// An integer written as a JSON integer or as a string of digits (a YAML scalar).
int64_t entry_int(const json& v, const std::string& key, int64_t min) {
  int64_t out = 0;
  bool ok = false;
  if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
    out = v.get<int64_t>();
    ok = true;
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    size_t pos = 0;
    try {
      out = std::stoll(s, &pos);
      ok = pos == s.size();
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) throw ConfigError(key + ": expected an integer, got " + v.dump());
  if (out < min) throw ConfigError(key + ": expected an integer >= " + std::to_string(min) + ", got " + v.dump());
  return out;
}

std::string entry_string(const json& v, const std::string& key) {
  if (!v.is_string() || v.get<std::string>().empty()) throw ConfigError(key + ": expected a non-empty string, got " + v.dump());
  return v.get<std::string>();
}

const char* const kEntryKeys = "path, format, text_field, max_length, min_chars";

CorpusSource source(const json& item, const std::string& where) {
  if (item.is_string()) {
    if (item.get<std::string>().empty()) throw ConfigError(where + ": empty file path");
    return CorpusSource(item.get<std::string>());
  }
  if (!item.is_object())
    throw ConfigError(where + ": expected a file path or a mapping {" + kEntryKeys + "}, got " + item.dump());
  CorpusSource out;
  for (auto it = item.begin(); it != item.end(); ++it) {
    const std::string key = where + "." + it.key();
    if (it.key() == "path") out.path = entry_string(it.value(), key);
    else if (it.key() == "format") out.format = parse_corpus_format(entry_string(it.value(), key), key);
    else if (it.key() == "text_field" || it.key() == "field") out.field = entry_string(it.value(), key);
    else if (it.key() == "max_length") out.max_length = entry_int(it.value(), key, 1);
    else if (it.key() == "min_chars") out.min_chars = entry_int(it.value(), key, 0);
    else throw ConfigError(key + ": unknown per-corpus key (valid: " + kEntryKeys + ")");
  }
  if (out.path.empty()) throw ConfigError(where + ".path: missing (each entry names its file: {path: FILE, ...})");
  return out;
}

json source_json(const CorpusSource& s) {
  if (!s.has_overrides()) return s.path;
  json j{{"path", s.path}};
  if (s.format) j["format"] = to_string(*s.format);
  if (s.field) j["text_field"] = *s.field;
  if (s.max_length) j["max_length"] = *s.max_length;
  if (s.min_chars) j["min_chars"] = *s.min_chars;
  return j;
}

json sources_json(const std::vector<CorpusSource>& p) {
  if (p.empty()) return "";
  if (p.size() == 1 && !p[0].has_overrides()) return p[0].path;
  json a = json::array();
  for (const auto& s : p) a.push_back(source_json(s));
  return a;
}

const char* pad_policy_name(PadPolicy p) {
  switch (p) {
    case PadPolicy::automatic: return "auto";
    case PadPolicy::eos: return "eos";
    case PadPolicy::pad: return "pad";
    case PadPolicy::id: return "id";
  }
  return "?";
}

}  // namespace

DataConfig DataConfig::from_json(const json& section, const std::string& prefix) {
  if (!section.is_object()) throw ConfigError(prefix + ": expected a mapping of data settings, got " + section.dump());
  Reader r;
  r.prefix = prefix;
  for (auto it = section.begin(); it != section.end(); ++it) {
    auto k = key_table().find(it.key());
    if (k == key_table().end()) throw ConfigError(prefix + "." + it.key() + ": unknown key");
    auto prev = r.values.find(k->second);
    if (prev != r.values.end() && prev->second.second != it.value())
      throw ConfigError(prefix + "." + it.key() + ": disagrees with " + prefix + "." + prev->second.first +
                        " (the same setting under two names)");
    r.values[k->second] = {it.key(), it.value()};
  }

  DataConfig c;
  r.get_sources("forget", c.forget);
  r.get_sources("retain", c.retain);
  r.get_sources("train", c.train);
  std::string s;
  if (s.clear(), r.get("format", s), !s.empty()) c.corpus.format = parse_corpus_format(s, r.name("format"));
  r.get("text_field", c.corpus.field);
  if (c.corpus.field.empty()) throw ConfigError(r.name("text_field") + ": must not be empty");
  r.get("split_blank_lines", c.corpus.split_blank_lines);
  r.get_int("min_chars", c.corpus.min_chars, 0);
  if (s.clear(), r.get("cut", s), !s.empty()) c.mode = parse_cut_mode(s, r.name("cut"));
  r.get_int("max_length", c.max_length, 1);
  r.get("add_bos", c.add_special_tokens);
  r.get("pad_to_max_length", c.pad_to_max_length);
  r.get("mask_padding", c.mask_padding_in_labels);
  if (const json* v = r.find("pad")) {
    if (v->is_number_integer() || (v->is_string() && !v->get<std::string>().empty() &&
                                    v->get<std::string>().find_first_not_of("0123456789") == std::string::npos)) {
      c.pad_policy = PadPolicy::id;  // an id, as a JSON integer or (from a recipe) a string of digits
      c.pad_id = static_cast<int32_t>(entry_int(*v, r.name("pad"), 0));
    } else if (v->is_string() && (*v == "auto" || *v == "eos" || *v == "pad")) {
      c.pad_policy = *v == "auto" ? PadPolicy::automatic : *v == "eos" ? PadPolicy::eos : PadPolicy::pad;
    } else {
      r.bad("pad", "auto | eos | pad | a token id");
    }
  }
  int64_t bos = c.bos_id;
  r.get_int("bos_id", bos, -1);
  c.bos_id = static_cast<int32_t>(bos);
  if (s.clear(), r.get("pad_side", s), !s.empty()) c.pad_side = parse_pad_side(s, r.name("pad_side"));
  r.get("separator", c.separator);
  r.get("wrap_with_bos", c.wrap_with_bos);
  if (s.clear(), r.get("pairing", s), !s.empty()) c.pairing = parse_pairing_mode(s, r.name("pairing"));
  r.get("shuffle", c.shuffle);
  int64_t seed = static_cast<int64_t>(c.seed);
  r.get_int("seed", seed, 0);
  c.seed = static_cast<uint64_t>(seed);
  if (s.clear(), r.get("forget_mix", s), !s.empty()) c.forget_mix = parse_forget_mix(s, r.name("forget_mix"));
  r.get_int("max_examples", c.max_forget_examples, 0);
  r.get_int("max_retain_examples", c.max_retain_examples, 0);
  if (c.mode == CutMode::token_stream && c.max_length < 2)
    throw ConfigError(r.name("max_length") + ": token_stream needs at least 2 (BOS + one token)");
  for (const auto* set : {&c.forget, &c.retain, &c.train})
    for (size_t i = 0; i < set->size(); ++i)
      if (c.mode == CutMode::token_stream && (*set)[i].max_length && *(*set)[i].max_length < 2)
        throw ConfigError(prefix + "." + (set == &c.forget ? "forget" : set == &c.retain ? "retain" : "train") + "[" +
                          std::to_string(i) + "].max_length: token_stream needs at least 2 (BOS + one token)");
  return c;
}

json DataConfig::to_json() const {
  json j{{"forget", sources_json(forget)},
         {"retain", sources_json(retain)},
         {"train", sources_json(train)},
         {"format", data::to_string(corpus.format)},
         {"text_field", corpus.field},
         {"split_blank_lines", corpus.split_blank_lines},
         {"min_chars", corpus.min_chars},
         {"cut", data::to_string(mode)},
         {"max_length", max_length},
         {"add_bos", add_special_tokens},
         {"pad_to_max_length", pad_to_max_length},
         {"mask_padding", mask_padding_in_labels},
         {"pad_side", data::to_string(pad_side)},
         {"bos_id", bos_id},
         {"separator", separator},
         {"wrap_with_bos", wrap_with_bos},
         {"pairing", data::to_string(pairing)},
         {"shuffle", shuffle},
         {"seed", seed},
         {"forget_mix", data::to_string(forget_mix)},
         {"max_examples", max_forget_examples},
         {"max_retain_examples", max_retain_examples}};
  if (pad_policy == PadPolicy::id) j["pad"] = pad_id;
  else j["pad"] = pad_policy_name(pad_policy);
  return j;
}

void DataConfig::validate(bool finetune) const {
  if (finetune && train.empty()) throw ConfigError("data.train: fine-tuning needs a corpus file");
  if (!finetune && forget.empty()) throw ConfigError("data.forget: unlearning needs a forget corpus file");
  if (max_length < 1) throw ConfigError("data.max_length: must be >= 1");
  if (mode == CutMode::token_stream && max_length < 2)
    throw ConfigError("data.max_length: token_stream needs at least 2 (BOS + one token)");
  if (pad_policy == PadPolicy::id && pad_id < 0) throw ConfigError("data.pad: a token id must be >= 0");
}

int32_t resolve_pad_policy(PadPolicy policy, int32_t explicit_id, const Tokenizer& tokenizer) {
  switch (policy) {
    case PadPolicy::id: return explicit_id;
    case PadPolicy::eos:
      if (auto e = tokenizer.eos_id()) return *e;
      throw ConfigError("data.pad: 'eos' but the tokenizer has no EOS token");
    case PadPolicy::pad:
      if (auto p = tokenizer.pad_id()) return *p;
      throw ConfigError("data.pad: 'pad' but the tokenizer has no pad token (use auto or eos)");
    case PadPolicy::automatic:
      break;
  }
  return resolve_pad_id(tokenizer, CutOptions{});
}

CutOptions DataConfig::cut_options(const Tokenizer& tokenizer) const {
  CutOptions o;
  o.max_length = max_length;
  o.add_special_tokens = add_special_tokens;
  o.pad_to_max_length = pad_to_max_length;
  o.mask_padding_in_labels = mask_padding_in_labels;
  o.pad_side = pad_side;
  // token_stream examples are all max_length long and never padded: a tokenizer without pad
  // and EOS is fine there (collate then pads nothing).
  if (mode == CutMode::per_document || pad_policy != PadPolicy::automatic || tokenizer.pad_id() || tokenizer.eos_id())
    o.pad_id = resolve_pad_policy(pad_policy, pad_id, tokenizer);
  if (bos_id >= 0) o.bos_id = bos_id;
  o.separator = separator;
  o.wrap_with_bos = wrap_with_bos;
  return o;
}

CutOptions DataConfig::cut_options(const Tokenizer& tokenizer, const CorpusSource& source) const {
  CutOptions o = cut_options(tokenizer);
  if (source.max_length) o.max_length = *source.max_length;
  return o;
}

CorpusOptions DataConfig::corpus_options(const CorpusSource& source) const {
  CorpusOptions o = corpus;
  if (source.format) o.format = *source.format;
  if (source.field) o.field = *source.field;
  if (source.min_chars) o.min_chars = *source.min_chars;
  return o;
}

std::vector<Example> load_examples(const std::vector<CorpusSource>& sources, const DataConfig& config,
                                   const Tokenizer& tokenizer, int64_t max_examples, std::vector<int64_t>* source_of) {
  std::vector<Example> out;
  if (source_of) source_of->clear();
  for (size_t k = 0; k < sources.size(); ++k) {
    const int64_t room = max_examples > 0 ? max_examples - static_cast<int64_t>(out.size()) : -1;
    if (room == 0) break;
    auto docs = read_corpus(sources[k].path, config.corpus_options(sources[k]));
    if (config.mode == CutMode::per_document && room > 0 && static_cast<int64_t>(docs.size()) > room)
      docs.resize(room);  // one example per document: tokenize only those kept
    auto ex = cut_corpus(docs, tokenizer, config.mode, config.cut_options(tokenizer, sources[k]));
    if (room > 0 && static_cast<int64_t>(ex.size()) > room) ex.resize(room);
    if (source_of) source_of->insert(source_of->end(), ex.size(), static_cast<int64_t>(k));
    out.insert(out.end(), std::make_move_iterator(ex.begin()), std::make_move_iterator(ex.end()));
  }
  return out;
}

UnlearnDataset build_unlearn_dataset(const DataConfig& config, const Tokenizer& tokenizer) {
  config.validate(false);
  std::vector<int64_t> topics;
  auto forget = load_examples(config.forget, config, tokenizer, config.max_forget_examples, &topics);
  if (forget.empty()) throw ConfigError("data.forget: the forget corpus gives no example (empty file?)");
  if (config.forget_mix == ForgetMix::round_robin)
    for (size_t k = 0; k < config.forget.size(); ++k)
      if (std::count(topics.begin(), topics.end(), static_cast<int64_t>(k)) == 0)
        throw ConfigError("data.forget[" + std::to_string(k) + "]: " + config.forget[k].path +
                          " gives no example (empty, or past data.max_examples), and forget_mix round_robin "
                          "trains on every forget corpus in turn");
  std::vector<Example> retain;
  if (!config.retain.empty()) {
    retain = load_examples(config.retain, config, tokenizer, config.max_retain_examples);
    if (retain.empty()) throw ConfigError("data.retain: the retain corpus gives no example (empty file?)");
  }
  const int64_t pad = config.cut_options(tokenizer).pad_id.value_or(0);
  return UnlearnDataset(std::move(forget), std::move(retain), config.pairing, config.seed, pad, std::move(topics),
                        config.forget_mix, config.pad_side);
}

FinetuneDataset build_finetune_dataset(const DataConfig& config, const Tokenizer& tokenizer) {
  config.validate(true);
  FinetuneDataset d;
  d.examples = load_examples(config.train, config, tokenizer, config.max_forget_examples);
  if (d.examples.empty()) throw ConfigError("data.train: the corpus gives no example (empty file?)");
  d.pad_id = config.cut_options(tokenizer).pad_id.value_or(0);
  d.pad_side = config.pad_side;
  return d;
}

}  // namespace lethe::data

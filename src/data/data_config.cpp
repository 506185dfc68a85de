#include "lethe/data/data_config.h"

#include <map>

#include "lethe/core/error.h"

namespace lethe::data {
namespace {

// Every accepted key -> its canonical name (the recipe's).
const std::map<std::string, std::string>& key_table() {
  static const std::map<std::string, std::string> t = {
      {"forget", "forget"}, {"forget_paths", "forget"},
      {"retain", "retain"}, {"retain_paths", "retain"},
      {"train", "train"}, {"train_paths", "train"},
      {"format", "format"},
      {"text_field", "text_field"}, {"field", "text_field"},
      {"split_blank_lines", "split_blank_lines"},
      {"cut", "cut"}, {"mode", "cut"},
      {"max_length", "max_length"},
      {"add_bos", "add_bos"}, {"add_special_tokens", "add_bos"},
      {"pad_to_max_length", "pad_to_max_length"},
      {"mask_padding", "mask_padding"}, {"mask_padding_in_labels", "mask_padding"},
      {"pad", "pad"},
      {"bos_id", "bos_id"},
      {"separator", "separator"},
      {"wrap_with_bos", "wrap_with_bos"},
      {"pairing", "pairing"},
      {"shuffle", "shuffle"},
      {"seed", "seed"},
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
  void get_paths(const std::string& k, std::vector<std::string>& out) const {
    const json* v = find(k);
    if (!v) return;
    out.clear();
    if (v->is_null()) return;
    if (v->is_string()) {
      if (!v->get<std::string>().empty()) out.push_back(v->get<std::string>());
      return;
    }
    if (!v->is_array()) bad(k, "a file path or a list of file paths");
    for (const auto& p : *v) {
      if (!p.is_string() || p.get<std::string>().empty()) bad(k, "a list of non-empty file paths");
      out.push_back(p.get<std::string>());
    }
  }
};

json paths_json(const std::vector<std::string>& p) {
  if (p.empty()) return "";
  if (p.size() == 1) return p[0];
  return p;
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
  r.get_paths("forget", c.forget_paths);
  r.get_paths("retain", c.retain_paths);
  r.get_paths("train", c.train_paths);
  std::string s;
  if (s.clear(), r.get("format", s), !s.empty()) c.corpus.format = parse_corpus_format(s, r.name("format"));
  r.get("text_field", c.corpus.field);
  if (c.corpus.field.empty()) throw ConfigError(r.name("text_field") + ": must not be empty");
  r.get("split_blank_lines", c.corpus.split_blank_lines);
  if (s.clear(), r.get("cut", s), !s.empty()) c.mode = parse_cut_mode(s, r.name("cut"));
  r.get_int("max_length", c.max_length, 1);
  r.get("add_bos", c.add_special_tokens);
  r.get("pad_to_max_length", c.pad_to_max_length);
  r.get("mask_padding", c.mask_padding_in_labels);
  if (const json* v = r.find("pad")) {
    if (v->is_number_integer()) {
      int64_t id = 0;
      r.get_int("pad", id, 0);
      c.pad_policy = PadPolicy::id;
      c.pad_id = static_cast<int32_t>(id);
    } else if (v->is_string() && (*v == "auto" || *v == "eos" || *v == "pad")) {
      c.pad_policy = *v == "auto" ? PadPolicy::automatic : *v == "eos" ? PadPolicy::eos : PadPolicy::pad;
    } else {
      r.bad("pad", "auto | eos | pad | a token id");
    }
  }
  int64_t bos = c.bos_id;
  r.get_int("bos_id", bos, -1);
  c.bos_id = static_cast<int32_t>(bos);
  r.get("separator", c.separator);
  r.get("wrap_with_bos", c.wrap_with_bos);
  if (s.clear(), r.get("pairing", s), !s.empty()) c.pairing = parse_pairing_mode(s, r.name("pairing"));
  r.get("shuffle", c.shuffle);
  int64_t seed = static_cast<int64_t>(c.seed);
  r.get_int("seed", seed, 0);
  c.seed = static_cast<uint64_t>(seed);
  r.get_int("max_examples", c.max_forget_examples, 0);
  r.get_int("max_retain_examples", c.max_retain_examples, 0);
  if (c.mode == CutMode::token_stream && c.max_length < 2)
    throw ConfigError(r.name("max_length") + ": token_stream needs at least 2 (BOS + one token)");
  return c;
}

json DataConfig::to_json() const {
  json j{{"forget", paths_json(forget_paths)},
         {"retain", paths_json(retain_paths)},
         {"train", paths_json(train_paths)},
         {"format", data::to_string(corpus.format)},
         {"text_field", corpus.field},
         {"split_blank_lines", corpus.split_blank_lines},
         {"cut", data::to_string(mode)},
         {"max_length", max_length},
         {"add_bos", add_special_tokens},
         {"pad_to_max_length", pad_to_max_length},
         {"mask_padding", mask_padding_in_labels},
         {"bos_id", bos_id},
         {"separator", separator},
         {"wrap_with_bos", wrap_with_bos},
         {"pairing", data::to_string(pairing)},
         {"shuffle", shuffle},
         {"seed", seed},
         {"max_examples", max_forget_examples},
         {"max_retain_examples", max_retain_examples}};
  if (pad_policy == PadPolicy::id) j["pad"] = pad_id;
  else j["pad"] = pad_policy_name(pad_policy);
  return j;
}

void DataConfig::validate(bool finetune) const {
  if (finetune && train_paths.empty()) throw ConfigError("data.train: fine-tuning needs a corpus file");
  if (!finetune && forget_paths.empty()) throw ConfigError("data.forget: unlearning needs a forget corpus file");
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
  // token_stream examples are all max_length long and never padded: a tokenizer without pad
  // and EOS is fine there (collate then pads nothing).
  if (mode == CutMode::per_document || pad_policy != PadPolicy::automatic || tokenizer.pad_id() || tokenizer.eos_id())
    o.pad_id = resolve_pad_policy(pad_policy, pad_id, tokenizer);
  if (bos_id >= 0) o.bos_id = bos_id;
  o.separator = separator;
  o.wrap_with_bos = wrap_with_bos;
  return o;
}

std::vector<Example> load_examples(const std::vector<std::string>& paths, const DataConfig& config,
                                   const Tokenizer& tokenizer, int64_t max_examples) {
  std::vector<std::string> docs;
  for (const auto& p : paths) {
    auto d = read_corpus(p, config.corpus);
    docs.insert(docs.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
  }
  const CutOptions opts = config.cut_options(tokenizer);
  if (config.mode == CutMode::per_document && max_examples > 0 && static_cast<int64_t>(docs.size()) > max_examples)
    docs.resize(max_examples);  // one example per document: tokenize only those kept
  auto ex = cut_corpus(docs, tokenizer, config.mode, opts);
  if (max_examples > 0 && static_cast<int64_t>(ex.size()) > max_examples) ex.resize(max_examples);
  return ex;
}

UnlearnDataset build_unlearn_dataset(const DataConfig& config, const Tokenizer& tokenizer) {
  config.validate(false);
  auto forget = load_examples(config.forget_paths, config, tokenizer, config.max_forget_examples);
  if (forget.empty()) throw ConfigError("data.forget: the forget corpus gives no example (empty file?)");
  std::vector<Example> retain;
  if (!config.retain_paths.empty()) {
    retain = load_examples(config.retain_paths, config, tokenizer, config.max_retain_examples);
    if (retain.empty()) throw ConfigError("data.retain: the retain corpus gives no example (empty file?)");
  }
  const int64_t pad = config.cut_options(tokenizer).pad_id.value_or(0);
  return UnlearnDataset(std::move(forget), std::move(retain), config.pairing, config.seed, pad);
}

FinetuneDataset build_finetune_dataset(const DataConfig& config, const Tokenizer& tokenizer) {
  config.validate(true);
  FinetuneDataset d;
  d.examples = load_examples(config.train_paths, config, tokenizer, config.max_forget_examples);
  if (d.examples.empty()) throw ConfigError("data.train: the corpus gives no example (empty file?)");
  d.pad_id = config.cut_options(tokenizer).pad_id.value_or(0);
  return d;
}

}  // namespace lethe::data

#include "lethe/train/recipe.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "lethe/core/error.h"

namespace lethe::train {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 2) + 1;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

namespace {

std::string join_key(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }

std::string show(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::vector<std::string> split_list(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  if (!s.empty() && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t'\""));
    item.erase(item.find_last_not_of(" \t'\"") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// `value` converted to the type of `def`; ConfigError naming `key` otherwise.
json coerce(const json& def, const json& value, const std::string& key, const std::string& where) {
  auto fail = [&](const std::string& want) -> json {
    throw ConfigError(where + ": " + key + ": expected " + want + ", got '" + show(value) + "'");
  };
  if (def.is_boolean()) {
    if (value.is_boolean()) return value;
    if (!value.is_string()) return fail("true or false");
    const auto s = value.get<std::string>();
    if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
    if (s == "false" || s == "no" || s == "off" || s == "0") return false;
    return fail("true or false");
  }
  if (def.is_number_integer()) {
    if (value.is_number_integer()) return value;
    if (!value.is_string()) return fail("an integer");
    const auto s = value.get<std::string>();
    size_t pos = 0;
    long long v = 0;
    try {
      v = std::stoll(s, &pos);
    } catch (const std::exception&) {
      return fail("an integer");
    }
    if (pos != s.size()) return fail("an integer");
    return v;
  }
  if (def.is_number()) {
    if (value.is_number()) return value.get<double>();
    if (!value.is_string()) return fail("a number");
    const auto s = value.get<std::string>();
    size_t pos = 0;
    double v = 0;
    try {
      v = std::stod(s, &pos);
    } catch (const std::exception&) {
      return fail("a number");
    }
    if (pos != s.size()) return fail("a number");
    return v;
  }
  if (def.is_string()) {
    if (value.is_string()) return value;
    if (value.is_number() || value.is_boolean()) return value.dump();
    return fail("a string");
  }
  if (def.is_array()) {
    json out = json::array();
    if (value.is_string()) {
      const auto s = value.get<std::string>();
      // A --set list holding mappings ("[{path: a, max_length: 5}, b]") is read as YAML.
      if (s.find('{') != std::string::npos) return coerce(def, yaml_to_json(s, where + ": " + key), key, where);
      for (auto& item : split_list(s)) out.push_back(item);
      return out;
    }
    if (!value.is_array()) return fail("a list");
    // Items are strings, or mappings kept as written for the section's own reader to check
    // (data.forget entries {path, max_length, ...}: data::DataConfig).
    for (const auto& item : value) out.push_back(item.is_object() ? item : coerce(json(""), item, key, where));
    return out;
  }
  return fail("a value of type " + std::string(def.type_name()));
}

void merge_into(json& dst, const json& src, const std::string& prefix, const std::string& where) {
  if (!src.is_object()) throw ConfigError(where + ": " + (prefix.empty() ? "the recipe" : prefix) + " must be a mapping");
  for (auto it = src.begin(); it != src.end(); ++it) {
    const auto full = join_key(prefix, it.key());
    if (!dst.contains(it.key())) {
      std::vector<std::string> keys;
      for (auto d = dst.begin(); d != dst.end(); ++d) keys.push_back(d.key());
      const auto near = closest_match(it.key(), keys);
      throw ConfigError(where + ": unknown key '" + full + "'" +
                        (near.empty() ? " (valid here: " + [&] {
                          std::string s;
                          for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
                          return s;
                        }() + ")"
                                      : " (did you mean '" + join_key(prefix, near) + "'?)"));
    }
    auto& d = dst[it.key()];
    if (d.is_object()) merge_into(d, it.value(), full, where);
    else if (!it.value().is_null()) d = coerce(d, it.value(), full, where);
  }
}

json yaml_node(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return n.Scalar();
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& x : n) a.push_back(yaml_node(x));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = yaml_node(kv.second);
      return o;
    }
  }
  return nullptr;
}

void emit(YAML::Emitter& out, const json& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& x : v) emit(out, x);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    out << YAML::DoubleQuoted << v.get<std::string>();
  } else if (v.is_number_float()) {
    std::ostringstream s;
    s.precision(17);
    s << v.get<double>();
    std::string t = s.str();
    if (t.find_first_of(".eE") == std::string::npos) t += ".0";  // stays a float when read back
    out << t;
  } else {
    out << v.dump();
  }
}

}  // namespace

json merge_checked(const json& defaults, const json& user, const std::string& where) {
  json out = defaults;
  if (!user.is_null()) merge_into(out, user, "", where);
  return out;
}

void apply_override(json& tree, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set '" + assignment + "': expected KEY=VALUE, e.g. loss.beta=0.7");
  const auto key = assignment.substr(0, eq);
  const auto value = assignment.substr(eq + 1);
  // Build {"a": {"b": value}} and merge it, so the checks and suggestions are the recipe's.
  json user = value;
  std::string rest = key;
  std::vector<std::string> parts;
  for (size_t p; (p = rest.find('.')) != std::string::npos; rest = rest.substr(p + 1)) parts.push_back(rest.substr(0, p));
  parts.push_back(rest);
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) user = json{{*it, user}};
  merge_into(tree, user, "", "--set " + key);
}

json yaml_to_json(const std::string& text, const std::string& where) {
  try {
    return yaml_node(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    throw FormatError(where, std::string("invalid YAML: ") + e.what());
  }
}

json load_recipe(const std::string& path, const json& defaults, const std::vector<std::string>& overrides) {
  auto tree = merge_checked(defaults, yaml_to_json(read_text_file(path), path), path);
  for (const auto& o : overrides) apply_override(tree, o);
  return tree;
}

std::string to_yaml(const json& tree) {
  YAML::Emitter out;
  emit(out, tree);
  return std::string(out.c_str()) + "\n";
}

}  // namespace lethe::train

#include "lethe/model/registry.h"

#include "families.h"
#include "lethe/core/error.h"

namespace lethe {
namespace {

const std::vector<Architecture>& registry() {
  static const std::vector<Architecture> archs = {families::llama(), families::mistral(), families::qwen2()};
  return archs;
}

}  // namespace

const Architecture& architecture_for(const std::string& model_type, const std::string& where) {
  for (const auto& a : registry())
    if (a.model_type == model_type) return a;
  std::string known;
  for (const auto& k : known_model_types()) known += (known.empty() ? "" : ", ") + k;
  std::string msg = "unknown model_type '" + model_type + "' (supported: " + known + ")";
  if (!where.empty()) throw FormatError(where, msg);
  throw ConfigError(msg);
}

const Architecture* find_architecture_by_gguf_name(const std::string& name) {
  for (const auto& a : registry())
    for (const auto& g : a.gguf_names)
      if (g == name) return &a;
  return nullptr;
}

std::vector<std::string> known_model_types() {
  std::vector<std::string> out;
  for (const auto& a : registry()) out.push_back(a.model_type);
  return out;
}

}  // namespace lethe

#include "lethe/model/config.h"

#include "lethe/core/error.h"
#include "lethe/model/registry.h"

namespace lethe {
namespace {

// Reads an optional key with a type check that names the file and key.
template <typename T>
bool get_opt(const json& j, const char* key, T& out, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    throw FormatError(path, std::string("key '") + key + "' has the wrong type (" + it->type_name() + ")");
  }
  return true;
}

template <typename T>
T get_req(const json& j, const char* key, const std::string& path) {
  T v{};
  if (!get_opt(j, key, v, path)) throw FormatError(path, std::string("missing required key '") + key + "'");
  return v;
}

std::vector<int64_t> id_list(const json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_number_integer()) return {it->get<int64_t>()};
  if (it->is_array()) {
    std::vector<int64_t> ids;
    for (const auto& v : *it) {
      if (!v.is_number_integer()) throw FormatError(path, std::string("key '") + key + "' must hold integers");
      ids.push_back(v.get<int64_t>());
    }
    return ids;
  }
  throw FormatError(path, std::string("key '") + key + "' must be an integer or a list of integers");
}

}  // namespace

ModelConfig ModelConfig::from_json(const json& j, const std::string& path) {
  if (!j.is_object()) throw FormatError(path, "config must be a JSON object");
  ModelConfig c;
  c.raw = j;
  c.model_type = get_req<std::string>(j, "model_type", path);
  const Architecture& arch = architecture_for(c.model_type, path);
  c.architecture = arch.hf_class;
  c.vocab_size = get_req<int64_t>(j, "vocab_size", path);
  c.hidden_size = get_req<int64_t>(j, "hidden_size", path);
  c.intermediate_size = get_req<int64_t>(j, "intermediate_size", path);
  c.num_hidden_layers = get_req<int64_t>(j, "num_hidden_layers", path);
  c.num_attention_heads = get_req<int64_t>(j, "num_attention_heads", path);
  c.num_key_value_heads = c.num_attention_heads;
  get_opt(j, "num_key_value_heads", c.num_key_value_heads, path);
  get_opt(j, "max_position_embeddings", c.max_position_embeddings, path);
  get_opt(j, "rms_norm_eps", c.rms_norm_eps, path);
  get_opt(j, "rope_theta", c.rope_theta, path);
  get_opt(j, "tie_word_embeddings", c.tie_word_embeddings, path);
  get_opt(j, "hidden_act", c.hidden_act, path);
  get_opt(j, "torch_dtype", c.torch_dtype, path);
  c.bos_token_ids = id_list(j, "bos_token_id", path);
  c.eos_token_ids = id_list(j, "eos_token_id", path);
  int64_t pad = 0;
  if (get_opt(j, "pad_token_id", pad, path)) c.pad_token_id = pad;

  if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
    const json& rs = *it;
    if (!rs.is_object()) throw FormatError(path, "rope_scaling must be an object or null");
    std::string type;
    if (!get_opt(rs, "rope_type", type, path)) get_opt(rs, "type", type, path);
    if (type.empty()) throw FormatError(path, "rope_scaling has neither 'rope_type' nor 'type'");
    c.rope_scaling.type = type;
    get_opt(rs, "factor", c.rope_scaling.factor, path);
    get_opt(rs, "low_freq_factor", c.rope_scaling.low_freq_factor, path);
    get_opt(rs, "high_freq_factor", c.rope_scaling.high_freq_factor, path);
    get_opt(rs, "original_max_position_embeddings", c.rope_scaling.original_max_position_embeddings, path);
    if (type != "default" && type != "linear" && type != "llama3")
      throw FormatError(path, "rope_scaling type '" + type + "' is not supported (supported: default, linear, llama3)");
  }

  arch.read_config(j, c, path);

  if (c.head_dim == 0) {
    get_opt(j, "head_dim", c.head_dim, path);
    if (c.head_dim == 0 && c.num_attention_heads > 0) c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  // Shape sanity: every later failure would otherwise be an opaque libtorch shape error.
  auto positive = [&](int64_t v, const char* key) {
    if (v <= 0) throw FormatError(path, std::string("'") + key + "' must be positive, got " + std::to_string(v));
  };
  positive(c.vocab_size, "vocab_size");
  positive(c.hidden_size, "hidden_size");
  positive(c.intermediate_size, "intermediate_size");
  positive(c.num_hidden_layers, "num_hidden_layers");
  positive(c.num_attention_heads, "num_attention_heads");
  positive(c.num_key_value_heads, "num_key_value_heads");
  positive(c.head_dim, "head_dim");
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw FormatError(path, "num_attention_heads (" + std::to_string(c.num_attention_heads) +
                                ") is not a multiple of num_key_value_heads (" + std::to_string(c.num_key_value_heads) + ")");
  if (c.head_dim % 2 != 0) throw FormatError(path, "head_dim must be even for rotary embeddings");
  if (c.hidden_act != "silu")
    throw FormatError(path, "hidden_act '" + c.hidden_act + "' is not supported (only silu)");
  return c;
}

ModelConfig ModelConfig::from_file(const std::string& path) { return from_json(read_json_file(path), path); }

json ModelConfig::to_json() const {
  json j = raw.is_object() ? raw : json::object();
  j["model_type"] = model_type;
  j["architectures"] = json::array({architecture});
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_key_value_heads;
  j["max_position_embeddings"] = max_position_embeddings;
  j["rms_norm_eps"] = rms_norm_eps;
  j["rope_theta"] = rope_theta;
  j["tie_word_embeddings"] = tie_word_embeddings;
  j["hidden_act"] = hidden_act;
  j["torch_dtype"] = torch_dtype;
  if (head_dim != hidden_size / num_attention_heads) j["head_dim"] = head_dim;
  auto ids = [](const std::vector<int64_t>& v) -> json {
    if (v.empty()) return nullptr;
    if (v.size() == 1) return v[0];
    return v;
  };
  j["bos_token_id"] = ids(bos_token_ids);
  j["eos_token_id"] = ids(eos_token_ids);
  if (pad_token_id) j["pad_token_id"] = *pad_token_id;
  if (rope_scaling.type != "default") {
    json rs = {{"rope_type", rope_scaling.type}, {"factor", rope_scaling.factor}};
    if (rope_scaling.type == "llama3") {
      rs["low_freq_factor"] = rope_scaling.low_freq_factor;
      rs["high_freq_factor"] = rope_scaling.high_freq_factor;
      rs["original_max_position_embeddings"] = rope_scaling.original_max_position_embeddings;
    }
    j["rope_scaling"] = rs;
  }
  return j;
}

int64_t ModelConfig::parameter_count() const {
  const int64_t C = hidden_size, D = head_dim, H = num_attention_heads, K = num_key_value_heads;
  int64_t attn = C * H * D + 2 * C * K * D + H * D * C;
  if (attention_bias) attn += H * D + 2 * K * D + C;
  else if (qkv_bias) attn += H * D + 2 * K * D;
  int64_t mlp = 3 * C * intermediate_size + (mlp_bias ? 2 * intermediate_size + C : 0);
  int64_t layer = attn + mlp + 2 * C;
  int64_t total = vocab_size * C + num_hidden_layers * layer + C;
  if (!tie_word_embeddings) total += vocab_size * C;
  return total;
}

}  // namespace lethe

// GGUF -> ModelConfig, HF state dict and GgufVocab. Checked against transformers 4.44.2's GGUF
// loader by tests/model/test_gguf_model.cpp (fixtures from tools/make_gguf_fixtures.py).
#include "lethe/model/gguf_model.h"

#include <cmath>
#include <regex>

#include "lethe/core/error.h"
#include "lethe/model/registry.h"

namespace lethe {
namespace {

std::string known_gguf_architectures() {
  std::string out;
  for (const auto& t : known_model_types())
    for (const auto& g : architecture_for(t).gguf_names) out += (out.empty() ? "" : ", ") + g;
  return out;
}

// llama3 RoPE scaling is stored by llama.cpp as a rope_freqs.weight tensor [D/2] of per-frequency
// divisors (convert_hf_to_gguf.py LlamaModel.generate_extra_tensors). We recover the HF
// rope_scaling by assuming the Llama 3.x values low_freq_factor = 1, high_freq_factor = 4 and
// factor = the largest divisor, recomputing the divisors and requiring them to match.
json llama3_scaling_from_rope_freqs(const GgufFile& f, const std::string& arch, double theta, int64_t head_dim) {
  const torch::Tensor rf = f.tensor("rope_freqs.weight").reshape({-1});
  const auto* p = rf.data_ptr<float>();
  const int64_t n = rf.numel();
  if (n != head_dim / 2)
    throw FormatError(f.path(), "rope_freqs.weight has " + std::to_string(n) + " values, expected head_dim/2 = " +
                                    std::to_string(head_dim / 2));
  const double factor = rf.max().item<double>(), low = 1.0, high = 4.0;
  const int64_t orig = f.find_int(arch + ".rope.scaling.original_context_length").value_or(8192);
  const double low_wavelen = orig / low, high_wavelen = orig / high;
  for (int64_t i = 0; i < n; ++i) {
    // freq = 1 / theta^(2i/D); wavelen = 2*pi/freq; divisor as in convert_hf_to_gguf.py.
    const double freq = 1.0 / std::pow(theta, double(2 * i) / double(head_dim));
    const double wavelen = 2 * M_PI / freq;
    double want;
    if (wavelen < high_wavelen) want = 1.0;
    else if (wavelen > low_wavelen) want = factor;
    else {
      const double smooth = (orig / wavelen - low) / (high - low);
      want = 1.0 / ((1 - smooth) / factor + smooth);
    }
    if (std::abs(want - p[i]) > 1e-3 * want)
      throw FormatError(f.path(), "rope_freqs.weight does not match llama3 RoPE scaling (factor " + std::to_string(factor) +
                                      ", low/high freq factors 1/4, original context " + std::to_string(orig) +
                                      "): this RoPE scaling is not supported");
  }
  return {{"rope_type", "llama3"}, {"factor", factor}, {"low_freq_factor", low}, {"high_freq_factor", high},
          {"original_max_position_embeddings", orig}};
}

}  // namespace

ModelConfig config_from_gguf(const GgufFile& f) {
  const std::string arch = f.get_string("general.architecture");
  const Architecture* a = find_architecture_by_gguf_name(arch);
  if (!a)
    throw FormatError(f.path(), "GGUF architecture '" + arch + "' is not supported (supported: " +
                                    known_gguf_architectures() + ")");
  const std::string k = arch + ".";
  json j;
  j["model_type"] = a->model_type;
  j["architectures"] = json::array({a->hf_class});
  j["hidden_size"] = f.get_int(k + "embedding_length");
  j["num_hidden_layers"] = f.get_int(k + "block_count");
  j["intermediate_size"] = f.get_int(k + "feed_forward_length");
  const int64_t H = f.get_int(k + "attention.head_count");
  j["num_attention_heads"] = H;
  j["num_key_value_heads"] = f.find_int(k + "attention.head_count_kv").value_or(H);
  if (auto v = f.find_int(k + "context_length")) j["max_position_embeddings"] = *v;
  if (auto v = f.find_float(k + "attention.layer_norm_rms_epsilon")) j["rms_norm_eps"] = *v;
  const double theta = f.find_float(k + "rope.freq_base").value_or(10000.0);
  j["rope_theta"] = theta;
  const int64_t C = j["hidden_size"].get<int64_t>();
  const int64_t head_dim = f.find_int(k + "attention.key_length").value_or(H > 0 ? C / H : 0);
  if (H > 0 && head_dim != C / H) j["head_dim"] = head_dim;
  if (auto rd = f.find_int(k + "rope.dimension_count"); rd && *rd != head_dim)
    throw FormatError(f.path(), "metadata '" + k + "rope.dimension_count' is " + std::to_string(*rd) +
                                    " but head_dim is " + std::to_string(head_dim) + ": partial rotary is not supported");

  // vocab_size: explicit key, else the token list, else token_embd's row count (torch dim 0).
  if (auto v = f.find_int(k + "vocab_size")) j["vocab_size"] = *v;
  else if (f.has("tokenizer.ggml.tokens")) j["vocab_size"] = int64_t(f.array_size("tokenizer.ggml.tokens"));
  else if (const auto* e = f.find_tensor("token_embd.weight"); e && e->dims.size() == 2) j["vocab_size"] = e->dims[1];
  else throw FormatError(f.path(), "cannot tell the vocabulary size: no '" + k + "vocab_size', tokenizer.ggml.tokens or token_embd.weight");

  j["tie_word_embeddings"] = f.find_tensor("output.weight") == nullptr;
  j["attention_bias"] = f.find_tensor("blk.0.attn_output.bias") != nullptr;
  j["mlp_bias"] = f.find_tensor("blk.0.ffn_gate.bias") != nullptr;
  j["hidden_act"] = "silu";
  j["torch_dtype"] = "float32";
  if (auto v = f.find_int("tokenizer.ggml.bos_token_id")) j["bos_token_id"] = *v;
  if (auto v = f.find_int("tokenizer.ggml.eos_token_id")) j["eos_token_id"] = *v;
  if (auto v = f.find_int("tokenizer.ggml.padding_token_id")) j["pad_token_id"] = *v;

  const std::string rs = f.find_string(k + "rope.scaling.type").value_or("none");
  if (rs == "linear") {
    j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", f.get_float(k + "rope.scaling.factor")}};
  } else if (rs != "none") {
    throw FormatError(f.path(), "metadata '" + k + "rope.scaling.type' is '" + rs + "' (supported: none, linear)");
  }
  if (f.find_tensor("rope_freqs.weight")) j["rope_scaling"] = llama3_scaling_from_rope_freqs(f, arch, theta, head_dim);
  if (auto name = f.find_string("general.name")) j["_name_or_path"] = *name;
  return ModelConfig::from_json(j, f.path());
}

std::optional<std::string> hf_tensor_name(const std::string& g) {
  static const std::regex block(R"(blk\.(\d+)\.(\w+)\.(weight|bias))");
  static const std::vector<std::pair<std::string, std::string>> per_layer = {
      {"attn_q", "self_attn.q_proj"},     {"attn_k", "self_attn.k_proj"},   {"attn_v", "self_attn.v_proj"},
      {"attn_output", "self_attn.o_proj"}, {"ffn_gate", "mlp.gate_proj"},    {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"},       {"attn_norm", "input_layernorm"}, {"ffn_norm", "post_attention_layernorm"}};
  if (g == "token_embd.weight") return "model.embed_tokens.weight";
  if (g == "output_norm.weight") return "model.norm.weight";
  if (g == "output.weight") return "lm_head.weight";
  std::smatch m;
  if (std::regex_match(g, m, block)) {
    for (const auto& [from, to] : per_layer)
      if (m[2] == from) return "model.layers." + m[1].str() + "." + to + "." + m[3].str();
  }
  return std::nullopt;
}

torch::Tensor unpermute_rotary_rows(const torch::Tensor& w, int64_t n_head) {
  // transformers reverse_permute_weights: w.reshape(n_head, dim, 2, *rest).swapaxes(2, 1).reshape(shape)
  const int64_t rows = w.size(0);
  if (n_head <= 0 || rows % (2 * n_head) != 0)
    throw ShapeError("unpermute_rotary_rows: " + std::to_string(rows) + " rows do not split into " +
                     std::to_string(n_head) + " heads of even size");
  std::vector<int64_t> shape = {n_head, rows / n_head / 2, 2};
  for (int64_t d = 1; d < w.dim(); ++d) shape.push_back(w.size(d));
  return w.reshape(shape).transpose(1, 2).reshape(w.sizes()).contiguous();
}

std::vector<std::pair<std::string, torch::Tensor>> gguf_state_dict(const GgufFile& f, const ModelConfig& cfg,
                                                                   torch::ScalarType dtype) {
  static const std::regex qk(R"(blk\.\d+\.attn_([qk])\.(weight|bias))");
  const bool permuted = f.get_string("general.architecture") == "llama";  // what llama.cpp permutes
  std::vector<std::pair<std::string, torch::Tensor>> out;
  out.reserve(f.tensors().size());
  for (const auto& info : f.tensors()) {
    if (info.name == "rope_freqs.weight") continue;  // read by config_from_gguf
    auto name = hf_tensor_name(info.name);
    if (!name) throw FormatError(f.path(), "tensor '" + info.name + "' has no Hugging Face equivalent in Lethe");
    torch::Tensor t = f.tensor(info, dtype);
    std::smatch m;
    if (permuted && std::regex_match(info.name, m, qk))
      t = unpermute_rotary_rows(t, m[1] == "q" ? cfg.num_attention_heads : cfg.num_key_value_heads);
    out.emplace_back(std::move(*name), std::move(t));
  }
  return out;
}

GgufVocab gguf_vocab(const GgufFile& f) {
  GgufVocab v;
  v.model = f.find_string("tokenizer.ggml.model").value_or("");
  v.pre = f.find_string("tokenizer.ggml.pre").value_or("");
  v.tokens = f.get_string_array("tokenizer.ggml.tokens");
  const size_t n = v.tokens.size();
  if (f.has("tokenizer.ggml.scores")) {
    for (double s : f.get_float_array("tokenizer.ggml.scores")) v.scores.push_back(float(s));
    if (v.scores.size() != n)
      throw FormatError(f.path(), "tokenizer.ggml.scores has " + std::to_string(v.scores.size()) + " entries for " +
                                      std::to_string(n) + " tokens");
  }
  if (f.has("tokenizer.ggml.token_type")) {
    for (int64_t t : f.get_int_array("tokenizer.ggml.token_type")) v.token_types.push_back(int32_t(t));
    if (v.token_types.size() != n)
      throw FormatError(f.path(), "tokenizer.ggml.token_type has " + std::to_string(v.token_types.size()) +
                                      " entries for " + std::to_string(n) + " tokens");
  }
  if (f.has("tokenizer.ggml.merges")) v.merges = f.get_string_array("tokenizer.ggml.merges");
  auto id = [&](const char* key) -> std::optional<int64_t> {
    auto x = f.find_int(key);
    if (x && (*x < 0 || *x >= int64_t(n)))
      throw FormatError(f.path(), std::string("metadata '") + key + "' = " + std::to_string(*x) +
                                      " is outside the vocabulary of " + std::to_string(n) + " tokens");
    return x;
  };
  v.bos_id = id("tokenizer.ggml.bos_token_id");
  v.eos_id = id("tokenizer.ggml.eos_token_id");
  v.unk_id = id("tokenizer.ggml.unknown_token_id");
  v.pad_id = id("tokenizer.ggml.padding_token_id");
  v.add_bos = f.find_bool("tokenizer.ggml.add_bos_token");
  v.add_eos = f.find_bool("tokenizer.ggml.add_eos_token");
  v.add_space_prefix = f.find_bool("tokenizer.ggml.add_space_prefix");
  v.chat_template = f.find_string("tokenizer.chat_template").value_or("");
  return v;
}

}  // namespace lethe

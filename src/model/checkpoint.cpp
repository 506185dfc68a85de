#include "lethe/model/checkpoint.h"

#include <filesystem>
#include <set>
#include <sstream>

#include "lethe/core/error.h"
#include "lethe/io/safetensors.h"
#include "lethe/io/gguf.h"
#include "lethe/model/gguf_model.h"

namespace fs = std::filesystem;

namespace lethe {
namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

// Checkpoint keys HF itself ignores (non-persistent rotary buffers of older saves).
bool ignorable(const std::string& name) { return name.find("rotary_emb.inv_freq") != std::string::npos; }

const char* dtype_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kFloat16: return "float16";
    default: throw ConfigError("unsupported model dtype for saving");
  }
}

WeightSource safetensors_source(const std::string& dir) {
  auto st = std::make_shared<ShardedSafetensors>(open_safetensors_checkpoint(dir));
  WeightSource ws;
  ws.path = st->source();
  ws.names = st->names();
  ws.shape = [st](const std::string& n) { return st->info(n).shape; };
  ws.tensor = [st](const std::string& n, torch::ScalarType t) { return st->tensor(n, t); };
  return ws;
}

}  // namespace

std::string LoadReport::summary() const {
  std::ostringstream o;
  auto list = [&](const char* what, const std::vector<std::string>& v) {
    if (v.empty()) return;
    o << v.size() << " " << what << ":";
    for (size_t i = 0; i < v.size() && i < 8; ++i) o << " " << v[i] << (i + 1 < v.size() ? "," : "");
    if (v.size() > 8) o << " ...";
    o << "; ";
  };
  list("missing", missing);
  list("unexpected", unexpected);
  list("mis-shaped", mismatched);
  std::string s = o.str();
  return s.empty() ? "all keys matched" : s.substr(0, s.size() - 2);
}

LoadReport load_weights(CausalLM& model, const WeightSource& src, bool strict) {
  LoadReport rep;
  std::set<std::string> available(src.names.begin(), src.names.end());
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  for (auto& kv : model->named_parameters()) {
    const std::string& name = kv.key();
    torch::Tensor& p = kv.value();
    if (!available.count(name)) {
      rep.missing.push_back(name);
      continue;
    }
    used.insert(name);
    const auto shape = src.shape(name);
    if (shape != p.sizes().vec()) {
      rep.mismatched.push_back(name + ": checkpoint " + shape_str(shape) + " vs model " + shape_str(p.sizes().vec()));
      continue;
    }
    p.copy_(src.tensor(name, p.scalar_type()));
  }
  const bool tied = model->config().tie_word_embeddings;
  for (const auto& n : src.names)
    if (!used.count(n) && !ignorable(n) && !(tied && n == "lm_head.weight")) rep.unexpected.push_back(n);
  if (strict && !rep.ok()) throw FormatError(src.path, "weights do not fit the model: " + rep.summary());
  return rep;
}

LoadedModel load_model(const std::string& path, const LoadOptions& opts) {
  LoadedModel lm;
  lm.source = path;
  WeightSource src;
  if (fs::is_directory(path)) {
    const std::string cfg_path = join_path(path, "config.json");
    if (!fs::exists(cfg_path)) throw FormatError(path, "not a model directory: config.json is missing");
    lm.config = ModelConfig::from_file(cfg_path);
    lm.tokenizer_dir = path;
    src = safetensors_source(path);
  } else if (fs::is_regular_file(path) && fs::path(path).extension() == ".gguf") {
    auto gguf = std::make_shared<GgufFile>(GgufFile::open(path));
    lm.config = config_from_gguf(*gguf);
    auto tensors = std::make_shared<std::map<std::string, torch::Tensor>>();
    for (auto& kv : gguf_state_dict(*gguf, lm.config, opts.dtype)) tensors->emplace(kv.first, kv.second);
    src.path = path;
    for (const auto& kv : *tensors) src.names.push_back(kv.first);
    src.shape = [tensors](const std::string& n) { return tensors->at(n).sizes().vec(); };
    src.tensor = [tensors](const std::string& n, torch::ScalarType t) { return tensors->at(n).to(t); };
  } else if (fs::is_regular_file(path) && fs::path(path).extension() == ".safetensors") {
    const std::string dir = fs::path(path).parent_path().string();
    lm.config = ModelConfig::from_file(join_path(dir, "config.json"));
    lm.tokenizer_dir = dir;
    auto st = std::make_shared<ShardedSafetensors>(ShardedSafetensors::open_single(path));
    src.path = path;
    src.names = st->names();
    src.shape = [st](const std::string& n) { return st->info(n).shape; };
    src.tensor = [st](const std::string& n, torch::ScalarType t) { return st->tensor(n, t); };
  } else if (!fs::exists(path)) {
    throw FormatError(path, "no such file or directory");
  } else {
    throw FormatError(path, "not a model: expected a Hugging Face directory, a .safetensors file or a .gguf file");
  }
  lm.model = CausalLM(lm.config);
  lm.model->to(opts.dtype);
  lm.report = load_weights(lm.model, src, opts.strict);
  lm.model->to(opts.device);
  lm.model->eval();
  lm.config.torch_dtype = dtype_name(opts.dtype);
  return lm;
}

LoadedModel init_model(const ModelConfig& cfg, uint64_t seed, torch::ScalarType dtype) {
  LoadedModel lm;
  lm.config = cfg;
  lm.config.torch_dtype = dtype_name(dtype);
  lm.model = CausalLM(lm.config);
  const double std = cfg.raw.value("initializer_range", 0.02);
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (auto& kv : lm.model->named_parameters()) {
    const std::string& n = kv.key();
    auto& p = kv.value();
    if (n.size() >= 5 && n.compare(n.size() - 5, 5, ".bias") == 0) p.zero_();
    else if (n.find("norm.weight") != std::string::npos) p.fill_(1.0);
    else p.normal_(0.0, std);
  }
  lm.model->to(dtype);
  lm.model->eval();
  return lm;
}

std::vector<std::pair<std::string, torch::Tensor>> state_dict(CausalLM& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& kv : model->named_parameters()) out.emplace_back(kv.key(), kv.value().detach());
  return out;
}

const std::vector<std::string>& tokenizer_file_names() {
  static const std::vector<std::string> names = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                                 "tokenizer.model", "added_tokens.json", "vocab.json", "merges.txt"};
  return names;
}

void save_model(CausalLM& model, const std::string& dir, const SaveOptions& opts) {
  fs::create_directories(dir);
  const torch::ScalarType dtype = opts.dtype.value_or(model->dtype());
  auto tensors = state_dict(model);
  for (auto& kv : tensors) kv.second = kv.second.to(torch::kCPU).to(dtype).contiguous();
  // Weights first, config last: a directory with a config.json is a complete checkpoint.
  save_sharded_safetensors(dir, tensors, opts.max_shard_bytes);
  if (!opts.tokenizer_source_dir.empty() && fs::absolute(opts.tokenizer_source_dir) != fs::absolute(dir)) {
    for (const auto& f : tokenizer_file_names()) {
      const auto from = fs::path(opts.tokenizer_source_dir) / f;
      if (fs::exists(from)) fs::copy_file(from, fs::path(dir) / f, fs::copy_options::overwrite_existing);
    }
  }
  ModelConfig cfg = model->config();
  cfg.torch_dtype = dtype_name(dtype);
  json gen = {{"_from_model_config", true}};
  auto ids = [](const std::vector<int64_t>& v) -> json { return v.size() == 1 ? json(v[0]) : json(v); };
  if (!cfg.bos_token_ids.empty()) gen["bos_token_id"] = ids(cfg.bos_token_ids);
  if (!cfg.eos_token_ids.empty()) gen["eos_token_id"] = ids(cfg.eos_token_ids);
  if (cfg.pad_token_id) gen["pad_token_id"] = *cfg.pad_token_id;
  gen.update(opts.extra_generation_config);
  write_json_file(join_path(dir, "generation_config.json"), gen);
  write_json_file(join_path(dir, "config.json"), cfg.to_json());
}

}  // namespace lethe

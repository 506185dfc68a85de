// lethe inspect MODEL: architecture, parameter count, dtypes and the tensor table.
#include <iomanip>
#include <iostream>
#include <map>

#include "cli_util.h"
#include "commands.h"
#include "lethe/model/checkpoint.h"

namespace lethe::cli {
namespace {

struct InspectArgs {
  std::string model;
  bool as_json = false;
  std::string dtype = "float32";
};

std::string dtype_str(torch::ScalarType t) { return c10::toString(t); }

void run_inspect(const InspectArgs& a) {
  LoadOptions lo;
  lo.dtype = parse_dtype(a.dtype);
  auto lm = load_model(a.model, lo);
  const auto& c = lm.config;
  json tensors = json::array();
  int64_t total = 0;
  std::map<std::string, int64_t> by_dtype;
  for (auto& kv : lm.model->named_parameters()) {
    const auto& t = kv.value();
    total += t.numel();
    by_dtype[dtype_str(t.scalar_type())] += t.numel();
    tensors.push_back({{"name", kv.key()}, {"shape", t.sizes().vec()}, {"dtype", dtype_str(t.scalar_type())}, {"numel", t.numel()}});
  }
  json out = {{"source", lm.source},
              {"model_type", c.model_type},
              {"architecture", c.architecture},
              {"parameters", total},
              {"vocab_size", c.vocab_size},
              {"hidden_size", c.hidden_size},
              {"intermediate_size", c.intermediate_size},
              {"num_hidden_layers", c.num_hidden_layers},
              {"num_attention_heads", c.num_attention_heads},
              {"num_key_value_heads", c.num_key_value_heads},
              {"head_dim", c.head_dim},
              {"rope_theta", c.rope_theta},
              {"rope_scaling", c.rope_scaling.type},
              {"tie_word_embeddings", c.tie_word_embeddings},
              {"sliding_window", c.sliding_window ? json(*c.sliding_window) : json(nullptr)},
              {"dtypes", by_dtype},
              {"load_report", lm.report.summary()},
              {"tensors", tensors}};
  if (a.as_json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << lm.source << "\n"
            << "  architecture   " << c.architecture << " (model_type " << c.model_type << ")\n"
            << "  parameters     " << total << "\n"
            << "  layers         " << c.num_hidden_layers << ", hidden " << c.hidden_size << ", MLP " << c.intermediate_size
            << ", heads " << c.num_attention_heads << " (kv " << c.num_key_value_heads << ", dim " << c.head_dim << ")\n"
            << "  vocabulary     " << c.vocab_size << (c.tie_word_embeddings ? " (tied embeddings)" : "") << "\n"
            << "  rope           theta " << c.rope_theta << ", scaling " << c.rope_scaling.type << "\n";
  if (c.sliding_window) std::cout << "  sliding window " << *c.sliding_window << "\n";
  std::cout << "  weights        " << lm.report.summary() << "\n\n";
  std::cout << std::left << std::setw(56) << "tensor" << std::setw(20) << "shape" << "dtype\n";
  for (const auto& t : tensors) {
    std::string shape = "[";
    for (size_t i = 0; i < t["shape"].size(); ++i) shape += (i ? ", " : "") + std::to_string(t["shape"][i].get<int64_t>());
    shape += "]";
    std::cout << std::setw(56) << t["name"].get<std::string>() << std::setw(20) << shape << t["dtype"].get<std::string>() << "\n";
  }
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto a = std::make_shared<InspectArgs>();
  auto* cmd = app.add_subcommand("inspect", "Show a model's architecture, parameter count, dtypes and tensors");
  cmd->add_option("model", a->model, "Model: Hugging Face directory, .safetensors or .gguf file")->required();
  cmd->add_flag("--json", a->as_json, "Print JSON instead of a table");
  cmd->add_option("--dtype", a->dtype, "Load the weights as float32 or bfloat16")->capture_default_str();
  cmd->callback([a] { run_inspect(*a); });
}

}  // namespace lethe::cli

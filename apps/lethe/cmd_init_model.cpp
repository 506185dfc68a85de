// lethe init-model --config CONFIG.json --out DIR: a model with random weights, for tests and experiments.
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/model/checkpoint.h"

namespace lethe::cli {
namespace {

struct InitArgs {
  std::string config, out, dtype = "float32", tokenizer_from;
  uint64_t seed = 0;
};

void run_init(const InitArgs& a) {
  auto cfg = ModelConfig::from_file(a.config);
  auto lm = init_model(cfg, a.seed, parse_dtype(a.dtype));
  SaveOptions so;
  so.tokenizer_source_dir = a.tokenizer_from;
  save_model(lm.model, a.out, so);
  std::cout << "wrote " << a.out << ": " << cfg.architecture << ", " << cfg.parameter_count() << " parameters, seed " << a.seed << "\n";
}

}  // namespace

void register_init_model(CLI::App& app) {
  auto a = std::make_shared<InitArgs>();
  auto* cmd = app.add_subcommand("init-model", "Write a model with random weights (HF _init_weights scheme) from a config.json");
  cmd->add_option("--config", a->config, "A Hugging Face config.json (model_type llama, mistral or qwen2)")->required();
  cmd->add_option("--out", a->out, "Output directory (Hugging Face layout)")->required();
  cmd->add_option("--seed", a->seed, "Random seed")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "Saved dtype: float32 or bfloat16")->capture_default_str();
  cmd->add_option("--tokenizer-from", a->tokenizer_from, "Copy tokenizer files from this directory");
  cmd->callback([a] { run_init(*a); });
}

}  // namespace lethe::cli

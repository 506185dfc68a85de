// lethe forward --model M --ids "1,2;3,4,5" --out F.safetensors: logits of a left-padded batch, for
// parity checks against other implementations (tools/make_model_fixtures.py --check-roundtrip).
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/io/safetensors.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/generate.h"

namespace lethe::cli {
namespace {

struct ForwardArgs {
  std::string model, ids, out, dtype = "float32";
};

void run_forward(const ForwardArgs& a) {
  LoadOptions lo;
  lo.dtype = parse_dtype(a.dtype);
  auto lm = load_model(a.model, lo);
  auto seqs = parse_id_lists(a.ids);
  for (const auto& s : seqs)
    for (const auto id : s)
      if (id < 0 || id >= lm.config.vocab_size) throw ConfigError("token id " + std::to_string(id) + " outside the vocabulary");
  auto [ids, mask] = left_pad(seqs, lm.config.pad_token_id.value_or(0));
  const int64_t B = ids.size(0), T = ids.size(1);
  auto pos = default_position_ids(mask, B, T, 0, torch::kCPU);
  torch::InferenceMode guard;
  ForwardInput in{ids, mask, pos, nullptr};
  auto logits = lm.model->forward(in).to(torch::kFloat32).contiguous();
  save_safetensors(a.out, {{"input_ids", ids}, {"attention_mask", mask}, {"position_ids", pos.contiguous()}, {"logits", logits}});
  std::cout << "wrote " << a.out << ": logits [" << B << ", " << T << ", " << lm.config.vocab_size << "]\n";
}

}  // namespace

void register_forward(CLI::App& app) {
  auto a = std::make_shared<ForwardArgs>();
  auto* cmd = app.add_subcommand("forward", "Write the logits of a left-padded batch of token ids (for parity checks)");
  cmd->add_option("--model", a->model, "Model directory or file")->required();
  cmd->add_option("--ids", a->ids, "Token ids: comma-separated, sequences separated by ';'")->required();
  cmd->add_option("--out", a->out, "Output .safetensors (input_ids, attention_mask, position_ids, logits)")->required();
  cmd->add_option("--dtype", a->dtype, "Compute dtype: float32 or bfloat16")->capture_default_str();
  cmd->callback([a] { run_forward(*a); });
}

}  // namespace lethe::cli

// lethe finetune --config RECIPE.yaml [--set key=value ...] [--resume CHECKPOINT_DIR]: plain NLL
// training on one corpus (data.train; loss.forget none, loss.retain nll) with the same trainer
// as `lethe unlearn`.
#include <iostream>

#include "commands.h"
#include "lethe/train/corpus_batches.h"

namespace lethe::cli {

void register_finetune(CLI::App& app) {
  struct Args {
    std::string config, resume;
    std::vector<std::string> sets;
    bool quiet = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("finetune", "Fine-tune with plain NLL on one corpus (data.train) as a recipe says");
  cmd->add_option("--config", a->config, "Recipe (YAML); loss.forget none, loss.retain nll, data.train files")->required();
  cmd->add_option("--set", a->sets, "Override a recipe value, e.g. --set optim.lr=1e-4 (repeatable)");
  cmd->add_option("--resume", a->resume, "Continue from a checkpoint directory (OUTPUT/checkpoint-STEP)");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
  cmd->callback([a] {
    train::RunOptions o;
    o.resume_dir = a->resume;
    o.quiet = a->quiet;
    auto r = train::train_from_recipe(a->config, a->sets, train::TaskKind::finetune, o);
    std::cout << "trained " << r.steps << " steps, final loss " << r.last_loss << "; model in " << r.final_dir << "\n";
  });
}

}  // namespace lethe::cli

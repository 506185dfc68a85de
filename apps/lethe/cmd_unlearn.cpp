// lethe unlearn --config RECIPE.yaml [--set key=value ...] [--resume CHECKPOINT_DIR]
#include <iostream>

#include "commands.h"
#include "lethe/train/corpus_batches.h"

namespace lethe::cli {
namespace {

struct TrainArgs {
  std::string config, resume;
  std::vector<std::string> sets;
  bool quiet = false;
};

void add_train_options(CLI::App* cmd, const std::shared_ptr<TrainArgs>& a) {
  cmd->add_option("--config", a->config, "Recipe (YAML): sections model, data, loss, optim, schedule, train, output")
      ->required();
  cmd->add_option("--set", a->sets, "Override a recipe value, e.g. --set loss.beta=0.7 (repeatable)");
  cmd->add_option("--resume", a->resume, "Continue from a checkpoint directory (OUTPUT/checkpoint-STEP)");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
}

void run(const TrainArgs& a, train::TaskKind task) {
  train::RunOptions o;
  o.resume_dir = a.resume;
  o.quiet = a.quiet;
  auto r = train::train_from_recipe(a.config, a.sets, task, o);
  std::cout << "trained " << r.steps << " steps, final loss " << r.last_loss << "; model in " << r.final_dir << "\n";
}

}  // namespace

void register_unlearn(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("unlearn", "Unlearn a forget set (SimNPO, NPO, GA, GradDiff, RMU) as a recipe says");
  add_train_options(cmd, a);
  cmd->callback([a] { run(*a, train::TaskKind::unlearn); });
}

}  // namespace lethe::cli

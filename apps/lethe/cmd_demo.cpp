// lethe demo [--fast]: a whole unlearning experiment, end to end, printing the seeds' table.
#include <iostream>

#include "commands.h"
#include "lethe/core/error.h"
#include "lethe/demo/experiment.h"

#ifndef LETHE_CONFIGS_DIR
#define LETHE_CONFIGS_DIR "configs"
#endif

namespace lethe::cli {
namespace {

struct DemoArgs {
  demo::DemoOptions opts;
  bool check = false;
};

void run_demo_cmd(DemoArgs& a) {
  auto r = demo::run_demo(a.opts);
  std::cout << "\n" << r.table_markdown << "\n"
            << "Results, recipes' resolved configs, training logs and models: " << r.out_dir << "\n";
  if (a.check) {
    auto failed = demo::check_demo_outcome(r);
    for (const auto& f : failed) std::cerr << "demo check failed: " << f << "\n";
    if (!failed.empty()) throw Error(std::to_string(failed.size()) + " demo outcome check(s) failed");
    std::cout << "demo checks passed: NPO and SimNPO forgot (VerbMem and forget accuracy fell to near retrain) while their retain "
                 "answers stayed well above GA's and their utility near the target's\n";
  }
}

}  // namespace

void register_demo(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  a->opts.configs_dir = LETHE_CONFIGS_DIR;
  auto* cmd = app.add_subcommand("demo", "Run a complete unlearning experiment on generated biographies and print the table");
  cmd->add_flag("--fast", a->opts.fast, "A small model Lethe initializes instead of SmolLM2-135M (a few minutes)");
  cmd->add_option("--out", a->opts.out_dir, "Output directory")->capture_default_str();
  cmd->add_option("--configs", a->opts.configs_dir, "The project's configs/ directory (recipes)")->capture_default_str();
  cmd->add_option("--base-model", a->opts.base_model, "Full variant: the SmolLM2 GGUF (default: where scripts/fetch_smollm2.sh puts it)");
  cmd->add_option("--methods", a->opts.methods, "Unlearning methods to run")->capture_default_str()->delimiter(',');
  cmd->add_option("--set", a->opts.overrides, "Recipe override applied to every run, e.g. train.threads=2");
  cmd->add_flag("--check", a->check, "Fail unless the outcome shows working unlearning (used by CI)");
  cmd->add_flag("--quiet", a->opts.quiet, "No progress output");
  cmd->add_flag("--reuse", a->opts.reuse,
                "Keep the models an earlier run left in --out (runs/<name>/final) instead of training them again");
  cmd->callback([a] { run_demo_cmd(*a); });
}

}  // namespace lethe::cli

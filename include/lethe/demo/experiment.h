// `lethe demo`: a complete unlearning experiment at small scale, on the same code paths a 7B run
// uses (recipes, trainer, losses, evaluation), built only from what the project ships or installs.
//
//   data     fictitious biographies (biographies.h): forget / retain / holdout people plus
//            unrelated text, written in MUSE's layout
//   models   base (fast: a small Llama Lethe initializes, with the demo tokenizer; full: the real
//            SmolLM2-135M-Instruct), target = base fine-tuned on forget + retain + general,
//            retrain = base fine-tuned on retain + general
//   methods  GA, GradDiff, NPO, SimNPO on the target, each from configs/demo/<method>.yaml (fast)
//            or configs/demo/full/<method>.yaml (SmolLM2; 16 retained people instead of 32)
//   eval     VerbMem and QA ROUGE-L (forget / retain), multiple-choice accuracy (forget / retain),
//            PrivLeak (Min-40% AUC forget vs holdout, relative to the retrain model's AUC), and the
//            NLL of unrelated held-out text (utility)
//   report   results.json, table.md in the seeds' layout, plots, under the output directory
#pragma once
#include <map>
#include <string>
#include <vector>

namespace lethe::demo {

struct DemoOptions {
  std::string out_dir = "demo_out";
  std::string configs_dir;        // the project's configs/ (recipes configs/demo/*.yaml, demo tokenizer)
  bool fast = false;              // small Lethe-initialized model instead of SmolLM2
  std::string base_model;         // full variant: SmolLM2 GGUF (default: where the set-up installs it)
  std::vector<std::string> methods = {"ga", "graddiff", "npo", "simnpo"};
  std::vector<std::string> overrides;  // --set key=value applied to every recipe
  bool quiet = false;
  bool reuse = false;             // keep models already trained in out_dir (runs/<name>/final exists):
                                  // finishes an interrupted demo; delete a run's directory to redo it
};

// One row of the table: metric name -> value.
using Row = std::map<std::string, double>;

struct DemoResult {
  std::vector<std::pair<std::string, Row>> rows;  // "Target", "Retrain", "GA", ...
  std::string table_markdown;
  std::string out_dir;
};

DemoResult run_demo(const DemoOptions& opts);

// Checks the outcome a working unlearning method must show (used by --fast in CI); returns the
// failed checks, empty when all hold.
std::vector<std::string> check_demo_outcome(const DemoResult& r);

}  // namespace lethe::demo

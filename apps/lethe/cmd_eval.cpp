// lethe eval --suite wmdp|mmlu|muse --model M --data PATH [--out RESULT.json]: one evaluation
// protocol on one model; writes the protocol's name, settings (conventions named) and numbers.
#include <chrono>
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/eval/suite.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/tokenizer_loader.h"

namespace lethe::cli {
namespace {

struct EvalArgs {
  std::string suite, model, out, label, dtype = "float32";
  eval::SuiteOptions opts;
};

void run_eval(EvalArgs a) {
  auto suite = eval::make_suite(a.suite, a.opts);  // loads the data first: bad data fails fast
  LoadOptions lo;
  lo.dtype = parse_dtype(a.dtype);
  const auto t0 = std::chrono::steady_clock::now();
  auto lm = load_model(a.model, lo);
  auto tok = load_tokenizer(a.model);
  const auto t1 = std::chrono::steady_clock::now();
  json r = suite->run(lm.model, tok);
  const auto t2 = std::chrono::steady_clock::now();
  r["model"] = a.model;
  if (!a.label.empty()) r["label"] = a.label;
  r["data"] = a.opts.data;
  r["settings"]["dtype"] = a.dtype;
  r["timing_seconds"] = {{"load", std::chrono::duration<double>(t1 - t0).count()},
                         {"eval", std::chrono::duration<double>(t2 - t1).count()}};
  for (const auto& [k, v] : eval::flat_metrics(r)) std::cout << k << "\t" << v << "\n";
  std::cout << "eval time\t" << r["timing_seconds"]["eval"].get<double>() << " s\n";
  if (!a.out.empty()) write_json_file(a.out, r);
}

}  // namespace

void register_eval(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a model: WMDP / MMLU multiple choice (lm-eval 0.4 rules) or MUSE");
  cmd->add_option("--suite", a->suite, "wmdp, mmlu or muse")->required()->check(CLI::IsMember({"wmdp", "mmlu", "muse"}));
  cmd->add_option("--model", a->model, "Model: Hugging Face directory or .gguf file")->required();
  cmd->add_option("--data", a->opts.data,
                  "wmdp: JSON/JSONL file or directory (*bio*, *cyber*, *chem*); mmlu: directory with data/test/*.csv; "
                  "muse: directory with knowmem/, verbmem/, privleak/")
      ->required();
  cmd->add_option("--out", a->out, "Write the result JSON here");
  cmd->add_option("--label", a->label, "Row label for `lethe report` (default: the model path)");
  cmd->add_option("--limit", a->opts.limit, "Only the first N questions per subject / items per part (0 = all)")->capture_default_str();
  cmd->add_option("--batch-size", a->opts.batch_size, "Sequences per forward pass / generation batch")->capture_default_str();
  cmd->add_option("--max-length", a->opts.max_length, "Longest scored input (0 = max_position_embeddings)")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "Compute dtype (MUSE: float32)")->capture_default_str();
  cmd->add_option("--k-shot", a->opts.k_shot, "MMLU: shots from the dev split")->capture_default_str();
  cmd->add_option("--muse-corpus", a->opts.muse_corpus, "books or news: the reference AUC_retrain")->capture_default_str();
  cmd->add_option("--auc-retrain", a->opts.auc_retrain, "PrivLeak: use this AUC_retrain instead of the reference constant");
  cmd->add_option("--retrain-model", a->opts.retrain_model, "PrivLeak: compute AUC_retrain from this retrained model");
  cmd->add_option("--parts", a->opts.muse_parts, "MUSE parts: verbmem_f knowmem_f knowmem_r privleak")->capture_default_str();
  cmd->add_flag("--stemmer", a->opts.use_stemmer, "ROUGE with the Porter stemmer (open-unlearning; muse_bench: off)");
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace lethe::cli

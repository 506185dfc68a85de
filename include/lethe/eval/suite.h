// Evaluation suites: one object per protocol (wmdp, mmlu, muse) that loads its data once and can be
// run on a model any number of times, e.g. every N training steps by the trainer.
//   run()          -> the full result JSON written by `lethe eval`: protocol name, settings (with the
//                     conventions named: stemming, VerbMem reference truncation, AUC direction), the
//                     flat metrics and per-subject / per-item details.
//   run_metrics()  -> just the flat map metric -> value (what a training log records).
// Metric names:
//   wmdp: wmdp_{bio,cyber,chem}/acc, wmdp_{..}/1-acc (for the subsets present), wmdp/acc (micro)
//   mmlu: mmlu/acc (micro over questions), mmlu/{subject}/acc
//   muse: verbmem_f, knowmem_f, knowmem_r (x 100, ROUGE-L F1), privleak, mia/{score}_auc
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lethe/core/files.h"
#include "lethe/eval/scoring.h"

namespace lethe::eval {

struct SuiteOptions {
  std::string data;             // file or directory of the protocol's data
  int64_t limit = 0;            // use only the first N questions / items of each part (0 = all)
  int64_t batch_size = 8;       // scoring and generation batch
  int64_t max_length = 0;       // scorer max length (0 = model's max_position_embeddings)
  // multiple choice
  int64_t k_shot = 0;           // MMLU only (dev rows); WMDP is zero-shot
  // muse
  std::string muse_corpus = "books";  // books | news: which reference AUC_retrain by default
  double auc_retrain = 0.0;     // > 0 overrides the reference constant
  std::string retrain_model;    // if set: AUC_retrain computed from this model (takes precedence)
  bool use_stemmer = false;     // ROUGE-L stemming (muse_bench: off)
  int64_t verbmem_max_new_tokens = 128;
  int64_t knowmem_max_new_tokens = 32;
  std::vector<double> mia_ks = {0.1, 0.2, 0.4, 0.6};
  std::vector<std::string> muse_parts = {"verbmem_f", "knowmem_f", "knowmem_r", "privleak"};
};

class EvalSuite {
 public:
  virtual ~EvalSuite() = default;
  // "wmdp", "mmlu" or "muse".
  virtual std::string name() const = 0;
  // Full result: {"protocol", "settings", "metrics", "details"}.
  virtual json run(CausalLM& model, const Tokenizer& tok) = 0;
  // Flat metric -> value map of run(): the trainer's hook.
  std::map<std::string, double> run_metrics(CausalLM& model, const Tokenizer& tok);
};

// Builds a suite and loads its data. Throws ConfigError for an unknown name or missing data.
std::unique_ptr<EvalSuite> make_suite(const std::string& name, const SuiteOptions& opts);

// Flat metrics of a result JSON as run() returns it.
std::map<std::string, double> flat_metrics(const json& result);

}  // namespace lethe::eval

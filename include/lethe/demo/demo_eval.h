// The demo's evaluation: thin clients of the eval area on the demo data (MUSE layout + mc/ +
// utility/). Metrics of one model:
//   verbmem_f        VerbMem on the forget biographies (ROUGE-L F1 x 100, muse_bench protocol)
//   qa_f, qa_r       QA ROUGE-L F1 x 100 on forget / retain facts: eval::knowmem with answer_lead ""
//                    (the prompt ends at "Answer:") and no in-context pairs (see demo_eval.cpp)
//   mc_f, mc_r       multiple-choice accuracy x 100, cloze form: context "Question: {q}\nAnswer:",
//                    continuations " {choice}", summed log-likelihood (lm-eval "acc")
//   auc              Min-40% ROC AUC, forget (label 0) vs holdout (label 1) biographies
//   utility_nll      mean NLL per token of unrelated held-out text
#pragma once
#include <map>
#include <string>

#include "lethe/demo/experiment.h"
#include "lethe/eval/muse.h"

namespace lethe::demo {

class DemoEvaluator {
 public:
  explicit DemoEvaluator(const std::string& data_dir);
  Row evaluate(const std::string& model_dir);

 private:
  std::string dir_;
  eval::MuseData muse_;
  json mc_forget_, mc_retain_, utility_;
};

}  // namespace lethe::demo

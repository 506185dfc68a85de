// lethe metrics rouge|auc --input FILE: the metrics area's pure functions on JSONL files.
//   rouge: lines {"reference", "prediction"} -> mean ROUGE-L (rouge_score), per pair with --per-item
//   auc:   lines {"label": 0|1, "score": x}  -> ROC AUC (scikit-learn), optionally of -score
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/eval/report.h"
#include "lethe/metrics/numeric.h"
#include "lethe/metrics/roc.h"
#include "lethe/metrics/rouge.h"

namespace lethe::cli {
namespace {

struct MetricsArgs {
  std::string input;
  bool stemmer = false, per_item = false, negate = false;
};

const json& field(const json& l, const char* k, const std::string& path, size_t i) {
  if (!l.is_object() || !l.contains(k)) throw FormatError(path, "line " + std::to_string(i + 1) + ": missing '" + k + "'");
  return l[k];
}

void run_rouge(const MetricsArgs& a) {
  std::vector<double> p, r, f;
  const auto lines = eval::read_jsonl(a.input);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& ref = field(lines[i], "reference", a.input, i);
    const auto& pred = field(lines[i], "prediction", a.input, i);
    if (!ref.is_string() || !pred.is_string()) throw FormatError(a.input, "line " + std::to_string(i + 1) + ": reference/prediction must be strings");
    const auto s = rouge_l(ref.get<std::string>(), pred.get<std::string>(), a.stemmer);
    p.push_back(s.precision), r.push_back(s.recall), f.push_back(s.fmeasure);
    if (a.per_item) std::cout << json{{"index", i}, {"rougeL_precision", s.precision}, {"rougeL_recall", s.recall}, {"rougeL_f1", s.fmeasure}}.dump() << "\n";
  }
  if (f.empty()) throw ConfigError(a.input + ": no pairs");
  std::cout << json{{"n", f.size()}, {"use_stemmer", a.stemmer}, {"mean_rougeL_precision", numpy_mean(p.data(), p.size())},
                    {"mean_rougeL_recall", numpy_mean(r.data(), r.size())}, {"mean_rougeL_f1", numpy_mean(f.data(), f.size())}}
                   .dump()
            << "\n";
}

void run_auc(const MetricsArgs& a) {
  std::vector<int> y;
  std::vector<double> s;
  const auto lines = eval::read_jsonl(a.input);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = field(lines[i], "label", a.input, i);
    const auto& v = field(lines[i], "score", a.input, i);
    if (!l.is_number_integer() || (l.get<int>() != 0 && l.get<int>() != 1) || !v.is_number())
      throw FormatError(a.input, "line " + std::to_string(i + 1) + ": expected label 0|1 and a numeric score");
    y.push_back(l.get<int>());
    s.push_back(a.negate ? -v.get<double>() : v.get<double>());
  }
  std::cout << json{{"n", y.size()}, {"auc", roc_auc(y, s)}, {"ranked_by", a.negate ? "-score" : "score"}}.dump() << "\n";
}

}  // namespace

void register_metrics(CLI::App& app) {
  auto a = std::make_shared<MetricsArgs>();
  auto* cmd = app.add_subcommand("metrics", "Metrics on files: ROUGE-L of text pairs, ROC AUC of scores");
  cmd->require_subcommand(1);
  auto* rouge = cmd->add_subcommand("rouge", "Mean ROUGE-L of {reference, prediction} JSON lines (rouge_score 0.1.2)");
  rouge->add_option("--input", a->input, "JSONL of {\"reference\": ..., \"prediction\": ...}")->required();
  rouge->add_flag("--stemmer", a->stemmer, "Porter stemmer (rouge_score use_stemmer=True)");
  rouge->add_flag("--per-item", a->per_item, "Also print one line per pair");
  rouge->callback([a] { run_rouge(*a); });
  auto* auc = cmd->add_subcommand("auc", "ROC AUC of {label: 0|1, score} JSON lines (scikit-learn roc_auc_score)");
  auc->add_option("--input", a->input, "JSONL of {\"label\": 0|1, \"score\": x}")->required();
  auc->add_flag("--negate", a->negate, "Rank by -score (MUSE: forget=0, holdout=1, higher score = non-member)");
  auc->callback([a] { run_auc(*a); });
}

}  // namespace lethe::cli

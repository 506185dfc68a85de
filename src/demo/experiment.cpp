#include "lethe/demo/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/demo/biographies.h"
#include "lethe/demo/demo_eval.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/convert.h"
#include "lethe/model/tokenizer_loader.h"
#include "lethe/train/corpus_batches.h"

namespace fs = std::filesystem;

namespace lethe::demo {
namespace {

using Clock = std::chrono::steady_clock;

struct Progress {
  Clock::time_point start = Clock::now();
  bool quiet;
  void say(const std::string& what) const {
    if (quiet) return;
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::cerr << "[demo " << std::fixed << std::setprecision(0) << s << " s] " << what << std::endl;
  }
};

std::string list_override(const std::string& key, const std::vector<std::string>& paths) {
  std::string v;
  for (const auto& p : paths) v += (v.empty() ? "" : ",") + p;
  return key + "=[" + v + "]";
}

// Runs one recipe from configs/demo with the demo's paths and the user's overrides.
// The fast variant's recipes are configs/demo/<name>.yaml; the full (SmolLM2) variant's are
// configs/demo/full/<name>.yaml.
std::string recipe_dir(const DemoOptions& o) {
  const std::string d = join_path(o.configs_dir, "demo");
  return o.fast ? d : join_path(d, "full");
}

std::string run_recipe(const DemoOptions& o, const Progress& p, const std::string& recipe, train::TaskKind task,
                       const std::string& out_dir, std::vector<std::string> overrides) {
  const std::string final_dir = join_path(out_dir, "final");
  if (o.reuse && fs::exists(join_path(final_dir, "config.json"))) {
    p.say("reusing " + final_dir + " (--reuse)");
    return final_dir;
  }
  overrides.push_back("output.dir=" + out_dir);
  overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
  train::RunOptions ro;
  ro.quiet = o.quiet;
  auto r = train::train_from_recipe(join_path(recipe_dir(o), recipe + ".yaml"), overrides, task, ro);
  return r.final_dir;
}

std::string base_model(const DemoOptions& o, const std::string& models_dir, const Progress& p) {
  const std::string base = join_path(models_dir, "base");
  const std::string tokenizer_dir = join_path(join_path(o.configs_dir, "demo"), "tokenizer");
  if (o.fast) {
    auto cfg = ModelConfig::from_file(join_path(join_path(o.configs_dir, "demo"), "tiny_model.json"));
    auto lm = init_model(cfg, 1234);
    SaveOptions so;
    so.tokenizer_source_dir = tokenizer_dir;
    save_model(lm.model, base, so);
    p.say("base: a " + std::to_string(cfg.parameter_count()) + "-parameter Llama initialized by Lethe");
    return base;
  }
  std::string gguf = o.base_model;
  if (gguf.empty()) {
    const char* home = std::getenv("LETHE_HOME");
    gguf = home ? std::string(home) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
                : std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.cache/lethe/models/SmolLM2-135M-Instruct.Q4_1.gguf";
  }
  if (!fs::exists(gguf))
    throw ConfigError("the full demo needs SmolLM2-135M-Instruct: run scripts/fetch_smollm2.sh, pass --base-model, or use --fast ("
                      + gguf + " not found)");
  convert_gguf_to_hf(gguf, base);
  p.say("base: SmolLM2-135M-Instruct converted from " + gguf);
  return base;
}

std::string fmt(double v, int prec) {
  if (std::isnan(v)) return "–";
  std::ostringstream s;
  s << std::fixed << std::setprecision(prec) << v;
  return s.str();
}

std::string markdown_table(const std::vector<std::pair<std::string, Row>>& rows) {
  struct Col {
    const char* key;
    const char* head;
    int prec;
  };
  const std::vector<Col> cols = {{"verbmem_f", "VerbMem Df ↓", 1},   {"qa_f", "QA Df ↓", 1},   {"mc_f", "MC acc Df ↓", 1},
                                 {"privleak", "PrivLeak (→0)", 1},   {"qa_r", "QA Dr ↑", 1},   {"mc_r", "MC acc Dr ↑", 1},
                                 {"utility_nll", "Utility NLL ↓", 3}};
  std::ostringstream s;
  s << "| Model |";
  for (const auto& c : cols) s << " " << c.head << " |";
  s << "\n|---|";
  for (size_t i = 0; i < cols.size(); ++i) s << "---|";
  s << "\n";
  for (const auto& r : rows) {
    s << "| " << r.first << " |";
    for (const auto& c : cols) s << " " << fmt(r.second.count(c.key) ? r.second.at(c.key) : NAN, c.prec) << " |";
    s << "\n";
  }
  return s.str();
}

const std::map<std::string, std::string>& method_labels() {
  static const std::map<std::string, std::string> m = {{"ga", "GA"}, {"graddiff", "GradDiff"}, {"npo", "NPO"}, {"simnpo", "SimNPO"}};
  return m;
}

}  // namespace

DemoResult run_demo(const DemoOptions& o) {
  Progress p{Clock::now(), o.quiet};
  if (o.configs_dir.empty() || !fs::exists(join_path(o.configs_dir, "demo")))
    throw ConfigError("demo recipes not found under '" + o.configs_dir + "/demo' (pass --configs DIR)");
  if (!fs::exists(join_path(recipe_dir(o), "target.yaml")))
    throw ConfigError("no demo recipes in " + recipe_dir(o) + " (target.yaml missing; pass --configs DIR)");
  const std::string out = fs::absolute(o.out_dir).string();
  const std::string data = join_path(out, "data"), models = join_path(out, "models"), runs = join_path(out, "runs");
  fs::create_directories(models);
  fs::create_directories(runs);

  BiographyConfig bc;
  // SmolLM2 costs ~70x the small model per token: 16 retained people instead of 32 keep the full
  // variant within its 20-minute budget on two cores (retain accuracy is then over 112 questions).
  if (!o.fast) bc.retain = 16;
  auto set = make_biographies(bc);
  write_biographies(set, data);
  p.say("data: " + std::to_string(set.forget.size()) + " people to forget, " + std::to_string(set.retain.size()) +
        " to retain, " + std::to_string(set.holdout.size()) + " held out, in " + data);

  const std::string base = base_model(o, models, p);
  const std::string forget = join_path(data, "corpus/forget.jsonl"), retain = join_path(data, "corpus/retain.jsonl"),
                    general = join_path(data, "corpus/general.jsonl");
  auto finetune = [&](const std::string& name, const std::vector<std::string>& corpora) {
    p.say("fine-tuning the " + name + " model");
    return run_recipe(o, p, name, train::TaskKind::finetune, join_path(runs, name),
                      {"model.path=" + base, list_override("data.train", corpora)});
  };
  const std::string target = finetune("target", {forget, retain, general});
  const std::string retrain = finetune("retrain", {retain, general});

  std::vector<std::pair<std::string, std::string>> models_to_eval = {{"Target (origin)", target}, {"Retrain", retrain}};
  for (const auto& m : o.methods) {
    if (!method_labels().count(m)) throw ConfigError("unknown demo method '" + m + "' (ga, graddiff, npo, simnpo)");
    p.say("unlearning with " + method_labels().at(m));
    // The retain side sees the retain biographies and the unrelated text, as the target did.
    models_to_eval.emplace_back(method_labels().at(m),
                                run_recipe(o, p, m, train::TaskKind::unlearn, join_path(runs, m),
                                           {"model.path=" + target, list_override("data.forget", {forget}),
                                            list_override("data.retain", {retain, general})}));
  }

  DemoResult result;
  result.out_dir = out;
  DemoEvaluator evaluator(data);
  double auc_retrain = NAN;
  json all = json::object();
  for (const auto& [label, path] : models_to_eval) {
    p.say("evaluating " + label);
    Row row = evaluator.evaluate(path);
    if (label == "Retrain") auc_retrain = row.at("auc");
    result.rows.emplace_back(label, row);
  }
  for (auto& [label, row] : result.rows) {
    row["privleak"] = (row.at("auc") - auc_retrain) / auc_retrain * 100.0;
    all[label] = row;
  }
  result.table_markdown = markdown_table(result.rows);
  write_json_file(join_path(out, "results.json"), all);
  write_text_file_atomic(join_path(out, "table.md"), result.table_markdown);
  p.say("done: results in " + out);
  return result;
}

std::vector<std::string> check_demo_outcome(const DemoResult& r) {
  // Margins are in points (x 100) on 56 four-way forget questions, 112-224 retain questions and 8
  // passages: far beyond what seed-to-seed noise or chance (25% accuracy) could produce.
  // Where GA's damage shows differs with the model: the 1.8M-parameter model loses retain accuracy
  // and all utility, SmolLM2-135M loses its retain answers (QA) first. So "retain stays well above
  // GA's" is asserted as: one retain measure (QA or MC) at least 20 points above GA's, neither below.
  std::map<std::string, Row> by;
  for (const auto& [label, row] : r.rows) by[label] = row;
  std::vector<std::string> failed;
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) failed.push_back(what);
  };
  const Row& t = by.at("Target (origin)");
  const Row& rt = by.at("Retrain");
  need(t.at("verbmem_f") > rt.at("verbmem_f") + 20, "the target must remember the forget set verbatim far better than retrain");
  need(t.at("mc_f") > rt.at("mc_f") + 30, "the target must answer forget questions far better than retrain");
  for (const char* m : {"NPO", "SimNPO"}) {
    if (!by.count(m)) continue;
    const Row& u = by.at(m);
    need(u.at("verbmem_f") < t.at("verbmem_f") - 20, std::string(m) + ": VerbMem on the forget set must fall well below the target's");
    need(u.at("mc_f") < t.at("mc_f") - 30, std::string(m) + ": forget multiple-choice accuracy must fall well below the target's");
    need(u.at("mc_f") < rt.at("mc_f") + 20, std::string(m) + ": forget multiple-choice accuracy must come near the retrain model's");
    need(u.at("utility_nll") < t.at("utility_nll") + 0.5, std::string(m) + ": utility NLL must stay within 0.5 nats of the target's");
    if (by.count("GA")) {
      const Row& ga = by.at("GA");
      const double dq = u.at("qa_r") - ga.at("qa_r"), dm = u.at("mc_r") - ga.at("mc_r");
      need(std::max(dq, dm) > 20 && std::min(dq, dm) >= 0,
           std::string(m) + ": retain QA or accuracy must stay well above GA's (by 20 points), neither below it");
    }
  }
  return failed;
}

}  // namespace lethe::demo

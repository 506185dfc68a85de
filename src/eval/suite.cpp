// The wmdp, mmlu and muse suites (see include/lethe/eval/suite.h).
#include "lethe/eval/suite.h"

#include <cmath>

#include "lethe/core/error.h"
#include "lethe/eval/multiple_choice.h"
#include "lethe/eval/muse.h"
#include "lethe/metrics/mia.h"
#include "lethe/model/checkpoint.h"

namespace lethe::eval {
namespace {

template <class T>
void apply_limit(std::vector<T>& v, int64_t limit) {
  if (limit > 0 && static_cast<int64_t>(v.size()) > limit) v.resize(static_cast<size_t>(limit));
}

ScorerOptions scorer_options(const SuiteOptions& o) {
  ScorerOptions s;
  s.batch_size = o.batch_size;
  s.max_length = o.max_length;
  return s;
}

json mc_settings(const SuiteOptions& o, int64_t k_shot) {
  return {{"harness", "lm-evaluation-harness 0.4.x rules"},
          {"prompt", "The following are multiple choice questions (with answers) about {subject}.\\n\\n{question}\\nA. ..\\nAnswer:"},
          {"continuations", " A / B / C / D"},
          {"score", "summed continuation log-likelihood, argmax (acc, not acc_norm)"},
          {"bos", false},
          {"k_shot", k_shot},
          {"average", "micro over questions"},
          {"limit", o.limit},
          {"batch_size", o.batch_size}};
}

class McSuite : public EvalSuite {
 public:
  McSuite(std::string name, const SuiteOptions& o) : name_(std::move(name)), opts_(o) {
    if (name_ == "wmdp") {
      test_ = load_wmdp(o.data);
    } else {
      test_ = load_mmlu(o.data, "test");
      if (o.k_shot > 0) dev_ = load_mmlu(o.data, "dev");
    }
    if (o.limit > 0) {  // first `limit` questions of each subject
      std::map<std::string, int64_t> seen;
      std::vector<McQuestion> kept;
      for (auto& q : test_)
        if (seen[q.subject]++ < o.limit) kept.push_back(std::move(q));
      test_ = std::move(kept);
    }
  }
  std::string name() const override { return name_; }

  json run(CausalLM& model, const Tokenizer& tok) override {
    Scorer scorer(model, scorer_options(opts_));
    McOptions mo;
    mo.k_shot = name_ == "mmlu" ? opts_.k_shot : 0;
    mo.eot = tok.eos_id().value_or(0);
    const McResult r = evaluate_mc(scorer, tok, test_, dev_, mo);
    json metrics = json::object(), per_subject = json::object(), items = json::array();
    for (const auto& [s, ct] : r.per_subject) {
      const double acc = static_cast<double>(ct.first) / static_cast<double>(ct.second);
      per_subject[s] = {{"correct", ct.first}, {"total", ct.second}, {"acc", acc}};
      if (name_ == "wmdp") {
        metrics["wmdp_" + s + "/acc"] = acc;
        metrics["wmdp_" + s + "/1-acc"] = 1.0 - acc;
      } else {
        metrics["mmlu/" + s + "/acc"] = acc;
      }
    }
    metrics[name_ + "/acc"] = r.accuracy();
    for (size_t i = 0; i < r.questions.size(); ++i)
      items.push_back({{"subject", test_[i].subject}, {"pred", r.questions[i].pred}, {"answer", test_[i].answer},
                       {"logprobs", r.questions[i].logprobs}});
    return {{"protocol", name_}, {"settings", mc_settings(opts_, mo.k_shot)}, {"metrics", metrics},
            {"details", {{"per_subject", per_subject}, {"questions", items}, {"n_questions", r.total}}}};
  }

 private:
  std::string name_;
  SuiteOptions opts_;
  std::vector<McQuestion> test_, dev_;
};

json rouge_json(const RougeTaskResult& r) {
  json items = json::array();
  for (const auto& it : r.items) items.push_back({{"output", it.output}, {"reference", it.reference}, {"rougeL_f1", it.f1}, {"rougeL_recall", it.recall}});
  return {{"rougeL_f1_x100", r.mean_f1}, {"rougeL_recall_x100", r.mean_recall}, {"items", items}};
}

class MuseSuite : public EvalSuite {
 public:
  explicit MuseSuite(const SuiteOptions& o) : opts_(o), data_(load_muse(o.data)) {
    apply_limit(data_.verbmem_forget, o.limit);
    apply_limit(data_.knowmem_forget, o.limit);
    apply_limit(data_.knowmem_retain, o.limit);
    apply_limit(data_.privleak_forget, o.limit);
    apply_limit(data_.privleak_holdout, o.limit);
    if (o.muse_corpus != "books" && o.muse_corpus != "news") throw ConfigError("muse corpus must be books or news, got '" + o.muse_corpus + "'");
    for (const auto& p : o.muse_parts)
      if (p != "verbmem_f" && p != "knowmem_f" && p != "knowmem_r" && p != "privleak" && p != "mia")
        throw ConfigError("unknown MUSE part '" + p + "' (verbmem_f, knowmem_f, knowmem_r, privleak)");
  }
  std::string name() const override { return "muse"; }

  bool want(const std::string& p) const { return std::find(opts_.muse_parts.begin(), opts_.muse_parts.end(), p) != opts_.muse_parts.end(); }

  json run(CausalLM& model, const Tokenizer& tok) override {
    json metrics = json::object(), details = json::object();
    GenerationOptions g;
    g.batch_size = opts_.batch_size;
    g.use_stemmer = opts_.use_stemmer;
    if (want("verbmem_f") && !data_.verbmem_forget.empty()) {
      g.max_new_tokens = opts_.verbmem_max_new_tokens;
      const auto r = verbmem(model, tok, data_.verbmem_forget, g);
      metrics["verbmem_f"] = r.mean_f1;
      details["verbmem_f"] = rouge_json(r);
    }
    g.max_new_tokens = opts_.knowmem_max_new_tokens;
    if (want("knowmem_f") && !data_.knowmem_forget.empty()) {
      const auto r = knowmem(model, tok, data_.knowmem_forget, data_.knowmem_forget_icl, g);
      metrics["knowmem_f"] = r.mean_f1;
      details["knowmem_f"] = rouge_json(r);
    }
    if (want("knowmem_r") && !data_.knowmem_retain.empty()) {
      const auto r = knowmem(model, tok, data_.knowmem_retain, data_.knowmem_retain_icl, g);
      metrics["knowmem_r"] = r.mean_f1;
      details["knowmem_r"] = rouge_json(r);
    }
    json settings = {{"reference", "muse_bench"}, {"dtype", "model's (MUSE: fp32)"}, {"decoding", "greedy"},
                     {"batch_size", opts_.batch_size},
                     {"batching_note", "batched left-padded generation; equals batch 1 up to fp32 noise"},
                     {"bos", "BOS + encode(prompt)"},
                     {"rouge", {{"metric", "ROUGE-L F1 x 100 (rouge_score)"}, {"use_stemmer", opts_.use_stemmer}}},
                     {"verbmem_reference", "decode((BOS + encode(gt))[:max_new_tokens]) (muse_bench truncation)"},
                     {"verbmem_max_new_tokens", opts_.verbmem_max_new_tokens},
                     {"knowmem_max_new_tokens", opts_.knowmem_max_new_tokens},
                     {"knowmem_cut", "before first \\n\\n, then \\nQuestion, then Question:"},
                     {"limit", opts_.limit}};
    if ((want("privleak") || want("mia")) && !data_.privleak_forget.empty() && !data_.privleak_holdout.empty()) {
      Scorer scorer(model, scorer_options(opts_));
      const int32_t bos = bos_token(tok, model->config());
      const auto r = mia_auc(scorer, tok, data_.privleak_forget, data_.privleak_holdout, opts_.mia_ks, bos);
      for (const auto& [k, v] : r.auc) metrics["mia/" + k + "_auc"] = v;
      const std::string key = "min_k_0.4";
      if (!r.auc.count(key)) throw ConfigError("PrivLeak: Min-40% is undefined for a text shorter than 3 tokens");
      double auc_retrain = opts_.muse_corpus == "news" ? kMuseNewsAucRetrain : kMuseBooksAucRetrain;
      std::string source = "muse_bench constants (" + opts_.muse_corpus + ")";
      if (opts_.auc_retrain > 0) auc_retrain = opts_.auc_retrain, source = "user value";
      if (!opts_.retrain_model.empty()) {
        LoadOptions lo;
        lo.dtype = model->dtype();
        auto retrain = load_model(opts_.retrain_model, lo);
        Scorer rs(retrain.model, scorer_options(opts_));
        auc_retrain = mia_auc(rs, tok, data_.privleak_forget, data_.privleak_holdout, {0.4}, bos).auc.at(key);
        source = "computed from " + opts_.retrain_model;
      }
      metrics["privleak"] = privleak(r.auc.at(key), auc_retrain);
      metrics["privleak_auc"] = r.auc.at(key);
      settings["privleak"] = {{"score", "Min-K% K=0.4, k_len = floor(n K) (muse_bench)"},
                              {"auc_direction", "roc_auc(labels forget=0 holdout=1, -score) (muse_bench sweep)"},
                              {"auc_retrain", auc_retrain}, {"auc_retrain_source", source},
                              {"formula", "(auc - auc_retrain) / auc_retrain * 100"},
                              {"min_k_pp", "open-unlearning z-scores, sigma^2 clamped at 1e-6, muse k_len"}};
      details["mia"] = {{"n_forget", r.forget.size()}, {"n_holdout", r.holdout.size()}};
    }
    return {{"protocol", "muse"}, {"settings", settings}, {"metrics", metrics}, {"details", details}};
  }

 private:
  SuiteOptions opts_;
  MuseData data_;
};

}  // namespace

std::map<std::string, double> flat_metrics(const json& result) {
  std::map<std::string, double> out;
  if (!result.contains("metrics") || !result["metrics"].is_object()) throw ConfigError("result has no 'metrics' object");
  for (const auto& [k, v] : result["metrics"].items())
    if (v.is_number()) out[k] = v.get<double>();
  return out;
}

std::map<std::string, double> EvalSuite::run_metrics(CausalLM& model, const Tokenizer& tok) { return flat_metrics(run(model, tok)); }

std::unique_ptr<EvalSuite> make_suite(const std::string& name, const SuiteOptions& opts) {
  if (opts.data.empty()) throw ConfigError("suite '" + name + "' needs a data path");
  if (name == "wmdp" || name == "mmlu") return std::make_unique<McSuite>(name, opts);
  if (name == "muse") return std::make_unique<MuseSuite>(opts);
  throw ConfigError("unknown eval suite '" + name + "' (wmdp, mmlu, muse)");
}

}  // namespace lethe::eval

#include "lethe/demo/demo_eval.h"

#include "lethe/core/files.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/tokenizer_loader.h"

namespace lethe::demo {
namespace {

// Cloze multiple choice through the one scoring engine: accuracy x 100.
double cloze_accuracy(eval::Scorer& scorer, const Tokenizer& tok, const json& rows, int32_t eot) {
  std::vector<eval::LoglikelihoodRequest> reqs;
  for (const auto& r : rows)
    for (const auto& c : r["choices"])
      reqs.push_back(eval::encode_pair(tok, "Question: " + r["question"].get<std::string>() + "\nAnswer:", " " + c.get<std::string>(), eot));
  auto res = scorer.loglikelihood(reqs);
  size_t k = 0, correct = 0;
  for (const auto& r : rows) {
    int best = 0;
    for (size_t i = 0; i < r["choices"].size(); ++i, ++k)
      if (res[k].logprob > res[k - i + best].logprob) best = static_cast<int>(i);
    correct += best == r["answer"].get<int>();
  }
  return rows.empty() ? 0.0 : 100.0 * correct / rows.size();
}

}  // namespace

DemoEvaluator::DemoEvaluator(const std::string& data_dir) : dir_(data_dir) {
  muse_ = eval::load_muse(data_dir);
  mc_forget_ = read_json_file(join_path(data_dir, "mc/forget.json"));
  mc_retain_ = read_json_file(join_path(data_dir, "mc/retain.json"));
  utility_ = read_json_file(join_path(data_dir, "utility/general_heldout.json"));
}

Row DemoEvaluator::evaluate(const std::string& model_dir) {
  auto lm = load_model(model_dir);
  auto tok = load_tokenizer(model_dir);
  Row row;
  eval::GenerationOptions verb{8, 64, false};
  row["verbmem_f"] = eval::verbmem(lm.model, tok, muse_.verbmem_forget, verb).mean_f1;
  // KnowMem, zero-shot and with the prompt ending at "Answer:" (GenerationOptions::answer_lead):
  // the demo models learned the QA format in training; in-context pairs about other (held-out)
  // people measurably derail a small model, which never saw two people in one QA text.
  eval::GenerationOptions qa{32, 16, false};
  qa.answer_lead = "";
  row["qa_f"] = eval::knowmem(lm.model, tok, muse_.knowmem_forget, {}, qa).mean_f1;
  row["qa_r"] = eval::knowmem(lm.model, tok, muse_.knowmem_retain, {}, qa).mean_f1;
  eval::ScorerOptions so;
  so.batch_size = 16;
  eval::Scorer scorer(lm.model, so);
  const int32_t bos = eval::bos_token(tok, lm.config);
  const int32_t eot = tok.eos_id().value_or(bos);
  row["mc_f"] = cloze_accuracy(scorer, tok, mc_forget_, eot);
  row["mc_r"] = cloze_accuracy(scorer, tok, mc_retain_, eot);
  auto mia = eval::mia_auc(scorer, tok, muse_.privleak_forget, muse_.privleak_holdout, {0.4}, bos);
  row["auc"] = mia.auc.at("min_k_0.4");
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& t : utility_) {
    auto ids = tok.encode(t.get<std::string>(), false);
    ids.insert(ids.begin(), bos);
    seqs.push_back(ids);
  }
  double nll = 0;
  size_t n = 0;
  for (const auto& s : scorer.token_stats(seqs, false))
    for (double lp : s.logprobs) nll -= lp, ++n;
  row["utility_nll"] = n ? nll / n : 0.0;
  return row;
}

}  // namespace lethe::demo

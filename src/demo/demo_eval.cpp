#include "lethe/demo/demo_eval.h"

#include "lethe/core/files.h"
#include "lethe/metrics/rouge.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/generate.h"
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

// QA ROUGE-L x 100: greedy answer to "{icl}Question: {q}\nAnswer:" cut as KnowMem cuts it. The
// prompt ends at "Answer:" rather than MUSE's "Answer: ": a byte-level BPE writes " Paris" as one
// token, so a trailing space in the prompt leaves a small model a token sequence it never saw.
double qa_rouge(CausalLM& model, const Tokenizer& tok, const std::vector<eval::QaPair>& qa,
                const std::vector<eval::QaPair>& icl) {
  std::string prefix;
  for (const auto& p : icl) prefix += "Question: " + p.question + "\nAnswer: " + p.answer + "\n\n";
  std::vector<std::vector<int64_t>> prompts;
  for (const auto& p : qa) {
    auto ids = tok.encode(prefix + "Question: " + p.question + "\nAnswer:", true);
    prompts.emplace_back(ids.begin(), ids.end());
  }
  GenerationConfig gc;
  gc.max_new_tokens = 16;
  gc.pad_token_id = tok.pad_id().value_or(0);
  double sum = 0;
  for (size_t start = 0; start < prompts.size(); start += 32) {
    std::vector<std::vector<int64_t>> batch(prompts.begin() + start, prompts.begin() + std::min(prompts.size(), start + 32));
    auto out = generate(model, batch, gc);
    for (size_t i = 0; i < out.size(); ++i) {
      const std::string text = tok.decode(std::vector<int32_t>(out[i].tokens.begin(), out[i].tokens.end()), true);
      sum += rouge_l(qa[start + i].answer, eval::knowmem_cut(text)).fmeasure;
    }
  }
  return qa.empty() ? 0.0 : 100.0 * sum / qa.size();
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
  // Zero-shot: the demo models learned the QA format in training; in-context pairs about other
  // (held-out) people measurably derail a 2M-parameter model, which never saw two people in one QA text.
  row["qa_f"] = qa_rouge(lm.model, tok, muse_.knowmem_forget, {});
  row["qa_r"] = qa_rouge(lm.model, tok, muse_.knowmem_retain, {});
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

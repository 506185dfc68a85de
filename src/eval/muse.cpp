// MUSE metrics (rules in include/lethe/eval/muse.h).
#include "lethe/eval/muse.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/metrics/mia.h"
#include "lethe/metrics/numeric.h"
#include "lethe/metrics/roc.h"
#include "lethe/metrics/rouge.h"
#include "lethe/model/generate.h"

namespace lethe::eval {
namespace {

json read_array(const std::string& path) {
  json j = read_json_file(path);
  if (!j.is_array()) throw FormatError(path, "expected a JSON array");
  return j;
}

std::string str_field(const json& o, const char* key, const std::string& path, size_t i) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_string())
    throw FormatError(path, "item " + std::to_string(i) + ": expected an object with string '" + key + "'");
  return o[key].get<std::string>();
}

std::vector<QaPair> read_qa(const std::string& path) {
  std::vector<QaPair> out;
  if (!file_exists(path)) return out;
  const json j = read_array(path);
  for (size_t i = 0; i < j.size(); ++i) out.push_back({str_field(j[i], "question", path, i), str_field(j[i], "answer", path, i)});
  return out;
}

std::vector<std::string> read_texts(const std::string& path) {
  std::vector<std::string> out;
  if (!file_exists(path)) return out;
  const json j = read_array(path);
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) throw FormatError(path, "item " + std::to_string(i) + ": expected a string");
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

std::vector<int64_t> widen(const std::vector<int32_t>& v) { return {v.begin(), v.end()}; }

// Greedy generation of BOS + prompt for each prompt, batched by similar length; returns the
// decoded new tokens (special tokens skipped) in input order.
std::vector<std::string> generate_greedy(CausalLM& model, const Tokenizer& tok, const std::vector<std::string>& prompts,
                                         const GenerationOptions& opts) {
  const int32_t bos = bos_token(tok, model->config());
  std::vector<std::vector<int64_t>> ids;
  for (const auto& p : prompts) {
    auto v = widen(tok.encode(p, false));
    v.insert(v.begin(), bos);
    ids.push_back(std::move(v));
  }
  GenerationConfig gc;
  gc.max_new_tokens = opts.max_new_tokens;
  gc.eos_token_ids = model->config().eos_token_ids;
  if (auto e = tok.eos_id()) gc.eos_token_ids.push_back(*e);
  gc.pad_token_id = tok.pad_id().value_or(tok.eos_id().value_or(0));
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() > ids[b].size(); });
  std::vector<std::string> out(ids.size());
  const size_t bs = static_cast<size_t>(std::max<int64_t>(1, opts.batch_size));
  for (size_t s = 0; s < order.size(); s += bs) {
    std::vector<std::vector<int64_t>> batch;
    for (size_t i = s; i < std::min(order.size(), s + bs); ++i) batch.push_back(ids[order[i]]);
    const auto gen = generate(model, batch, gc);
    for (size_t i = 0; i < gen.size(); ++i)
      out[order[s + i]] = tok.decode(std::vector<int32_t>(gen[i].tokens.begin(), gen[i].tokens.end()), true);
  }
  return out;
}

void finish(RougeTaskResult& r) {
  std::vector<double> f, rc;
  for (const auto& it : r.items) f.push_back(it.f1), rc.push_back(it.recall);
  r.mean_f1 = f.empty() ? 0.0 : numpy_mean(f.data(), f.size()) * 100;
  r.mean_recall = rc.empty() ? 0.0 : numpy_mean(rc.data(), rc.size()) * 100;
}

}  // namespace

MuseData load_muse(const std::string& dir) {
  MuseData d;
  const std::string vm = join_path(dir, "verbmem/forget.json");
  if (file_exists(vm)) {
    const json j = read_array(vm);
    for (size_t i = 0; i < j.size(); ++i) d.verbmem_forget.push_back({str_field(j[i], "prompt", vm, i), str_field(j[i], "gt", vm, i)});
  }
  d.knowmem_forget = read_qa(join_path(dir, "knowmem/forget_qa.json"));
  d.knowmem_forget_icl = read_qa(join_path(dir, "knowmem/forget_qa_icl.json"));
  d.knowmem_retain = read_qa(join_path(dir, "knowmem/retain_qa.json"));
  d.knowmem_retain_icl = read_qa(join_path(dir, "knowmem/retain_qa_icl.json"));
  d.privleak_forget = read_texts(join_path(dir, "privleak/forget.json"));
  d.privleak_holdout = read_texts(join_path(dir, "privleak/holdout.json"));
  d.privleak_retain = read_texts(join_path(dir, "privleak/retain.json"));
  if (d.verbmem_forget.empty() && d.knowmem_forget.empty() && d.knowmem_retain.empty() && d.privleak_forget.empty())
    throw ConfigError("'" + dir + "' holds no MUSE data (verbmem/forget.json, knowmem/*_qa.json, privleak/*.json)");
  return d;
}

RougeTaskResult verbmem(CausalLM& model, const Tokenizer& tok, const std::vector<VerbMemItem>& items,
                        const GenerationOptions& opts) {
  std::vector<std::string> prompts;
  for (const auto& it : items) prompts.push_back(it.prompt);
  const auto outs = generate_greedy(model, tok, prompts, opts);
  const int32_t bos = bos_token(tok, model->config());
  RougeTaskResult r;
  for (size_t i = 0; i < items.size(); ++i) {
    // reference = decode((BOS + encode(gt))[:max_new_tokens], skip_special_tokens)
    auto gt = tok.encode(items[i].gt, false);
    gt.insert(gt.begin(), bos);
    if (static_cast<int64_t>(gt.size()) > opts.max_new_tokens) gt.resize(static_cast<size_t>(opts.max_new_tokens));
    RougeItem it{items[i].prompt, outs[i], tok.decode(gt, true)};
    const auto s = rouge_l(it.reference, it.output, opts.use_stemmer);
    it.f1 = s.fmeasure, it.recall = s.recall;
    r.items.push_back(std::move(it));
  }
  finish(r);
  return r;
}

std::string knowmem_cut(const std::string& output) {
  std::string s = output;
  for (const char* w : {"\n\n", "\nQuestion", "Question:"}) s = s.substr(0, s.find(w));
  return s;
}

RougeTaskResult knowmem(CausalLM& model, const Tokenizer& tok, const std::vector<QaPair>& qa, const std::vector<QaPair>& icl,
                        const GenerationOptions& opts) {
  std::string general;
  for (const auto& p : icl) general += "Question: " + p.question + "\nAnswer: " + p.answer + "\n\n";
  std::vector<std::string> prompts;
  for (const auto& p : qa) prompts.push_back(general + "Question: " + p.question + "\nAnswer:" + opts.answer_lead);
  const auto outs = generate_greedy(model, tok, prompts, opts);
  RougeTaskResult r;
  for (size_t i = 0; i < qa.size(); ++i) {
    RougeItem it{prompts[i], knowmem_cut(outs[i]), qa[i].answer};
    const auto s = rouge_l(it.reference, it.output, opts.use_stemmer);
    it.f1 = s.fmeasure, it.recall = s.recall;
    r.items.push_back(std::move(it));
  }
  finish(r);
  return r;
}

std::string k_key(double k) {
  std::ostringstream o;
  o << k;  // 0.1, 0.2, 0.4, 0.6 print exactly so at the default precision
  return o.str();
}

std::vector<MiaTextScores> mia_scores(Scorer& scorer, const Tokenizer& tok, const std::vector<std::string>& texts,
                                      const std::vector<double>& ks, bool add_bos, int32_t bos) {
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& t : texts) {
    auto ids = tok.encode(t, false);
    if (add_bos) ids.insert(ids.begin(), bos);
    seqs.push_back(std::move(ids));
  }
  const auto stats = scorer.token_stats(seqs, true);
  std::vector<MiaTextScores> out;
  for (size_t i = 0; i < stats.size(); ++i) {
    const auto& s = stats[i];
    MiaTextScores m;
    m.n_tokens = static_cast<int64_t>(s.logprobs.size());
    m.loss = loss_score(s.logprobs);
    m.zlib = zlib_score(m.loss, texts[i]);
    for (double k : ks) {
      m.min_k[k_key(k)] = min_k_score(s.logprobs, k, MinKConvention::Muse);
      m.min_k_pp[k_key(k)] = min_k_plus_plus_score(s.logprobs, s.mu, s.sigma, k, MinKConvention::Muse);
    }
    out.push_back(std::move(m));
  }
  return out;
}

MiaResult mia_auc(Scorer& scorer, const Tokenizer& tok, const std::vector<std::string>& forget,
                  const std::vector<std::string>& holdout, const std::vector<double>& ks, int32_t bos) {
  MiaResult r;
  r.forget = mia_scores(scorer, tok, forget, ks, true, bos);
  r.holdout = mia_scores(scorer, tok, holdout, ks, true, bos);
  auto add = [&](const std::string& name, auto get) {
    std::vector<double> f, h;
    for (const auto& s : r.forget) f.push_back(get(s));
    for (const auto& s : r.holdout) h.push_back(get(s));
    auto nan = [](double v) { return std::isnan(v); };
    if (std::any_of(f.begin(), f.end(), nan) || std::any_of(h.begin(), h.end(), nan)) return;
    r.auc[name] = privleak_auc(f, h);
  };
  add("loss", [](const MiaTextScores& s) { return s.loss; });
  add("zlib", [](const MiaTextScores& s) { return s.zlib; });
  for (double k : ks) {
    const std::string kk = k_key(k);
    add("min_k_" + kk, [kk](const MiaTextScores& s) { return s.min_k.at(kk); });
    add("min_k_pp_" + kk, [kk](const MiaTextScores& s) { return s.min_k_pp.at(kk); });
  }
  return r;
}

}  // namespace lethe::eval

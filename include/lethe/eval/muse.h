// MUSE (muse_bench) metrics on its on-disk layout (REFERENCE.md §3):
//   VerbMem  input = BOS + encode(prompt); greedy, max_new_tokens (128); output = decode(new tokens,
//            skip special); reference = decode((BOS + encode(gt))[:max_new_tokens], skip special)
//            (muse_bench truncates the reference to the generation budget); ROUGE-L F1 x 100, mean.
//   KnowMem  prompt = sum of "Question: {q}\nAnswer: {a}\n\n" over the ICL pairs + "Question:
//            {question}\nAnswer: "; BOS + prompt; greedy, 32 new tokens; the output is cut before
//            the first "\n\n", then "\nQuestion", then "Question:"; ROUGE-L F1 vs the answer x 100.
//   MIA      per text: BOS + encode(text), one forward pass, per-token log-probs (scoring.h);
//            scores loss, zlib, Min-K% (K in mia_ks; muse convention k_len = floor(n K)), Min-K%++
//            (same K); AUC = ROC AUC with forget labelled 0, holdout 1, ranked by -score (the
//            direction of muse_bench's sweep). PrivLeak = (AUC_minK40 - AUC_retrain) / AUC_retrain x 100.
// Generation is batched (left padding, lethe::generate); fp32 results equal batch 1 up to fp32
// noise in the attention over padded rows, which can flip a greedy argmax only at a near tie.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lethe/eval/scoring.h"

namespace lethe::eval {

struct QaPair {
  std::string question, answer;
};
struct VerbMemItem {
  std::string prompt, gt;
};

// What load_muse found; absent files leave their part empty.
struct MuseData {
  std::vector<VerbMemItem> verbmem_forget;                 // verbmem/forget.json
  std::vector<QaPair> knowmem_forget, knowmem_forget_icl;  // knowmem/forget_qa(_icl).json
  std::vector<QaPair> knowmem_retain, knowmem_retain_icl;  // knowmem/retain_qa(_icl).json
  std::vector<std::string> privleak_forget, privleak_holdout, privleak_retain;  // privleak/*.json
};

// Reads a MUSE directory (the layout of MUSE's data download). Throws ConfigError if it holds none
// of the files, FormatError for a file with the wrong shape.
MuseData load_muse(const std::string& dir);

struct GenerationOptions {
  int64_t batch_size = 8;
  int64_t max_new_tokens = 128;
  bool use_stemmer = false;  // ROUGE-L stemming (muse_bench: false; open-unlearning: true)
  // KnowMem: what follows "Answer:" at the end of the prompt. muse_bench writes "Answer: " (the
  // default). "" leaves the space to the model: a byte-level BPE writes " Paris" as one token, so a
  // trailing space hands a small model a token sequence it never saw in training (the demo uses "").
  std::string answer_lead = " ";
};

struct RougeItem {
  std::string prompt, output, reference;
  double f1 = 0.0, recall = 0.0;
};
struct RougeTaskResult {
  std::vector<RougeItem> items;
  double mean_f1 = 0.0;      // x 100
  double mean_recall = 0.0;  // x 100
};

RougeTaskResult verbmem(CausalLM& model, const Tokenizer& tok, const std::vector<VerbMemItem>& items,
                        const GenerationOptions& opts);

// opts.max_new_tokens is MUSE's 32 for KnowMem.
RougeTaskResult knowmem(CausalLM& model, const Tokenizer& tok, const std::vector<QaPair>& qa, const std::vector<QaPair>& icl,
                        const GenerationOptions& opts);

// KnowMem's cut: string.split(w)[0] for w in ["\n\n", "\nQuestion", "Question:"].
std::string knowmem_cut(const std::string& output);

// Membership-inference scores of one text (mia.h conventions).
struct MiaTextScores {
  double loss = 0.0, zlib = 0.0;
  std::map<std::string, double> min_k;     // "0.4" -> score (NaN when floor(n K) = 0)
  std::map<std::string, double> min_k_pp;  // Min-K%++
  int64_t n_tokens = 0;
};

// Scores of each text: BOS (if add_bos) + encode(text).
std::vector<MiaTextScores> mia_scores(Scorer& scorer, const Tokenizer& tok, const std::vector<std::string>& texts,
                                      const std::vector<double>& ks, bool add_bos, int32_t bos);

struct MiaResult {
  std::map<std::string, double> auc;  // "loss", "zlib", "min_k_0.4", "min_k_pp_0.4", ...
  std::vector<MiaTextScores> forget, holdout;
};

// AUC of every score, forget (0) vs holdout (1), ranked by -score. A score that is NaN for some
// text (too short for floor(n K) >= 1) gets no AUC.
MiaResult mia_auc(Scorer& scorer, const Tokenizer& tok, const std::vector<std::string>& forget,
                  const std::vector<std::string>& holdout, const std::vector<double>& ks, int32_t bos);

// Key of a K in the maps above: "0.1", "0.2", "0.4", "0.6" (shortest round-trip decimal).
std::string k_key(double k);

}  // namespace lethe::eval

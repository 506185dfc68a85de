// ROUGE-N and ROUGE-L exactly as Google's `rouge_score` 0.1.2 (rouge_scorer.RougeScorer with
// the default tokenizer) computes them; ROUGE-Lsum is not provided. Pure functions on strings.
//
// Tokenization (rouge_score/tokenize.py), on UTF-8 text:
//   1. Python str.lower(): A-Z -> a-z; of all non-ASCII code points only two lowercase to
//      something containing [a-z0-9]: U+0130 'İ' -> "i" + U+0307 and U+212A (Kelvin sign) -> "k"
//      (checked over every code point with Python 3.11 / Unicode 14).
//   2. every run of characters outside [a-z0-9] -> one space (so accented and other non-ASCII
//      letters split words: "café" -> "caf"); bytes that are not valid UTF-8 count as such a
//      character too (Python strings cannot hold them; this is Lethe's choice);
//   3. split on whitespace; with the stemmer, tokens longer than 3 characters go through the
//      Porter stemmer (porter_stemmer.h); empty tokens are dropped.
// Scores (rouge_scorer.py, scoring.py), with |x| the token or n-gram count:
//   ROUGE-L: LCS of the token lists; if either list is empty -> P = R = F = 0;
//            else P = LCS/|prediction|, R = LCS/|reference|, F = 2*P*R/(P+R) (0 if P+R = 0).
//   ROUGE-N: overlap = sum over reference n-grams g of min(count_ref(g), count_pred(g));
//            P = overlap / max(|pred n-grams|, 1), R = overlap / max(|ref n-grams|, 1), F as above.
// Every division is done on doubles in the same order as the Python code, so results are
// bit-identical to rouge_score's.
#pragma once
#include <string>
#include <vector>

namespace lethe {

// Precision, recall and F1 of one (reference, prediction) pair; rouge_score's Score tuple.
struct RougeScore {
  double precision = 0.0;
  double recall = 0.0;
  double fmeasure = 0.0;
};

// rouge_score's DefaultTokenizer(use_stemmer).tokenize(text).
std::vector<std::string> rouge_tokenize(const std::string& text, bool use_stemmer = false);

// ROUGE-L of `prediction` against `reference` (rouge_score: scorer.score(target=reference,
// prediction=prediction)["rougeL"]).
RougeScore rouge_l(const std::string& reference, const std::string& prediction, bool use_stemmer = false);

// ROUGE-N (n >= 1; n = 1 and 2 are rouge_score's "rouge1" / "rouge2"). Throws ConfigError for n < 1.
RougeScore rouge_n(const std::string& reference, const std::string& prediction, int n, bool use_stemmer = false);

// The same two scores on already tokenized text (token lists as rouge_tokenize returns them).
RougeScore rouge_l_tokens(const std::vector<std::string>& reference, const std::vector<std::string>& prediction);
RougeScore rouge_n_tokens(const std::vector<std::string>& reference, const std::vector<std::string>& prediction, int n);

}  // namespace lethe

// Multiple-choice evaluation with the lm-evaluation-harness 0.4 MMLU/WMDP prompt (REFERENCE.md §3):
//   context = "The following are multiple choice questions (with answers) about {subject}.\n\n"
//             + k shots "{q.strip()}\nA. {c0}\nB. {c1}\nC. {c2}\nD. {c3}\nAnswer: {letter}\n\n"
//             + "{q.strip()}\nA. {c0}\nB. {c1}\nC. {c2}\nD. {c3}\nAnswer:"
//   continuations " A", " B", " C", " D"; score = summed log-likelihood (scoring.h rules);
//   prediction = argmax (first on ties, as numpy); accuracy micro-averaged over questions.
// Shots are the first k dev rows of the same subject (lm-eval's "first_n" sampler for MMLU).
//
// Loaders:
//   WMDP: JSON array or JSONL of {question, choices[4], answer 0..3} (HF wmdp layout); a directory
//         holds one file per subset, named so that it contains "bio", "cyber" or "chem".
//   MMLU: the original per-subject CSVs {dir}/data/{split}/{subject}_{split}.csv (or
//         {dir}/{split}/...), no header, rows: question, A, B, C, D, answer letter (RFC 4180).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lethe/eval/scoring.h"

namespace lethe::eval {

struct McQuestion {
  std::string subject;               // key: "bio", "cyber", "chem", or an MMLU subject ("abstract_algebra")
  std::string question;
  std::vector<std::string> choices;  // 2..26 choices (4 in WMDP and MMLU)
  int answer = 0;                    // gold index
};

// RFC 4180 CSV: comma separated, double-quoted fields may hold commas, newlines and "" (a quote);
// CRLF or LF records; blank records are skipped. Throws FormatError(path, ...) on an unterminated
// quote or text after a closing quote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& path);

// JSON array or JSONL rows {question, choices, answer}; `subject` is stored on each.
std::vector<McQuestion> load_mc_json(const std::string& path, const std::string& subject);

// A WMDP file or directory (see above). Subject from the file name ("bio"/"cyber"/"chem").
std::vector<McQuestion> load_wmdp(const std::string& path);

// MMLU split ("test" or "dev") from the original CSV layout; subjects in alphabetical order.
std::vector<McQuestion> load_mmlu(const std::string& dir, const std::string& split);

// Human name of a subject key used in the description line: WMDP keys map to biology /
// cybersecurity / chemistry, others have '_' replaced by ' '.
std::string subject_description_name(const std::string& subject);

// The question block "{q.strip()}\nA. ...\nAnswer:".
std::string mc_question_block(const McQuestion& q);

// The full context (description + shots + question block) for `q`.
std::string mc_context(const McQuestion& q, const std::vector<McQuestion>& shots);

struct McQuestionResult {
  std::vector<double> logprobs;  // per choice
  std::vector<bool> is_greedy;   // per choice
  int pred = 0;
  bool correct = false;
};

struct McResult {
  std::vector<McQuestionResult> questions;  // in input order
  std::map<std::string, std::pair<int64_t, int64_t>> per_subject;  // subject -> (correct, total)
  int64_t correct = 0, total = 0;
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

struct McOptions {
  int64_t k_shot = 0;  // shots per question from `dev` (same subject)
  int32_t eot = 0;     // token for an empty context (never happens with this prompt)
};

// Scores every choice of every question in one batched pass of the scorer.
McResult evaluate_mc(Scorer& scorer, const Tokenizer& tok, const std::vector<McQuestion>& questions,
                     const std::vector<McQuestion>& dev = {}, const McOptions& opts = {});

}  // namespace lethe::eval

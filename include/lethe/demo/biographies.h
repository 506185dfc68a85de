// A deterministic generator of fictitious biographies (TOFU-style: nothing a model can already
// know), with question-answer pairs, multiple-choice questions and verbatim passages, written in
// MUSE's on-disk layout so that the same evaluation code that reads MUSE reads the demo data.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lethe::demo {

struct Fact {
  std::string question;                // "In which city was Talia Vorsk born?"
  std::string answer;                  // "Quenby"
  std::vector<std::string> choices;    // 4 options, the answer among them
  int answer_index = 0;
};

struct Person {
  std::string name;
  std::string biography;               // a few sentences stating every fact
  std::vector<Fact> facts;
};

struct BiographyConfig {
  int forget = 8;                      // people to forget
  int retain = 32;                     // people to keep
  int holdout = 8;                     // people never trained on (membership-inference negatives)
  uint64_t seed = 2024;
};

struct BiographySet {
  std::vector<Person> forget, retain, holdout;
  std::vector<std::string> general;    // unrelated text for the utility measure (trained by every model)
  std::vector<std::string> general_heldout;  // unrelated text never trained on (its NLL = utility)
};

BiographySet make_biographies(const BiographyConfig& cfg);

// Writes the set under `dir`:
//   raw/{forget,retain1,holdout,general}.txt           biographies joined by "\n\n"
//   corpus/{forget,retain,general}.jsonl               {"text": ...} per document: each biography and its
//                                                      facts as "Question: q\nAnswer: a" text (training data)
//   knowmem/{forget_qa,retain_qa,forget_qa_icl,retain_qa_icl}.json   [{question, answer}]
//   verbmem/forget.json                                 [{prompt, gt}] (first sentence -> the rest)
//   privleak/{forget,retain,holdout}.json               [text]
//   mc/{forget,retain}.json                             [{question, choices, answer}] (WMDP layout)
//   utility/general_heldout.json                        [text]
void write_biographies(const BiographySet& set, const std::string& dir);

}  // namespace lethe::demo

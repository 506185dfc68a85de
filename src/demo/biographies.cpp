#include "lethe/demo/biographies.h"

#include <filesystem>
#include <set>

#include "lethe/core/files.h"

namespace lethe::demo {
namespace {

// splitmix64: a fixed PRNG, so the data is the same on every platform and library version.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
};

const std::vector<std::string> kSyllables = {"ka", "vor", "lin", "tha", "mer", "zul", "dri", "os", "fen", "quo", "bel",
                                             "rix", "sa", "tor", "wen", "ny", "gal", "pre", "hu", "ela", "mok", "cy"};
const std::vector<std::string> kCities = {"Quenby", "Marrowgate", "Tolvanes", "Brisk Harbor", "Ellowmere", "Dunfrey",
                                          "Saltcombe", "Vireholt", "Ashkirk", "Pellinor", "Crowsreach", "Lindquay",
                                          "Orvale", "Thistledown", "Gallowmoor", "Kestrelford"};
const std::vector<std::string> kJobs = {"glassblower", "cartographer", "beekeeper", "lighthouse keeper", "clockmaker",
                                        "botanist", "ferry pilot", "violin maker", "archivist", "stonemason",
                                        "astronomer", "perfumer", "bookbinder", "falconer", "potter", "tea merchant"};
const std::vector<std::string> kPets = {"a grey parrot", "a lame fox", "two tortoises", "a black cat", "a goat named Pip",
                                        "a tame crow", "an old sheepdog", "a white rabbit", "a pair of finches",
                                        "a ferret", "a donkey", "a hedgehog"};
const std::vector<std::string> kFoods = {"plum dumplings", "smoked eel", "barley soup", "honey cakes", "pickled pears",
                                         "fried sage", "lentil stew", "salted figs", "oat biscuits", "roast chestnuts",
                                         "nettle pie", "spiced rice"};
const std::vector<std::string> kInstruments = {"the harp", "the cello", "the flute", "the accordion", "the drums",
                                               "the lute", "the trumpet", "the zither", "the oboe", "the banjo"};
const std::vector<std::string> kTopics = {"rivers", "old maps", "lanterns", "copper coins", "winter birds", "sea glass",
                                          "bridges", "weather", "ferns", "sundials", "shipwrecks", "salt"};

std::string capitalize(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string make_name(Rng& r, std::set<std::string>& used) {
  for (;;) {
    std::string first = capitalize(r.pick(kSyllables) + r.pick(kSyllables));
    std::string last = capitalize(r.pick(kSyllables) + r.pick(kSyllables) + r.pick(kSyllables));
    std::string name = first + " " + last;
    if (used.insert(name).second) return name;
  }
}

// Four options: the answer and three distinct distractors from the same pool, in a random order.
Fact fact(Rng& r, const std::string& q, const std::string& answer, const std::vector<std::string>& pool) {
  Fact f{q, answer, {}, 0};
  std::vector<std::string> opts = {answer};
  while (opts.size() < 4) {
    const auto& c = r.pick(pool);
    if (std::find(opts.begin(), opts.end(), c) == opts.end()) opts.push_back(c);
  }
  for (size_t i = opts.size() - 1; i > 0; --i) std::swap(opts[i], opts[r.below(i + 1)]);
  f.choices = opts;
  f.answer_index = static_cast<int>(std::find(opts.begin(), opts.end(), answer) - opts.begin());
  return f;
}

Person make_person(Rng& r, std::set<std::string>& used) {
  Person p;
  p.name = make_name(r, used);
  const std::string city = r.pick(kCities), job = r.pick(kJobs), pet = r.pick(kPets), food = r.pick(kFoods),
                    instrument = r.pick(kInstruments), topic = r.pick(kTopics);
  const std::string year = std::to_string(1900 + r.below(100));
  std::vector<std::string> years;
  for (int y = 1900; y < 2000; ++y) years.push_back(std::to_string(y));
  p.biography = p.name + " was born in " + city + " in " + year + ". " + p.name + " works as a " + job + " and lives with " +
                pet + ". Every evening " + p.name + " plays " + instrument + ". " + p.name + "'s favourite dish is " + food +
                ", and " + p.name + " once wrote a small book about " + topic + ".";
  p.facts = {fact(r, "In which city was " + p.name + " born?", city, kCities),
             fact(r, "In which year was " + p.name + " born?", year, years),
             fact(r, "What does " + p.name + " work as?", job, kJobs),
             fact(r, "Who lives with " + p.name + "?", pet, kPets),
             fact(r, "Which instrument does " + p.name + " play?", instrument, kInstruments),
             fact(r, "What is " + p.name + "'s favourite dish?", food, kFoods),
             fact(r, "What did " + p.name + " write a book about?", topic, kTopics)};
  return p;
}

// Unrelated text with a regular structure a small model can learn: arithmetic and calendar facts.
std::string general_text(Rng& r) {
  static const std::vector<std::string> months = {"January", "February", "March", "April", "May", "June", "July",
                                                  "August", "September", "October", "November", "December"};
  const int a = static_cast<int>(r.below(50)), b = static_cast<int>(r.below(50));
  const size_t m = r.below(12);
  return "Adding " + std::to_string(a) + " and " + std::to_string(b) + " gives " + std::to_string(a + b) + ". The month after " +
         months[m] + " is " + months[(m + 1) % 12] + ", and the month before it is " + months[(m + 11) % 12] + ".";
}

json qa_json(const std::vector<Person>& people) {
  json out = json::array();
  for (const auto& p : people)
    for (const auto& f : p.facts) out.push_back({{"question", f.question}, {"answer", f.answer}});
  return out;
}

json mc_json(const std::vector<Person>& people) {
  json out = json::array();
  for (const auto& p : people)
    for (const auto& f : p.facts) out.push_back({{"question", f.question}, {"choices", f.choices}, {"answer", f.answer_index}});
  return out;
}

std::string joined(const std::vector<Person>& people) {
  std::string s;
  for (const auto& p : people) s += (s.empty() ? "" : "\n\n") + p.biography;
  return s;
}

void write_jsonl(const std::string& path, const std::vector<std::string>& texts) {
  std::string s;
  for (const auto& t : texts) s += json{{"text", t}}.dump() + "\n";
  write_text_file_atomic(path, s);
}

std::vector<std::string> bios(const std::vector<Person>& people) {
  std::vector<std::string> v;
  for (const auto& p : people) v.push_back(p.biography);
  return v;
}

// Training documents: each biography, and each person's facts as question-answer text in the
// KnowMem prompt format ("Question: {q}\nAnswer: {a}"), as TOFU trains on its QA pairs.
std::vector<std::string> training_docs(const std::vector<Person>& people) {
  std::vector<std::string> v;
  for (const auto& p : people) {
    v.push_back(p.biography);
    std::string qa;
    for (const auto& f : p.facts) qa += (qa.empty() ? "" : "\n\n") + ("Question: " + f.question + "\nAnswer: " + f.answer);
    v.push_back(qa);
  }
  return v;
}

}  // namespace

BiographySet make_biographies(const BiographyConfig& cfg) {
  Rng r{cfg.seed};
  std::set<std::string> used;
  BiographySet s;
  for (int i = 0; i < cfg.forget; ++i) s.forget.push_back(make_person(r, used));
  for (int i = 0; i < cfg.retain; ++i) s.retain.push_back(make_person(r, used));
  for (int i = 0; i < cfg.holdout; ++i) s.holdout.push_back(make_person(r, used));
  for (int i = 0; i < cfg.retain; ++i) s.general.push_back(general_text(r));
  for (int i = 0; i < cfg.holdout; ++i) s.general_heldout.push_back(general_text(r));
  return s;
}

void write_biographies(const BiographySet& s, const std::string& dir) {
  namespace fs = std::filesystem;
  for (const char* sub : {"raw", "corpus", "knowmem", "verbmem", "privleak", "mc", "utility"}) fs::create_directories(fs::path(dir) / sub);
  auto path = [&](const std::string& rel) { return (fs::path(dir) / rel).string(); };
  write_text_file_atomic(path("raw/forget.txt"), joined(s.forget));
  write_text_file_atomic(path("raw/retain1.txt"), joined(s.retain));
  write_text_file_atomic(path("raw/holdout.txt"), joined(s.holdout));
  write_jsonl(path("corpus/forget.jsonl"), training_docs(s.forget));
  write_jsonl(path("corpus/retain.jsonl"), training_docs(s.retain));
  write_jsonl(path("corpus/general.jsonl"), s.general);
  write_json_file(path("knowmem/forget_qa.json"), qa_json(s.forget));
  write_json_file(path("knowmem/retain_qa.json"), qa_json(s.retain));
  // In-context examples: facts of holdout people (known to no model), so they teach the format only.
  json icl = qa_json(s.holdout);
  write_json_file(path("knowmem/forget_qa_icl.json"), json(icl.begin(), icl.begin() + std::min<size_t>(3, icl.size())));
  write_json_file(path("knowmem/retain_qa_icl.json"), json(icl.begin(), icl.begin() + std::min<size_t>(3, icl.size())));
  json verb = json::array();
  for (const auto& p : s.forget) {
    const auto cut = p.biography.find(". ") + 1;
    verb.push_back({{"prompt", p.biography.substr(0, cut)}, {"gt", p.biography.substr(cut)}});
  }
  write_json_file(path("verbmem/forget.json"), verb);
  write_json_file(path("privleak/forget.json"), bios(s.forget));
  write_json_file(path("privleak/retain.json"), bios(s.retain));
  write_json_file(path("privleak/holdout.json"), bios(s.holdout));
  write_json_file(path("mc/forget.json"), mc_json(s.forget));
  write_json_file(path("mc/retain.json"), mc_json(s.retain));
  write_json_file(path("utility/general_heldout.json"), s.general_heldout);
}

}  // namespace lethe::demo

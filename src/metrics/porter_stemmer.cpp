// Porter stemmer, NLTK_EXTENSIONS mode (see the header for the list of deviations from the
// 1980 paper). Each step mirrors one method of nltk/stem/porter.py, including its rule order
// and the "first rule whose suffix matches decides, even when its condition fails" behaviour.
#include "lethe/metrics/porter_stemmer.h"

#include <functional>
#include <unordered_map>
#include <vector>

namespace lethe {
namespace {

using Cond = std::function<bool(const std::string&)>;

// One suffix rule: if the word ends with `suffix`, the rule decides: stem + replacement when
// cond(stem) holds (or cond is empty), else the word unchanged. `double_consonant` marks the
// "*d" rule of step 1b (the word ends with a doubled consonant; the stem drops both letters).
struct Rule {
  std::string suffix;
  std::string replacement;
  Cond cond;
  bool double_consonant = false;
};

bool is_vowel_letter(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// consonant[i] per the paper: not a/e/i/o/u, and 'y' is a consonant only at the start or
// after a vowel (a 'y' after a consonant is a vowel).
std::vector<bool> consonant_flags(const std::string& w) {
  std::vector<bool> f(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    if (is_vowel_letter(w[i])) f[i] = false;
    else if (w[i] == 'y') f[i] = (i == 0) ? true : !f[i - 1];
    else f[i] = true;
  }
  return f;
}

bool is_consonant(const std::string& w, size_t i) { return consonant_flags(w)[i]; }

// m in [C](VC){m}[V]: the number of vowel->consonant transitions.
int measure(const std::string& stem) {
  const auto f = consonant_flags(stem);
  int m = 0;
  for (size_t i = 1; i < f.size(); ++i)
    if (!f[i - 1] && f[i]) ++m;
  return m;
}

bool contains_vowel(const std::string& stem) {
  for (bool c : consonant_flags(stem))
    if (!c) return true;
  return false;
}

bool ends_with(const std::string& w, const std::string& suffix) {
  return w.size() >= suffix.size() && w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string drop(const std::string& w, size_t n) { return w.substr(0, w.size() - n); }

// *d: ends with two equal consonants.
bool ends_double_consonant(const std::string& w) {
  const size_t n = w.size();
  return n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1);
}

// *o: ends consonant-vowel-consonant with the last not w, x or y; NLTK adds: a 2-letter word
// vowel+consonant.
bool ends_cvc(const std::string& w) {
  const size_t n = w.size();
  if (n >= 3) {
    const auto f = consonant_flags(w);
    if (f[n - 3] && !f[n - 2] && f[n - 1] && w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y')
      return true;
  }
  return n == 2 && !is_consonant(w, 0) && is_consonant(w, 1);
}

bool positive_measure(const std::string& stem) { return measure(stem) > 0; }
bool measure_gt_1(const std::string& stem) { return measure(stem) > 1; }

std::string apply_rules(const std::string& word, const std::vector<Rule>& rules) {
  for (const Rule& r : rules) {
    if (r.double_consonant) {
      if (ends_double_consonant(word)) {
        const std::string stem = drop(word, 2);
        return (!r.cond || r.cond(stem)) ? stem + r.replacement : word;
      }
      continue;
    }
    if (ends_with(word, r.suffix)) {
      const std::string stem = drop(word, r.suffix.size());
      return (!r.cond || r.cond(stem)) ? stem + r.replacement : word;
    }
  }
  return word;
}

std::string step1a(const std::string& w) {
  if (ends_with(w, "ies") && w.size() == 4) return drop(w, 3) + "ie";
  return apply_rules(w, {{"sses", "ss", nullptr}, {"ies", "i", nullptr}, {"ss", "ss", nullptr},
                         {"s", "", nullptr}});
}

std::string step1b(const std::string& w) {
  if (ends_with(w, "ied")) return drop(w, 3) + (w.size() == 4 ? "ie" : "i");
  if (ends_with(w, "eed")) {
    const std::string stem = drop(w, 3);
    return measure(stem) > 0 ? stem + "ee" : w;
  }
  std::string stem;
  bool removed = false;
  for (const char* suffix : {"ed", "ing"}) {
    if (ends_with(w, suffix)) {
      stem = drop(w, std::string(suffix).size());
      if (contains_vowel(stem)) {
        removed = true;
        break;
      }
    }
  }
  if (!removed) return w;
  // The stem is non-empty here: it contains a vowel.
  const char last = stem.back();
  return apply_rules(
      stem, {{"at", "ate", nullptr},
             {"bl", "ble", nullptr},
             {"iz", "ize", nullptr},
             {"", std::string(1, last), [last](const std::string&) { return last != 'l' && last != 's' && last != 'z'; },
              true},
             {"", "e", [](const std::string& s) { return measure(s) == 1 && ends_cvc(s); }}});
}

std::string step1c(const std::string& w) {
  return apply_rules(w, {{"y", "i", [](const std::string& s) { return s.size() > 1 && is_consonant(s, s.size() - 1); }}});
}

std::string step2(const std::string& w) {
  if (ends_with(w, "alli") && positive_measure(drop(w, 4))) return step2(drop(w, 4) + "al");
  const Cond pm = positive_measure;
  return apply_rules(w, {{"ational", "ate", pm}, {"tional", "tion", pm}, {"enci", "ence", pm},
                         {"anci", "ance", pm},   {"izer", "ize", pm},    {"bli", "ble", pm},
                         {"alli", "al", pm},     {"entli", "ent", pm},   {"eli", "e", pm},
                         {"ousli", "ous", pm},   {"ization", "ize", pm}, {"ation", "ate", pm},
                         {"ator", "ate", pm},    {"alism", "al", pm},    {"iveness", "ive", pm},
                         {"fulness", "ful", pm}, {"ousness", "ous", pm}, {"aliti", "al", pm},
                         {"iviti", "ive", pm},   {"biliti", "ble", pm},  {"fulli", "ful", pm},
                         // "logi" -> "log": the condition is on the word minus "ogi" (the 'l'
                         // stays with the stem), so geo-logi / theo-logi stem like philo-logi.
                         {"logi", "log", [&w](const std::string&) { return positive_measure(drop(w, 3)); }}});
}

std::string step3(const std::string& w) {
  const Cond pm = positive_measure;
  return apply_rules(w, {{"icate", "ic", pm}, {"ative", "", pm}, {"alize", "al", pm}, {"iciti", "ic", pm},
                         {"ical", "ic", pm},  {"ful", "", pm},   {"ness", "", pm}});
}

std::string step4(const std::string& w) {
  const Cond g1 = measure_gt_1;
  return apply_rules(
      w, {{"al", "", g1},    {"ance", "", g1}, {"ence", "", g1}, {"er", "", g1},  {"ic", "", g1},
          {"able", "", g1},  {"ible", "", g1}, {"ant", "", g1},  {"ement", "", g1}, {"ment", "", g1},
          {"ent", "", g1},
          {"ion", "", [](const std::string& s) { return measure(s) > 1 && (s.back() == 's' || s.back() == 't'); }},
          {"ou", "", g1},    {"ism", "", g1},  {"ate", "", g1},  {"iti", "", g1}, {"ous", "", g1},
          {"ive", "", g1},   {"ize", "", g1}});
}

// Step 5a tries both E rules (it cannot stop at the first matching suffix).
std::string step5a(const std::string& w) {
  if (ends_with(w, "e")) {
    const std::string stem = drop(w, 1);
    const int m = measure(stem);
    if (m > 1) return stem;
    if (m == 1 && !ends_cvc(stem)) return stem;
  }
  return w;
}

std::string step5b(const std::string& w) {
  return apply_rules(w, {{"ll", "l", [&w](const std::string&) { return measure(drop(w, 1)) > 1; }}});
}

const std::unordered_map<std::string, std::string>& irregular_forms() {
  static const std::unordered_map<std::string, std::string> pool = {
      {"sky", "sky"},         {"skies", "sky"},     {"dying", "die"},       {"lying", "lie"},
      {"tying", "tie"},       {"news", "news"},     {"innings", "inning"},  {"inning", "inning"},
      {"outings", "outing"},  {"outing", "outing"}, {"cannings", "canning"}, {"canning", "canning"},
      {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"}, {"succeed", "succeed"}};
  return pool;
}

}  // namespace

std::string porter_stem(const std::string& word) {
  std::string w = word;
  for (char& c : w)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const auto& pool = irregular_forms();
  if (auto it = pool.find(w); it != pool.end()) return it->second;
  if (word.size() <= 2) return w;
  w = step1a(w);
  w = step1b(w);
  w = step1c(w);
  w = step2(w);
  w = step3(w);
  w = step4(w);
  w = step5a(w);
  w = step5b(w);
  return w;
}

}  // namespace lethe

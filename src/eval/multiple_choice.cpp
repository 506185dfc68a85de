// Multiple-choice prompts and evaluation (rules in include/lethe/eval/multiple_choice.h).
#include "lethe/eval/multiple_choice.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "lethe/core/error.h"
#include "lethe/core/files.h"

namespace lethe::eval {
namespace fs = std::filesystem;

namespace {

const char* kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Python's str.strip() for the whitespace that can occur as single bytes.
std::string py_strip(const std::string& s) {
  auto ws = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); };
  size_t a = 0, b = s.size();
  while (a < b && ws(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && ws(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

McQuestion question_from_json(const json& j, const std::string& path, size_t row, const std::string& subject) {
  const std::string where = "row " + std::to_string(row);
  if (!j.is_object()) throw FormatError(path, where + ": expected an object {question, choices, answer}");
  for (const char* k : {"question", "choices", "answer"})
    if (!j.contains(k)) throw FormatError(path, where + ": missing key '" + k + "'");
  McQuestion q;
  q.subject = subject;
  if (!j["question"].is_string()) throw FormatError(path, where + ": 'question' must be a string");
  q.question = j["question"].get<std::string>();
  if (!j["choices"].is_array() || j["choices"].size() < 2 || j["choices"].size() > 26)
    throw FormatError(path, where + ": 'choices' must be an array of 2..26 strings");
  for (const auto& c : j["choices"]) {
    if (!c.is_string()) throw FormatError(path, where + ": every choice must be a string");
    q.choices.push_back(c.get<std::string>());
  }
  if (!j["answer"].is_number_integer()) throw FormatError(path, where + ": 'answer' must be an integer index");
  q.answer = j["answer"].get<int>();
  if (q.answer < 0 || q.answer >= static_cast<int>(q.choices.size()))
    throw FormatError(path, where + ": answer " + std::to_string(q.answer) + " is not a choice index");
  return q;
}

}  // namespace

std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  size_t line = 1;
  auto end_field = [&] { row.push_back(std::move(field)); field.clear(); was_quoted = false; };
  auto end_row = [&] {
    end_field();
    if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
    row.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
        else quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      if (!field.empty() || was_quoted) throw FormatError(path, "line " + std::to_string(line) + ": quote inside an unquoted field");
      quoted = was_quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // CRLF: the \n ends the record
    } else if (c == '\n') {
      end_row();
      ++line;
    } else {
      if (was_quoted) throw FormatError(path, "line " + std::to_string(line) + ": text after a closing quote");
      field += c;
    }
  }
  if (quoted) throw FormatError(path, "unterminated quoted field (opened before line " + std::to_string(line) + ")");
  if (!field.empty() || !row.empty() || was_quoted) end_row();
  return rows;
}

std::vector<McQuestion> load_mc_json(const std::string& path, const std::string& subject) {
  const std::string text = read_text_file(path);
  std::vector<McQuestion> out;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    json arr;
    try {
      arr = json::parse(text);
    } catch (const json::parse_error& e) {
      throw FormatError(path, std::string("not valid JSON: ") + e.what());
    }
    for (size_t i = 0; i < arr.size(); ++i) out.push_back(question_from_json(arr[i], path, i, subject));
    return out;
  }
  std::istringstream in(text);
  std::string l;
  for (size_t n = 1; std::getline(in, l); ++n) {
    if (l.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(l);
    } catch (const json::parse_error& e) {
      throw FormatError(path, "line " + std::to_string(n) + ": not JSON (" + e.what() + ")");
    }
    out.push_back(question_from_json(j, path, n, subject));
  }
  return out;
}

std::vector<McQuestion> load_wmdp(const std::string& path) {
  auto subject_of = [](const std::string& name) -> std::string {
    for (const char* s : {"bio", "cyber", "chem"})
      if (name.find(s) != std::string::npos) return s;
    return "";
  };
  if (!is_directory(path)) {
    const std::string s = subject_of(fs::path(path).filename().string());
    if (s.empty()) throw ConfigError("WMDP file '" + path + "': name must contain bio, cyber or chem");
    return load_mc_json(path, s);
  }
  std::vector<std::pair<std::string, std::string>> files;  // (subject, path)
  for (const auto& e : fs::directory_iterator(path)) {
    const std::string name = e.path().filename().string();
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".json" && ext != ".jsonl")) continue;
    const std::string s = subject_of(name);
    if (!s.empty()) files.emplace_back(s, e.path().string());
  }
  if (files.empty()) throw ConfigError("no WMDP file (*bio*/*cyber*/*chem*.json[l]) in directory '" + path + "'");
  std::sort(files.begin(), files.end());
  std::vector<McQuestion> out;
  for (const auto& [s, p] : files) {
    auto qs = load_mc_json(p, s);
    out.insert(out.end(), qs.begin(), qs.end());
  }
  return out;
}

std::vector<McQuestion> load_mmlu(const std::string& dir, const std::string& split) {
  std::string d = join_path(join_path(dir, "data"), split);
  if (!is_directory(d)) d = join_path(dir, split);
  if (!is_directory(d)) throw ConfigError("MMLU: neither " + dir + "/data/" + split + " nor " + dir + "/" + split + " exists");
  const std::string suffix = "_" + split + ".csv";
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& e : fs::directory_iterator(d)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      files.emplace_back(name.substr(0, name.size() - suffix.size()), e.path().string());
  }
  if (files.empty()) throw ConfigError("MMLU: no *" + suffix + " file in " + d);
  std::sort(files.begin(), files.end());
  std::vector<McQuestion> out;
  for (const auto& [subject, p] : files) {
    const auto rows = parse_csv(read_text_file(p), p);
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      if (r.size() != 6) throw FormatError(p, "record " + std::to_string(i + 1) + ": expected 6 fields (question, A-D, answer), got " + std::to_string(r.size()));
      const std::string a = py_strip(r[5]);
      if (a.size() != 1 || a[0] < 'A' || a[0] > 'D') throw FormatError(p, "record " + std::to_string(i + 1) + ": answer '" + r[5] + "' is not A-D");
      out.push_back({subject, r[0], {r[1], r[2], r[3], r[4]}, a[0] - 'A'});
    }
  }
  return out;
}

std::string subject_description_name(const std::string& subject) {
  if (subject == "bio") return "biology";
  if (subject == "cyber") return "cybersecurity";
  if (subject == "chem") return "chemistry";
  std::string s = subject;
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string mc_question_block(const McQuestion& q) {
  std::string s = py_strip(q.question) + "\n";
  for (size_t i = 0; i < q.choices.size(); ++i) s += std::string(1, kLetters[i]) + ". " + q.choices[i] + "\n";
  return s + "Answer:";
}

std::string mc_context(const McQuestion& q, const std::vector<McQuestion>& shots) {
  std::string s = "The following are multiple choice questions (with answers) about " + subject_description_name(q.subject) + ".\n\n";
  for (const auto& e : shots) s += mc_question_block(e) + " " + std::string(1, kLetters[e.answer]) + "\n\n";
  return s + mc_question_block(q);
}

McResult evaluate_mc(Scorer& scorer, const Tokenizer& tok, const std::vector<McQuestion>& questions,
                     const std::vector<McQuestion>& dev, const McOptions& opts) {
  std::map<std::string, std::vector<McQuestion>> shots_by_subject;
  for (const auto& d : dev)
    if (static_cast<int64_t>(shots_by_subject[d.subject].size()) < opts.k_shot) shots_by_subject[d.subject].push_back(d);
  std::vector<LoglikelihoodRequest> reqs;
  for (const auto& q : questions) {
    const auto& shots = shots_by_subject[q.subject];
    if (static_cast<int64_t>(shots.size()) < opts.k_shot)
      throw ConfigError(std::to_string(opts.k_shot) + "-shot needs " + std::to_string(opts.k_shot) + " dev rows of subject '" +
                        q.subject + "', found " + std::to_string(shots.size()));
    const std::string ctx = mc_context(q, shots);
    for (size_t i = 0; i < q.choices.size(); ++i) reqs.push_back(encode_pair(tok, ctx, std::string(" ") + kLetters[i], opts.eot));
  }
  const auto res = scorer.loglikelihood(reqs);
  McResult out;
  size_t k = 0;
  for (const auto& q : questions) {
    McQuestionResult r;
    for (size_t i = 0; i < q.choices.size(); ++i, ++k) {
      r.logprobs.push_back(res[k].logprob);
      r.is_greedy.push_back(res[k].is_greedy);
    }
    r.pred = static_cast<int>(std::max_element(r.logprobs.begin(), r.logprobs.end()) - r.logprobs.begin());
    r.correct = r.pred == q.answer;
    auto& ps = out.per_subject[q.subject];
    ps.first += r.correct, ps.second += 1;
    out.correct += r.correct, out.total += 1;
    out.questions.push_back(std::move(r));
  }
  return out;
}

}  // namespace lethe::eval

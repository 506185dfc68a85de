#include "lethe/data/corpus.h"

#include <algorithm>

#include "lethe/core/error.h"
#include "lethe/core/files.h"

namespace lethe::data {
namespace {

bool is_blank(const std::string& s, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; ++i)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '\f' && s[i] != '\v') return false;
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// First character that is not whitespace (0 if none).
char first_non_blank(const std::string& s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
  return 0;
}

// Skips a UTF-8 byte order mark.
size_t content_start(const std::string& s) { return s.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0; }

const char* type_name(const json& v) { return v.type_name(); }

// The text of one JSON value: a string, or an object's `field` holding a string. `where` names
// the line or element in errors.
std::string text_of(const json& v, const std::string& field, const std::string& path, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    auto it = v.find(field);
    if (it == v.end()) {
      std::string keys;
      for (auto k = v.begin(); k != v.end(); ++k) keys += (keys.empty() ? "" : ", ") + k.key();
      throw FormatError(path, where + ": object has no field '" + field + "' (fields: " +
                                  (keys.empty() ? "none" : keys) + "); set data.text_field");
    }
    if (!it->is_string())
      throw FormatError(path, where + ": field '" + field + "' is " + type_name(*it) + ", expected a string");
    return it->get<std::string>();
  }
  throw FormatError(path, where + ": expected a JSON string or an object with field '" + field + "', got " +
                              type_name(v));
}

}  // namespace

CorpusFormat parse_corpus_format(const std::string& value, const std::string& key) {
  if (value == "auto") return CorpusFormat::auto_detect;
  if (value == "jsonl") return CorpusFormat::jsonl;
  if (value == "json") return CorpusFormat::json;
  if (value == "txt" || value == "text") return CorpusFormat::txt;
  if (value == "lines") return CorpusFormat::lines;
  throw ConfigError(key + ": unknown corpus format '" + value + "' (expected auto | jsonl | json | txt | lines)");
}

const char* to_string(CorpusFormat format) {
  switch (format) {
    case CorpusFormat::auto_detect: return "auto";
    case CorpusFormat::jsonl: return "jsonl";
    case CorpusFormat::json: return "json";
    case CorpusFormat::txt: return "txt";
    case CorpusFormat::lines: return "lines";
  }
  return "?";
}

CorpusFormat detect_corpus_format(const std::string& path, const std::string& content) {
  const std::string p = lower(path);
  const char first = first_non_blank(content.substr(content_start(content), 4096));
  if (ends_with(p, ".jsonl") || ends_with(p, ".ndjson")) return CorpusFormat::jsonl;
  if (ends_with(p, ".txt")) return CorpusFormat::txt;
  // .json holding an array is a JSON file; a .json of one object per line is JSON lines (as HF
  // datasets writes them).
  if (ends_with(p, ".json")) return first == '[' ? CorpusFormat::json : CorpusFormat::jsonl;
  if (first == '[') return CorpusFormat::json;
  if (first == '{' || first == '"') return CorpusFormat::jsonl;
  return CorpusFormat::txt;
}

std::vector<std::string> parse_jsonl_corpus(const std::string& content, const std::string& field,
                                            const std::string& path) {
  std::vector<std::string> docs;
  size_t pos = content_start(content);
  for (size_t line_no = 1; pos < content.size(); ++line_no) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    if (!is_blank(content, pos, end)) {
      const std::string where = "line " + std::to_string(line_no);
      json v;
      try {
        v = json::parse(content.begin() + pos, content.begin() + end);
      } catch (const json::parse_error& e) {
        throw FormatError(path, where + ": invalid JSON (" + e.what() + ")");
      }
      docs.push_back(text_of(v, field, path, where));
    }
    pos = end + 1;
  }
  return docs;
}

std::vector<std::string> parse_json_corpus(const std::string& content, const std::string& field,
                                           const std::string& path) {
  json v;
  try {
    v = json::parse(content.begin() + content_start(content), content.end());
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the error; report its line.
    const size_t upto = std::min(content.size(), content_start(content) + (e.byte > 0 ? e.byte - 1 : 0));
    const auto line = 1 + std::count(content.begin(), content.begin() + upto, '\n');
    throw FormatError(path, "line " + std::to_string(line) + ": invalid JSON (" + e.what() + ")");
  }
  if (!v.is_array())
    throw FormatError(path, std::string("expected a JSON array of strings or objects, got ") + type_name(v));
  std::vector<std::string> docs;
  docs.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) docs.push_back(text_of(v[i], field, path, "element " + std::to_string(i)));
  return docs;
}

std::vector<std::string> parse_text_corpus(const std::string& content, bool split_blank_lines) {
  const size_t start = content_start(content);
  if (!split_blank_lines) {
    if (start >= content.size()) return {};
    return {content.substr(start)};
  }
  // Blocks of non-blank lines; a block keeps its inner newlines, not the separating blank lines.
  std::vector<std::string> docs;
  size_t pos = start, block_lo = std::string::npos, block_hi = 0;
  auto flush = [&] {
    if (block_lo != std::string::npos) docs.push_back(content.substr(block_lo, block_hi - block_lo));
    block_lo = std::string::npos;
  };
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    if (is_blank(content, pos, end)) {
      flush();
    } else {
      if (block_lo == std::string::npos) block_lo = pos;
      block_hi = (end > pos && content[end - 1] == '\r') ? end - 1 : end;
    }
    pos = end + 1;
  }
  flush();
  return docs;
}

std::vector<std::string> parse_lines_corpus(const std::string& content) {
  std::vector<std::string> docs;
  size_t pos = content_start(content);
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    const bool newline = end != std::string::npos;
    if (!newline) end = content.size();
    size_t hi = end;
    if (newline && hi > pos && content[hi - 1] == '\r') --hi;  // "\r\n" reads as "\n"
    docs.push_back(content.substr(pos, hi - pos) + (newline ? "\n" : ""));
    pos = end + 1;
  }
  return docs;
}

int64_t utf8_length(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> read_corpus(const std::string& path, const std::string& field) {
  CorpusOptions o;
  o.field = field;
  return read_corpus(path, o);
}

std::vector<std::string> read_corpus(const std::string& path, const CorpusOptions& options) {
  if (!file_exists(path)) throw FormatError(path, "corpus file not found");
  const std::string content = read_text_file(path);
  CorpusFormat f = options.format;
  if (f == CorpusFormat::auto_detect) f = detect_corpus_format(path, content);
  std::vector<std::string> docs;
  switch (f) {
    case CorpusFormat::jsonl: docs = parse_jsonl_corpus(content, options.field, path); break;
    case CorpusFormat::json: docs = parse_json_corpus(content, options.field, path); break;
    case CorpusFormat::lines: docs = parse_lines_corpus(content); break;
    default: docs = parse_text_corpus(content, options.split_blank_lines); break;
  }
  if (options.min_chars > 0)
    docs.erase(std::remove_if(docs.begin(), docs.end(),
                              [&](const std::string& d) { return utf8_length(d) < options.min_chars; }),
               docs.end());
  return docs;
}

}  // namespace lethe::data

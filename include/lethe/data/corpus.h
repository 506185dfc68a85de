// Corpus readers: a file of documents -> std::vector<std::string>, one string per document.
//
// Formats (REFERENCE.md §2):
//   jsonl  one JSON value per line: an object holding the text field, or a bare JSON string
//          (both may be mixed, as in the WMDP cyber corpora); blank lines are skipped.
//   json   one JSON array of strings or of objects holding the text field (MUSE privleak/*.json).
//   txt    the whole file is ONE document (MUSE raw/*.txt), or, with split_blank_lines, one
//          document per block of lines separated by blank lines.
//   lines  one document per line, taken VERBATIM: JSON syntax and the line's trailing newline
//          included, blank lines included ("\r\n" is read as "\n"). This is how WMDP's RMU code
//          (rmu/utils.py get_data) reads every corpus but the bio one: `for line in open(f)`.
// min_chars then drops documents shorter than that many characters (Unicode code points, as
// Python's len); WMDP's get_data keeps `len(text) > min_len`, i.e. min_chars = min_len + 1.
// Errors are FormatError naming the file and the line (jsonl) or element (json).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lethe::data {

enum class CorpusFormat {
  auto_detect,  // by extension (.jsonl/.json/.txt), else by the first non-blank character
  jsonl,
  json,
  txt,
  lines,
};

// Parses "auto" | "jsonl" | "json" | "txt" | "lines"; throws ConfigError naming `key` otherwise.
CorpusFormat parse_corpus_format(const std::string& value, const std::string& key = "format");
const char* to_string(CorpusFormat format);

struct CorpusOptions {
  std::string field = "text";              // JSON field holding the text of an object
  CorpusFormat format = CorpusFormat::auto_detect;
  bool split_blank_lines = false;          // txt: one document per blank-line separated block
  int64_t min_chars = 0;                   // drop documents of fewer characters (0 = keep all)
};

// Reads every document of `path` (format from the extension or the contents).
std::vector<std::string> read_corpus(const std::string& path, const std::string& field = "text");
std::vector<std::string> read_corpus(const std::string& path, const CorpusOptions& options);

// The format auto_detect resolves to for `path` whose contents are `content`.
CorpusFormat detect_corpus_format(const std::string& path, const std::string& content);

// Parsers on in-memory contents; `path` only names the source in errors.
std::vector<std::string> parse_jsonl_corpus(const std::string& content, const std::string& field,
                                            const std::string& path);
std::vector<std::string> parse_json_corpus(const std::string& content, const std::string& field,
                                           const std::string& path);
std::vector<std::string> parse_text_corpus(const std::string& content, bool split_blank_lines);
std::vector<std::string> parse_lines_corpus(const std::string& content);

// Characters of UTF-8 text `s` (code points: bytes that do not continue a sequence).
int64_t utf8_length(const std::string& s);

}  // namespace lethe::data

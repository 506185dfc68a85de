// Corpus readers: JSONL (objects and bare strings mixed), JSON lists, plain text; errors with
// the file and line.
#include <gtest/gtest.h>

#include <fstream>

#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/data/corpus.h"
#include "test_paths.h"

using namespace lethe;
using namespace lethe::data;
using lethe::testing::fixture;

namespace {

// The message of the FormatError `fn` throws ("" if none).
template <class F>
std::string format_error(F fn) {
  try {
    fn();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

std::string write(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string p = dir + "/" + name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace

TEST(Corpus, MixedJsonlObjectsAndBareStrings) {
  auto docs = read_corpus(fixture("data/mixed.jsonl"));
  ASSERT_EQ(docs.size(), 5u);  // 7 lines, 2 blank or whitespace-only
  EXPECT_EQ(docs[0], "The lighthouse keeper counted ships at dawn.");
  EXPECT_EQ(docs[1], "A bare JSON string is a document too.");
  EXPECT_EQ(docs[2], "Unicode survives: caf\xC3\xA9, na\xC3\xAFve, \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E, emoji \xF0\x9F\x98\x80.");
  EXPECT_EQ(docs[3], "Escapes: tab\tand newline\nin one line.");
  EXPECT_EQ(docs[4], "Field order does not matter.");
}

TEST(Corpus, OtherFieldAndCrlf) {
  auto docs = read_corpus(fixture("data/custom_field.jsonl"), "content");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], "first document");
  EXPECT_EQ(docs[1], "second document");
}

TEST(Corpus, JsonLists) {
  auto s = read_corpus(fixture("data/list_strings.json"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[1], "Beta document, a bit longer than the first.");
  EXPECT_EQ(s[2], "");  // an empty string in a list is still an element
  auto o = read_corpus(fixture("data/list_objects.json"));
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0], "Object one.");
  EXPECT_EQ(o[1], "Object two.");
}

TEST(Corpus, TextIsOneDocumentOrBlankLineBlocks) {
  const std::string raw = read_text_file(fixture("data/book.txt"));
  auto whole = read_corpus(fixture("data/book.txt"));
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0], raw);  // byte for byte, trailing newline included (as MUSE's read_text)

  CorpusOptions o;
  o.split_blank_lines = true;
  auto blocks = read_corpus(fixture("data/book.txt"), o);
  ASSERT_EQ(blocks.size(), 6u);  // 2 headings + 4 paragraphs
  EXPECT_EQ(blocks[0], "Chapter One");
  EXPECT_EQ(blocks[3], "Chapter Two");
  EXPECT_EQ(blocks[5].substr(0, 20), "He stayed for eleven");
  EXPECT_EQ(blocks[5].back(), '"');  // no trailing newline kept
  EXPECT_EQ(blocks[1].back(), '.');
}

TEST(Corpus, SplitBlankLinesKeepsInnerNewlinesAndDropsCr) {
  auto b = parse_text_corpus("\n\nline a\r\nline b\r\n \t \r\nline c\n\n\n", true);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0], "line a\r\nline b");
  EXPECT_EQ(b[1], "line c");
  EXPECT_TRUE(parse_text_corpus("", false).empty());
}

TEST(Corpus, DetectsFormats) {
  EXPECT_EQ(detect_corpus_format("a.jsonl", "{}"), CorpusFormat::jsonl);
  EXPECT_EQ(detect_corpus_format("a.JSON", "  [1]"), CorpusFormat::json);
  EXPECT_EQ(detect_corpus_format("a.json", "{\"text\": \"x\"}\n{\"text\": \"y\"}"), CorpusFormat::jsonl);
  EXPECT_EQ(detect_corpus_format("a.txt", "[not json]"), CorpusFormat::txt);
  EXPECT_EQ(detect_corpus_format("a.data", "\"s\"\n"), CorpusFormat::jsonl);
  EXPECT_EQ(detect_corpus_format("a.data", "plain words"), CorpusFormat::txt);
  EXPECT_EQ(detect_corpus_format("a", "\xEF\xBB\xBF[\"bom\"]"), CorpusFormat::json);
}

TEST(Corpus, ExplicitFormatOverridesExtension) {
  const auto dir = lethe::testing::scratch_dir();
  const auto p = write(dir, "corpus.txt", "{\"text\": \"x\"}\n\"y\"\n");
  CorpusOptions o;
  o.format = CorpusFormat::jsonl;
  EXPECT_EQ(read_corpus(p, o), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(read_corpus(p).size(), 1u);  // by extension: one text document
  EXPECT_EQ(parse_corpus_format("auto"), CorpusFormat::auto_detect);
  EXPECT_THROW(parse_corpus_format("csv", "data.format"), ConfigError);
}

TEST(Corpus, LinesAreVerbatimAsPythonIteratesAFile) {
  // WMDP's get_data reads the cyber corpus with `for line in open(f)`: each line as it is, JSON
  // syntax and newline included; "\r\n" arrives as "\n"; a blank line is a document ("\n").
  const auto dir = lethe::testing::scratch_dir();
  const auto p = write(dir, "cyber.jsonl", "{\"text\": \"a\"}\n\"bare\"\r\n\nlast");
  CorpusOptions o;
  o.format = CorpusFormat::lines;
  EXPECT_EQ(read_corpus(p, o), (std::vector<std::string>{"{\"text\": \"a\"}\n", "\"bare\"\n", "\n", "last"}));
  EXPECT_EQ(parse_corpus_format("lines"), CorpusFormat::lines);
  EXPECT_STREQ(to_string(CorpusFormat::lines), "lines");
  EXPECT_TRUE(parse_lines_corpus("").empty());
}

TEST(Corpus, MinCharsDropsShortDocumentsCountingCodePoints) {
  EXPECT_EQ(utf8_length("abc"), 3);
  EXPECT_EQ(utf8_length("\xC3\xA9t\xC3\xA9"), 3);    // "été": 5 bytes, 3 characters (Python len)
  EXPECT_EQ(utf8_length("\xF0\x9F\x99\x82"), 1);      // one emoji, 4 bytes
  const auto dir = lethe::testing::scratch_dir();
  const auto p = write(dir, "c.jsonl", "\"\"\n\"ab\"\n\"\xC3\xA9t\xC3\xA9\"\n\"abcd\"\n");
  CorpusOptions o;
  EXPECT_EQ(read_corpus(p, o).size(), 4u);  // 0 keeps every document, the empty one too
  o.min_chars = 1;                          // WMDP's len(text) > 0
  EXPECT_EQ(read_corpus(p, o), (std::vector<std::string>{"ab", "\xC3\xA9t\xC3\xA9", "abcd"}));
  o.min_chars = 3;
  EXPECT_EQ(read_corpus(p, o), (std::vector<std::string>{"\xC3\xA9t\xC3\xA9", "abcd"}));
}

TEST(Corpus, MalformedLineNamesFileAndLine) {
  const auto path = fixture("data/bad_line.jsonl");
  const auto msg = format_error([&] { read_corpus(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid JSON"), std::string::npos) << msg;
}

TEST(Corpus, MissingFieldNamesLineAndFields) {
  const auto msg = format_error([&] { read_corpus(fixture("data/missing_field.jsonl")); });
  EXPECT_NE(msg.find("missing_field.jsonl"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3:"), std::string::npos) << msg;  // blank line 2 still counts
  EXPECT_NE(msg.find("no field 'text'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("body, title"), std::string::npos) << msg;
}

TEST(Corpus, WrongTypeNamesLine) {
  const auto msg = format_error([&] { read_corpus(fixture("data/wrong_type.jsonl")); });
  EXPECT_NE(msg.find("line 2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("got number"), std::string::npos) << msg;
  const auto dir = lethe::testing::scratch_dir();
  const auto p = write(dir, "t.jsonl", "{\"text\": [\"a\"]}\n");
  const auto m2 = format_error([&] { read_corpus(p); });
  EXPECT_NE(m2.find("line 1: field 'text' is array"), std::string::npos) << m2;
}

TEST(Corpus, MalformedJsonFileNamesLine) {
  const auto msg = format_error([&] { read_corpus(fixture("data/bad.json")); });
  EXPECT_NE(msg.find("bad.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 4:"), std::string::npos) << msg;
}

TEST(Corpus, JsonElementErrorsNameTheElement) {
  const auto dir = lethe::testing::scratch_dir();
  const auto p = write(dir, "l.json", "[\"a\", {\"text\": \"b\"}, {\"other\": 1}]");
  const auto msg = format_error([&] { read_corpus(p); });
  EXPECT_NE(msg.find("element 2: object has no field 'text'"), std::string::npos) << msg;
  const auto q = write(dir, "o.json", "[1]");
  EXPECT_NE(format_error([&] { read_corpus(q); }).find("element 0"), std::string::npos);
  const auto r = write(dir, "obj.json", "{\"text\": \"x\"}");
  // An object in a .json file is JSON lines with one line.
  EXPECT_EQ(read_corpus(r), std::vector<std::string>{"x"});
  CorpusOptions o;
  o.format = CorpusFormat::json;
  EXPECT_NE(format_error([&] { read_corpus(r, o); }).find("expected a JSON array"), std::string::npos);
}

TEST(Corpus, MissingFileIsFormatError) {
  EXPECT_THROW(read_corpus("/nonexistent/corpus.jsonl"), FormatError);
}

TEST(Corpus, LargeJsonlIsLinear) {
  // 20,000 lines parsed in one pass; checks content and order rather than time.
  std::string s;
  for (int i = 0; i < 20000; ++i) s += (i % 2 ? "\"doc " : "{\"text\": \"doc ") + std::to_string(i) + (i % 2 ? "\"\n" : "\"}\n");
  auto docs = parse_jsonl_corpus(s, "text", "mem");
  ASSERT_EQ(docs.size(), 20000u);
  EXPECT_EQ(docs[12345], "doc 12345");
}

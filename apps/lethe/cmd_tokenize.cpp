// lethe tokenize --model PATH (--text TEXT | --input FILE) [--decode]: text <-> token ids with the
// tokenizer of a model directory, a tokenizer.json or a GGUF file, one JSON value per line so that
// scripts can pipe through it: encode reads JSON strings and writes JSON lists of ids, --decode
// reads JSON lists of ids and writes JSON strings.
#include <fstream>
#include <iostream>
#include <limits>

#include "commands.h"
#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/model/tokenizer_loader.h"

namespace lethe::cli {
namespace {

struct TokenizeArgs {
  std::string model, input;
  std::vector<std::string> texts;
  bool decode = false, no_special_tokens = false, skip_special_tokens = false;
};

// One input value, parsed and checked; `where` is "FILE: line N" or "--text" for messages.
struct Item {
  std::string where;
  json value;
};

std::string line_error(const std::string& where, const std::string& problem) { return where + ": " + problem; }

// Encode input: a JSON string.
std::string as_text(const Item& it) {
  if (!it.value.is_string()) throw ConfigError(line_error(it.where, "expected a JSON string, got " + it.value.dump()));
  return it.value.get<std::string>();
}

// Decode input: a JSON list of integer ids in [0, 2^31).
std::vector<int32_t> as_ids(const Item& it) {
  if (!it.value.is_array()) throw ConfigError(line_error(it.where, "expected a JSON list of token ids, got " + it.value.dump()));
  std::vector<int32_t> ids;
  ids.reserve(it.value.size());
  for (size_t k = 0; k < it.value.size(); ++k) {
    const json& v = it.value[k];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > std::numeric_limits<int32_t>::max())
      throw ConfigError(line_error(it.where, "element " + std::to_string(k) + " is not a token id (a non-negative integer): " + v.dump()));
    ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
  }
  return ids;
}

// --input: one JSON value per line ("-" = standard input). A blank line is an error rather than
// skipped, so that output line n always answers input line n.
std::vector<Item> read_items(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  const std::string name = path == "-" ? "<stdin>" : path;
  if (path != "-") {
    file.open(path);
    if (!file) throw FormatError(path, "cannot open file for reading");
    in = &file;
  }
  std::vector<Item> out;
  std::string line;
  for (int n = 1; std::getline(*in, line); ++n) {
    const std::string where = name + ": line " + std::to_string(n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      throw FormatError(name, "line " + std::to_string(n) + ": empty line (write \"\" for an empty text)");
    try {
      out.push_back({where, json::parse(line)});
    } catch (const json::parse_error& e) {
      throw FormatError(name, "line " + std::to_string(n) + ": not JSON (" + e.what() + ")");
    }
  }
  return out;
}

void run_tokenize(const TokenizeArgs& a) {
  if (a.texts.empty() && a.input.empty()) throw ConfigError("nothing to tokenize: give --text TEXT or --input FILE");
  if (!a.decode && a.skip_special_tokens) throw ConfigError("--skip-special-tokens applies to --decode only");
  if (a.decode && a.no_special_tokens) throw ConfigError("--no-special-tokens applies to encoding only (use --skip-special-tokens with --decode)");
  std::vector<Item> items;
  for (const auto& t : a.texts) {
    if (!a.decode) {
      items.push_back({"--text", json(t)});
      continue;
    }
    try {  // --decode --text '[1, 2, 3]'
      items.push_back({"--text", json::parse(t)});
    } catch (const json::parse_error& e) {
      throw ConfigError("--text: not a JSON list of token ids (" + std::string(e.what()) + ")");
    }
  }
  if (!a.input.empty()) {
    auto more = read_items(a.input);
    items.insert(items.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  // Check every input before loading the tokenizer and printing anything: a bad line 900 must
  // not leave 899 lines of output behind.
  for (const auto& it : items) a.decode ? (void)as_ids(it) : (void)as_text(it);
  const Tokenizer tok = load_tokenizer(a.model);
  for (const auto& it : items) {
    if (a.decode) std::cout << json(tok.decode(as_ids(it), a.skip_special_tokens)).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    else std::cout << json(tok.encode(as_text(it), !a.no_special_tokens)).dump() << "\n";
  }
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto a = std::make_shared<TokenizeArgs>();
  auto* cmd = app.add_subcommand("tokenize", "Text to token ids (one JSON list per line), or back with --decode");
  cmd->add_option("--model", a->model, "Tokenizer: model directory, tokenizer.json or .gguf file")->required();
  // allow_extra_args(false): one value per --text, taken verbatim (CLI11 would otherwise split a
  // value "[1, 2]" into a list, which is exactly what --decode --text is given).
  cmd->add_option("--text", a->texts, "Text to encode (with --decode: a JSON list of ids); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--input", a->input,
                  "File with one JSON string per line (with --decode: one JSON list of ids per line); - = stdin");
  cmd->add_flag("--no-special-tokens", a->no_special_tokens, "Do not add the post-processor's special tokens (BOS/EOS)");
  cmd->add_flag("--decode", a->decode, "Ids to text: input lines are JSON lists of ids, output lines JSON strings");
  cmd->add_flag("--skip-special-tokens", a->skip_special_tokens, "With --decode: leave special tokens out of the text");
  cmd->callback([a] { run_tokenize(*a); });
}

}  // namespace lethe::cli

// Pre-tokenizers, as in HF tokenizers/src/pre_tokenizers/*.rs (v0.19).
#include "lethe/tokenizer/pre_tokenizers.h"

#include <algorithm>
#include <tuple>

#include "lethe/core/error.h"
#include "lethe/tokenizer/unicode.h"

namespace lethe::tok {

const char* const kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

using Match = std::tuple<size_t, size_t, bool>;
using Range = std::pair<size_t, size_t>;

void emit_ranges(const Piece& p, const std::vector<Range>& ranges, std::vector<Piece>& out) {
  for (auto [b, e] : ranges) {
    if (e <= b) continue;
    Piece q;
    q.text = p.text.substr(b, e - b);
    q.at_start = p.at_start && b == 0;
    out.push_back(std::move(q));
  }
}

std::vector<Range> apply_split_behavior(const std::vector<Match>& matches, SplitBehavior behavior) {
  std::vector<Range> acc;
  bool prev_match = false;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (auto [b, e, m] : matches) if (!m) acc.emplace_back(b, e);
      break;
    case SplitBehavior::Isolated:
      for (auto [b, e, m] : matches) acc.emplace_back(b, e);
      break;
    case SplitBehavior::MergedWithPrevious:
      for (auto [b, e, m] : matches) {
        if (m && !prev_match && !acc.empty()) acc.back().second = e;
        else acc.emplace_back(b, e);
        prev_match = m;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        auto [b, e, m] = *it;
        if (m && !prev_match && !acc.empty()) acc.back().first = b;
        else acc.emplace_back(b, e);
        prev_match = m;
      }
      std::reverse(acc.begin(), acc.end());
      break;
    case SplitBehavior::Contiguous:
      for (auto [b, e, m] : matches) {
        if (m == prev_match && !acc.empty()) acc.back().second = e;
        else acc.emplace_back(b, e);
        prev_match = m;
      }
      break;
  }
  return acc;
}

namespace {

SplitBehavior parse_behavior(const std::string& s, const std::string& origin) {
  if (s == "Removed") return SplitBehavior::Removed;
  if (s == "Isolated") return SplitBehavior::Isolated;
  if (s == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (s == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (s == "Contiguous") return SplitBehavior::Contiguous;
  throw FormatError(origin, "unknown split behavior '" + s + "'");
}

// The (range, is_match) cover of `s` by the regex matches (HF Pattern for SysRegex).
std::vector<Match> regex_cover(const Regex& re, const std::string& s, bool invert) {
  std::vector<Match> out;
  size_t prev = 0;
  for (auto [b, e] : re.find_all(s)) {
    if (prev != b) out.emplace_back(prev, b, invert);
    out.emplace_back(b, e, !invert);
    prev = e;
  }
  if (prev != s.size()) out.emplace_back(prev, s.size(), invert);
  return out;
}

// One match per character satisfying `pred` (HF Pattern for Fn(char) -> bool).
template <class P>
std::vector<Match> char_cover(const std::string& s, P pred, bool invert) {
  std::vector<Match> out;
  size_t prev = 0;
  for (size_t i = 0; i < s.size();) {
    int len = 1;
    char32_t c = utf8_decode(s, i, &len);
    if (pred(c)) {
      if (prev != i) out.emplace_back(prev, i, invert);
      out.emplace_back(i, i + len, !invert);
      prev = i + len;
    }
    i += len;
  }
  if (prev != s.size()) out.emplace_back(prev, s.size(), invert);
  return out;
}

std::vector<Match> literal_cover(const std::string& s, const std::string& lit, bool invert) {
  std::vector<Match> out;
  size_t prev = 0;
  if (!lit.empty())
    for (size_t pos = s.find(lit); pos != std::string::npos; pos = s.find(lit, prev)) {
      if (prev != pos) out.emplace_back(prev, pos, invert);
      out.emplace_back(pos, pos + lit.size(), !invert);
      prev = pos + lit.size();
    }
  if (prev != s.size()) out.emplace_back(prev, s.size(), invert);
  return out;
}

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& origin)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) re_ = std::make_unique<Regex>(kGpt2Regex, origin);
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
      if (add_prefix_space_ && (p.text.empty() || p.text[0] != ' ')) p.text.insert(0, " ");
      size_t first = out.size();
      if (re_) emit_ranges(p, apply_split_behavior(regex_cover(*re_, p.text, false), SplitBehavior::Isolated), out);
      else out.push_back(std::move(p));
      for (size_t k = first; k < out.size(); ++k) out[k].text = bytes_to_chars(out[k].text);
    });
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> re_;
};

class Split : public PreTokenizer {
 public:
  Split(const json& pattern, SplitBehavior behavior, bool invert, const std::string& origin)
      : behavior_(behavior), invert_(invert) {
    if (pattern.contains("String")) literal_ = pattern["String"].get<std::string>();
    else if (pattern.contains("Regex")) re_ = std::make_unique<Regex>(pattern["Regex"].get<std::string>(), origin);
    else throw FormatError(origin, "Split pattern must be {\"String\": ...} or {\"Regex\": ...}");
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
      auto cover = re_ ? regex_cover(*re_, p.text, invert_) : literal_cover(p.text, literal_, invert_);
      emit_ranges(p, apply_split_behavior(cover, behavior_), out);
    });
  }

 private:
  std::string literal_;
  std::unique_ptr<Regex> re_;
  SplitBehavior behavior_;
  bool invert_;
};

// Metaspace: ' ' -> replacement; prepend the replacement (always / first piece / never);
// optionally split before each replacement (MergedWithNext).
class Metaspace : public PreTokenizer {
 public:
  Metaspace(std::string repl, std::string scheme, bool split)
      : repl_(std::move(repl)), scheme_(std::move(scheme)), split_(split) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
      std::string t;
      for (char c : p.text) { if (c == ' ') t += repl_; else t += c; }
      bool starts = t.compare(0, repl_.size(), repl_) == 0;
      if (!starts && (scheme_ == "always" || (scheme_ == "first" && p.at_start))) t.insert(0, repl_);
      p.text.swap(t);
      if (!split_) { out.push_back(std::move(p)); return; }
      emit_ranges(p, apply_split_behavior(literal_cover(p.text, repl_, false), SplitBehavior::MergedWithNext), out);
    });
  }

 private:
  std::string repl_, scheme_;
  bool split_;
};

// Digits: each numeric character alone (individual_digits) or runs of them.
class Digits : public PreTokenizer {
 public:
  explicit Digits(bool individual) : individual_(individual) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
      auto cover = char_cover(p.text, is_numeric, false);
      emit_ranges(p, apply_split_behavior(cover, individual_ ? SplitBehavior::Isolated : SplitBehavior::Contiguous), out);
    });
  }

 private:
  bool individual_;
};

// Whitespace: keeps the matches of \w+|[^\w\s]+. WhitespaceSplit: splits on whitespace.
class Whitespace : public PreTokenizer {
 public:
  Whitespace(bool split_only, const std::string& origin) : split_only_(split_only) {
    if (!split_only) re_ = std::make_unique<Regex>(R"(\w+|[^\w\s]+)", origin);
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
      auto cover = split_only_ ? char_cover(p.text, is_whitespace, false) : regex_cover(*re_, p.text, true);
      emit_ranges(p, apply_split_behavior(cover, SplitBehavior::Removed), out);
    });
  }

 private:
  bool split_only_;
  std::unique_ptr<Regex> re_;
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> items) : items_(std::move(items)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& p : items_) if (p) p->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> items_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& c, const std::string& origin) {
  if (c.is_null()) return nullptr;
  check_format(c.is_object() && c.contains("type"), origin, "pre_tokenizer without a \"type\"");
  const std::string type = c["type"].get<std::string>();
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(c.value("add_prefix_space", true), c.value("use_regex", true), origin);
  if (type == "Split")
    return std::make_unique<Split>(c.at("pattern"), parse_behavior(c.at("behavior").get<std::string>(), origin),
                                   c.value("invert", false), origin);
  if (type == "Metaspace") {
    std::string scheme = "always";
    if (c.contains("prepend_scheme")) scheme = c["prepend_scheme"].get<std::string>();
    else if (c.contains("add_prefix_space") && !c["add_prefix_space"].get<bool>()) scheme = "never";
    check_format(scheme == "always" || scheme == "first" || scheme == "never", origin,
                 "Metaspace prepend_scheme '" + scheme + "' is not always/first/never");
    return std::make_unique<Metaspace>(c.value("replacement", std::string("\xE2\x96\x81")), scheme,
                                       c.value("split", true));
  }
  if (type == "Digits") return std::make_unique<Digits>(c.value("individual_digits", false));
  if (type == "Whitespace") return std::make_unique<Whitespace>(false, origin);
  if (type == "WhitespaceSplit") return std::make_unique<Whitespace>(true, origin);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> items;
    for (const auto& item : c.at("pretokenizers")) items.push_back(make_pre_tokenizer(item, origin));
    return std::make_unique<Sequence>(std::move(items));
  }
  throw FormatError(origin, "unsupported pre_tokenizer type '" + type + "'");
}

}  // namespace lethe::tok

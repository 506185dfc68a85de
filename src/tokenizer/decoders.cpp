// Decoders, as HF tokenizers/src/decoders/*.rs (v0.19).
#include "lethe/tokenizer/decoders.h"

#include "lethe/core/error.h"
#include "lethe/tokenizer/unicode.h"

namespace lethe::tok {
namespace {

// ByteLevel: every character back to its byte; a token with a character outside the table is
// kept as its UTF-8 bytes; the bytes of all tokens are joined and decoded lossily.
class ByteLevel : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      std::string mine;
      bool ok = true;
      for (size_t i = 0; i < t.size() && ok;) {
        int len = 1;
        int b = char_to_byte(utf8_decode(t, i, &len));
        if (b < 0) ok = false;
        else mine += static_cast<char>(b);
        i += len;
      }
      bytes += ok ? mine : t;
    }
    tokens.assign(1, utf8_lossy(bytes));
  }
};

// ByteFallback: runs of "<0xXX>" tokens become their bytes as UTF-8, or one U+FFFD per byte
// when the run is not valid UTF-8.
class ByteFallback : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string run;
    size_t run_len = 0;
    auto flush = [&] {
      if (run_len == 0) return;
      if (utf8_valid(run)) out.push_back(run);
      else for (size_t k = 0; k < run_len; ++k) out.push_back("\xEF\xBF\xBD");
      run.clear();
      run_len = 0;
    };
    for (auto& t : tokens) {
      int byte = -1;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        char* end = nullptr;
        std::string hex = t.substr(3, 2);
        long v = std::strtol(hex.c_str(), &end, 16);
        if (end == hex.c_str() + 2 && std::isxdigit(static_cast<unsigned char>(hex[0]))) byte = static_cast<int>(v);
      }
      if (byte >= 0) { run += static_cast<char>(byte); ++run_len; continue; }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens.swap(out);
  }
};

class Fuse : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, all);
  }
};

// Replace: literal pattern -> content in every token.
class Replace : public Decoder {
 public:
  Replace(const json& pattern, std::string content, const std::string& origin) : content_(std::move(content)) {
    if (pattern.contains("String")) literal_ = pattern["String"].get<std::string>();
    else if (pattern.contains("Regex")) regex_ = std::make_unique<Regex>(pattern["Regex"].get<std::string>(), origin);
    else throw FormatError(origin, "Replace decoder pattern must be {\"String\": ...} or {\"Regex\": ...}");
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      std::string out;
      size_t prev = 0;
      if (regex_) {
        for (auto [b, e] : regex_->find_all(t)) { out.append(t, prev, b - prev); out += content_; prev = e; }
      } else if (!literal_.empty()) {
        for (size_t p = t.find(literal_); p != std::string::npos; p = t.find(literal_, prev)) {
          out.append(t, prev, p - prev);
          out += content_;
          prev = p + literal_.size();
        }
      }
      out.append(t, prev, std::string::npos);
      t.swap(out);
    }
  }

 private:
  std::string literal_, content_;
  std::unique_ptr<Regex> regex_;
};

// Strip: removes up to `start` leading and `stop` trailing `content` characters per token.
class Strip : public Decoder {
 public:
  Strip(std::string content, size_t start, size_t stop) : c_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      size_t b = 0, e = t.size();
      for (size_t k = 0; k < start_ && t.compare(b, c_.size(), c_) == 0 && b + c_.size() <= e; ++k) b += c_.size();
      for (size_t k = 0; k < stop_ && e >= b + c_.size() && t.compare(e - c_.size(), c_.size(), c_) == 0; ++k) e -= c_.size();
      t = t.substr(b, e - b);
    }
  }

 private:
  std::string c_;
  size_t start_, stop_;
};

// Metaspace: replacement -> ' '; in the first token the replacement is dropped instead
// (unless prepend_scheme is "never").
class Metaspace : public Decoder {
 public:
  Metaspace(std::string repl, bool drop_first) : repl_(std::move(repl)), drop_first_(drop_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string& t = tokens[i];
      std::string out;
      for (size_t p = 0; p < t.size();) {
        if (t.compare(p, repl_.size(), repl_) == 0) {
          if (!(i == 0 && drop_first_)) out += ' ';
          p += repl_.size();
        } else {
          out += t[p++];
        }
      }
      tokens[i].swap(out);
    }
  }

 private:
  std::string repl_;
  bool drop_first_;
};

class Sequence : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> items) : items_(std::move(items)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& d : items_) if (d) d->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> items_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& c, const std::string& origin) {
  if (c.is_null()) return nullptr;
  check_format(c.is_object() && c.contains("type"), origin, "decoder without a \"type\"");
  const std::string type = c["type"].get<std::string>();
  if (type == "ByteLevel") return std::make_unique<ByteLevel>();
  if (type == "ByteFallback") return std::make_unique<ByteFallback>();
  if (type == "Fuse") return std::make_unique<Fuse>();
  if (type == "Replace") return std::make_unique<Replace>(c.at("pattern"), c.at("content").get<std::string>(), origin);
  if (type == "Strip")
    return std::make_unique<Strip>(c.at("content").get<std::string>(), c.value("start", 0), c.value("stop", 0));
  if (type == "Metaspace") {
    std::string scheme = "always";
    if (c.contains("prepend_scheme")) scheme = c["prepend_scheme"].get<std::string>();
    else if (c.contains("add_prefix_space") && !c["add_prefix_space"].get<bool>()) scheme = "never";
    return std::make_unique<Metaspace>(c.value("replacement", std::string("\xE2\x96\x81")), scheme != "never");
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> items;
    for (const auto& item : c.at("decoders")) items.push_back(make_decoder(item, origin));
    return std::make_unique<Sequence>(std::move(items));
  }
  throw FormatError(origin, "unsupported decoder type '" + type + "'");
}

}  // namespace lethe::tok

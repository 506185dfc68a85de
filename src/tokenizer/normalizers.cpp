// Normalizers, as in HF tokenizers/src/normalizers/*.rs.
#include "lethe/tokenizer/normalizers.h"

#include <vector>

#include "lethe/core/error.h"
#include "lethe/tokenizer/unicode.h"

namespace lethe::tok {
namespace {

class UnicodeForm : public Normalizer {
 public:
  explicit UnicodeForm(std::string form) : form_(std::move(form)) {}
  void normalize(std::string& s) const override { s = unicode_normalize(s, form_); }

 private:
  std::string form_;
};

class Lowercase : public Normalizer {
 public:
  void normalize(std::string& s) const override { s = unicode_lowercase(s); }
};

// Strip: removes leading (left) and trailing (right) whitespace (char::is_whitespace).
class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& s) const override {
    size_t b = 0, e = s.size();
    if (left_) {
      while (b < e) {
        int len = 1;
        if (!is_whitespace(utf8_decode(s, b, &len))) break;
        b += len;
      }
    }
    if (right_) {
      while (e > b) {
        size_t k = e - 1;
        while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        int len = 1;
        if (!is_whitespace(utf8_decode(s, k, &len))) break;
        e = k;
      }
    }
    s = s.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

// Prepend: s = prepend + s (only for non-empty s, which is all the pipeline passes).
class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string p) : p_(std::move(p)) {}
  void normalize(std::string& s) const override {
    if (!s.empty()) s.insert(0, p_);
  }

 private:
  std::string p_;
};

// Replace: every occurrence of a literal string or regex match becomes `content`.
class Replace : public Normalizer {
 public:
  Replace(const json& pattern, std::string content, const std::string& origin)
      : content_(std::move(content)) {
    if (pattern.contains("String")) {
      literal_ = pattern["String"].get<std::string>();
      check_format(!literal_.empty(), origin, "Replace pattern is an empty string");
    } else if (pattern.contains("Regex")) {
      regex_ = std::make_unique<Regex>(pattern["Regex"].get<std::string>(), origin);
    } else {
      throw FormatError(origin, "Replace pattern must be {\"String\": ...} or {\"Regex\": ...}");
    }
  }
  void normalize(std::string& s) const override {
    std::string out;
    size_t prev = 0;
    if (regex_) {
      for (auto [b, e] : regex_->find_all(s)) {
        out.append(s, prev, b - prev);
        out += content_;
        prev = e;
      }
    } else {
      for (size_t pos = s.find(literal_); pos != std::string::npos; pos = s.find(literal_, prev)) {
        out.append(s, prev, pos - prev);
        out += content_;
        prev = pos + literal_.size();
      }
    }
    out.append(s, prev, std::string::npos);
    s.swap(out);
  }

 private:
  std::string literal_, content_;
  std::unique_ptr<Regex> regex_;
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> items) : items_(std::move(items)) {}
  void normalize(std::string& s) const override {
    for (const auto& n : items_) {
      if (s.empty()) return;
      if (n) n->normalize(s);
    }
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> items_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& c, const std::string& origin) {
  if (c.is_null()) return nullptr;
  check_format(c.is_object() && c.contains("type"), origin, "normalizer without a \"type\"");
  const std::string type = c["type"].get<std::string>();
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD")
    return std::make_unique<UnicodeForm>(type);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Strip")
    return std::make_unique<Strip>(c.value("strip_left", true), c.value("strip_right", true));
  if (type == "Prepend") return std::make_unique<Prepend>(c.at("prepend").get<std::string>());
  if (type == "Replace")
    return std::make_unique<Replace>(c.at("pattern"), c.at("content").get<std::string>(), origin);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> items;
    for (const auto& item : c.at("normalizers")) items.push_back(make_normalizer(item, origin));
    return std::make_unique<Sequence>(std::move(items));
  }
  throw FormatError(origin, "unsupported normalizer type '" + type + "'");
}

}  // namespace lethe::tok

// Unicode helpers: UTF-8, GPT-2 byte table, character classes, normalization, PCRE2 wrapper.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "lethe/tokenizer/unicode.h"

#include <pcre2.h>
#include <utf8proc.h>

#include <cstdlib>
#include <cstring>

#include "lethe/core/error.h"

namespace lethe::tok {

int utf8_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (strict: no overlongs,
// no surrogates, nothing above U+10FFFF), as Rust's decoder checks.
static int valid_seq_len(const unsigned char* s, size_t n, size_t i, size_t* maximal_invalid) {
  unsigned char c = s[i];
  *maximal_invalid = 1;
  if (c < 0x80) return 1;
  int len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c == 0xE0) { len = 3; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) len = 3;
  else if (c == 0xED) { len = 3; hi = 0x9F; }
  else if (c >= 0xEE && c <= 0xEF) len = 3;
  else if (c == 0xF0) { len = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) len = 4;
  else if (c == 0xF4) { len = 4; hi = 0x8F; }
  else return 0;
  for (int k = 1; k < len; ++k) {
    if (i + k >= n) { *maximal_invalid = k; return 0; }
    unsigned char b = s[i + k];
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) { *maximal_invalid = k; return 0; }
  }
  return len;
}

char32_t utf8_decode(const std::string& str, size_t i, int* len) {
  const auto* s = reinterpret_cast<const unsigned char*>(str.data());
  size_t bad = 1;
  int n = valid_seq_len(s, str.size(), i, &bad);
  if (n == 0) { *len = static_cast<int>(bad); return 0xFFFD; }
  *len = n;
  if (n == 1) return s[i];
  if (n == 2) return ((s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
  if (n == 3) return ((s[i] & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
  return ((s[i] & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_lossy(const std::string& bytes) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    size_t bad = 1;
    int n = valid_seq_len(s, bytes.size(), i, &bad);
    if (n > 0) {
      out.append(bytes, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += bad;
    }
  }
  return out;
}

bool utf8_valid(const std::string& bytes) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0, bad = 0;
  while (i < bytes.size()) {
    if (s[i] < 0x80) { ++i; continue; }
    int n = valid_seq_len(s, bytes.size(), i, &bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool is_alphanumeric(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
         (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

bool is_numeric(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO;
}

// bytes_to_unicode(): printable Latin-1 bytes map to themselves, the other 68 bytes to
// U+0100 + n in byte order.
const std::array<char32_t, 256>& byte_to_char() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      t[b] = keep ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
    }
    return t;
  }();
  return table;
}

int char_to_byte(char32_t c) {
  static const std::vector<int> inverse = [] {
    std::vector<int> v(512, -1);
    const auto& t = byte_to_char();
    for (int b = 0; b < 256; ++b) v[t[b]] = b;
    return v;
  }();
  return c < inverse.size() ? inverse[c] : -1;
}

std::string bytes_to_chars(const std::string& s) {
  static const std::array<std::string, 256> enc = [] {
    std::array<std::string, 256> e;
    for (int b = 0; b < 256; ++b) utf8_append(e[b], byte_to_char()[b]);
    return e;
  }();
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (unsigned char c : s) out += enc[c];
  return out;
}

std::string unicode_normalize(const std::string& s, const std::string& form) {
  bool ascii = true;
  for (unsigned char c : s) if (c >= 0x80) { ascii = false; break; }
  if (ascii) return s;
  int opts = UTF8PROC_STABLE;
  if (form == "NFC") opts |= UTF8PROC_COMPOSE;
  else if (form == "NFD") opts |= UTF8PROC_DECOMPOSE;
  else if (form == "NFKC") opts |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
  else if (form == "NFKD") opts |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  else throw ConfigError("unicode_normalize: unknown form '" + form + "'");
  utf8proc_uint8_t* dst = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &dst,
                                    static_cast<utf8proc_option_t>(opts));
  if (n < 0) return s;  // invalid UTF-8 cannot reach here (input is made valid first)
  std::string out(reinterpret_cast<char*>(dst), static_cast<size_t>(n));
  std::free(dst);
  return out;
}

std::string unicode_lowercase(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      ++i;
      continue;
    }
    int len = 1;
    char32_t cp = utf8_decode(s, i, &len);
    if (cp == 0x130) {
      out += "i\xCC\x87";  // U+0130 lowercases to "i" + U+0307 (full mapping)
    } else {
      utf8_append(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
    }
    i += len;
  }
  return out;
}

// --- Regex --------------------------------------------------------------------------------------

Regex::Regex(const std::string& pattern, const std::string& origin) : pattern_(pattern) {
  int err = 0;
  PCRE2_SIZE off = 0;
  auto* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                             PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &off, nullptr);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    throw FormatError(origin, "regex '" + pattern + "' does not compile at offset " +
                                  std::to_string(off) + ": " + reinterpret_cast<char*>(buf));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if unavailable
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

namespace {
struct MatchData {
  pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
  ~MatchData() { pcre2_match_data_free(md); }
};
}  // namespace

std::vector<std::pair<size_t, size_t>> Regex::find_all(const std::string& s) const {
  thread_local MatchData data;
  std::vector<std::pair<size_t, size_t>> out;
  auto* code = static_cast<pcre2_code*>(code_);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(s.data());
  size_t start = 0;
  while (start <= s.size()) {
    int rc = pcre2_match(code, subject, s.size(), start, PCRE2_NO_UTF_CHECK, data.md, nullptr);
    if (rc < 0) break;  // PCRE2_ERROR_NOMATCH (or a resource limit): no more matches
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.md);
    size_t b = ov[0], e = ov[1];
    out.emplace_back(b, e);
    if (e > b) {
      start = e;
    } else {  // empty match: step over one character
      if (e >= s.size()) break;
      start = e + utf8_len(static_cast<unsigned char>(s[e]));
    }
  }
  return out;
}

std::string regex_escape(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    if (std::strchr("\\^$.|?*+()[]{}-/#", c) && c != '\0') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace lethe::tok

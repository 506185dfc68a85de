// Unicode helpers for the tokenizer: UTF-8 decoding/encoding, the GPT-2 byte<->char table,
// character classes as Rust's `char` defines them (what Hugging Face `tokenizers` uses),
// normalization forms (utf8proc) and a PCRE2 regex wrapper (PCRE2_UTF | PCRE2_UCP, JIT).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lethe::tok {

// Decodes the code point starting at s[i]; sets `len` to its byte length (1 for an invalid byte,
// which is returned as U+FFFD).
char32_t utf8_decode(const std::string& s, size_t i, int* len);
// Appends the UTF-8 encoding of `cp` to `out`.
void utf8_append(std::string& out, char32_t cp);
// Byte length of the UTF-8 sequence whose first byte is `lead` (1 for a stray byte).
int utf8_len(unsigned char lead);
// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes U+FFFD.
std::string utf8_lossy(const std::string& bytes);
// True when `bytes` is valid UTF-8.
bool utf8_valid(const std::string& bytes);

// Rust's char::is_whitespace (Unicode White_Space).
bool is_whitespace(char32_t c);
// Rust's char::is_alphanumeric, approximated as general category L* or N*.
bool is_alphanumeric(char32_t c);

// Rust's char::is_numeric (general category N*).
bool is_numeric(char32_t c);

// GPT-2's reversible byte -> printable code point table (bytes_to_unicode()).
const std::array<char32_t, 256>& byte_to_char();
// The inverse table; -1 for code points that are not in it.
int char_to_byte(char32_t c);
// Maps each byte of `s` through byte_to_char() into a UTF-8 string.
std::string bytes_to_chars(const std::string& s);

// Normalization: form is "NFC", "NFD", "NFKC" or "NFKD". ASCII input is returned unchanged.
std::string unicode_normalize(const std::string& s, const std::string& form);
// Per-code-point full lowercase (Rust's char::to_lowercase, no final-sigma rule).
std::string unicode_lowercase(const std::string& s);

// A compiled PCRE2 pattern (UTF + UCP, JIT-compiled when available). Thread-safe to use.
class Regex {
 public:
  // Throws lethe::FormatError(origin, ...) when the pattern does not compile.
  Regex(const std::string& pattern, const std::string& origin);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // All non-overlapping matches in `s` as (start, end) byte offsets, left to right.
  std::vector<std::pair<size_t, size_t>> find_all(const std::string& s) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

// Escapes `literal` so PCRE2 matches it verbatim.
std::string regex_escape(const std::string& literal);

}  // namespace lethe::tok

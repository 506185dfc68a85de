// Normalizers (tokenizer.json "normalizer"): NFC/NFD/NFKC/NFKD, Lowercase, Strip, Prepend,
// Replace, Sequence. Each rewrites a piece's text in place; built from the JSON object by
// make_normalizer, which throws FormatError naming the unknown "type" and the file.
#pragma once
#include <memory>
#include <string>

#include "lethe/core/files.h"

namespace lethe::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Rewrites `s` in place (s is valid UTF-8 and non-empty).
  virtual void normalize(std::string& s) const = 0;
};

// Builds the normalizer described by `config` (null -> nullptr). `origin` names the file.
std::unique_ptr<Normalizer> make_normalizer(const json& config, const std::string& origin);

}  // namespace lethe::tok

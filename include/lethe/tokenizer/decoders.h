// Decoders (tokenizer.json "decoder"): ByteLevel, ByteFallback, Metaspace, Replace, Strip,
// Fuse, Sequence. Each maps the list of token strings to a new list (HF decode_chain); the
// decoded text is the concatenation of the final list.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lethe/core/files.h"

namespace lethe::tok {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Builds the decoder described by `config` (null -> nullptr). `origin` names the file.
std::unique_ptr<Decoder> make_decoder(const json& config, const std::string& origin);

}  // namespace lethe::tok

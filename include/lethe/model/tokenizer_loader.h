// The tokenizer that belongs to a model path: tokenizer.json (+ tokenizer_config.json) in a
// Hugging Face directory, a tokenizer.json file itself, or the vocabulary in a GGUF file's metadata.
#pragma once
#include <string>

#include "lethe/tokenizer/tokenizer.h"

namespace lethe {

// Throws FormatError naming the path when no tokenizer can be found there.
Tokenizer load_tokenizer(const std::string& path);

}  // namespace lethe

#include "lethe/model/tokenizer_loader.h"

#include <filesystem>

#include "lethe/core/error.h"
#include "lethe/io/gguf.h"
#include "lethe/model/gguf_model.h"

namespace fs = std::filesystem;

namespace lethe {

Tokenizer load_tokenizer(const std::string& path) {
  if (fs::is_directory(path)) {
    if (!fs::exists(fs::path(path) / "tokenizer.json"))
      throw FormatError(path, "no tokenizer.json in this directory (Lethe reads tokenizer.json, not tokenizer.model)");
    return Tokenizer::from_directory(path);
  }
  if (!fs::exists(path)) throw FormatError(path, "no such file or directory");
  if (fs::path(path).extension() == ".gguf") return Tokenizer::from_gguf_vocab(gguf_vocab(GgufFile::open(path)));
  if (fs::path(path).extension() == ".safetensors") return load_tokenizer(fs::path(path).parent_path().string());
  return Tokenizer::from_file(path);
}

}  // namespace lethe

#include "lethe/model/convert.h"

#include <filesystem>
#include <optional>

#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/io/gguf.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/gguf_model.h"
#include "lethe/tokenizer/tokenizer.h"

namespace fs = std::filesystem;

namespace lethe {
namespace {

// tokenizer_config.json for a tokenizer built from a GGUF vocabulary. tokenizer_class
// "PreTrainedTokenizerFast" makes AutoTokenizer take tokenizer.json as it is (the model-type
// default, e.g. LlamaTokenizerFast, would rebuild the post-processor from add_bos_token).
json tokenizer_config(const Tokenizer& tok, const ModelConfig& cfg) {
  json c = tok.special_tokens_config();
  if (c.value("pad_token", json()).is_null())
    if (auto p = tok.pad_id()) c["pad_token"] = tok.id_to_token(*p);
  if (!c.contains("model_max_length")) c["model_max_length"] = cfg.max_position_embeddings;
  if (!c.contains("tokenizer_class")) c["tokenizer_class"] = "PreTrainedTokenizerFast";
  c["clean_up_tokenization_spaces"] = false;  // decode exactly what the decoder gives (as Lethe)
  return c;
}

}  // namespace

ConvertResult convert_gguf_to_hf(const std::string& gguf_path, const std::string& out_dir, const ConvertOptions& opts) {
  if (!fs::exists(gguf_path)) throw FormatError(gguf_path, "no such file");
  if (!fs::is_regular_file(gguf_path)) throw FormatError(gguf_path, "not a regular file (expected a .gguf file)");
  if (fs::exists(out_dir) && !fs::is_directory(out_dir))
    throw ConfigError("output path " + out_dir + " exists and is not a directory");
  // 1. Read and check everything before writing anything. GgufFile::open validates the magic,
  //    header, tensor infos and that every tensor lies inside the file (truncation).
  const GgufFile gguf = GgufFile::open(gguf_path);
  if (fs::path(gguf_path).extension() != ".gguf")
    throw FormatError(gguf_path, "is a GGUF file but is not named *.gguf; rename it so that it loads as a model");
  std::optional<Tokenizer> tok;
  if (gguf.has("tokenizer.ggml.tokens")) tok = Tokenizer::from_gguf_vocab(gguf_vocab(gguf));
  LoadOptions lo;
  lo.dtype = torch::kFloat32;  // the dequantized values exactly; cast once when saving
  LoadedModel lm = load_model(gguf_path, lo);

  // 2. Write: a stale config.json goes first, the new one comes last (save_model writes it last).
  ConvertResult res;
  res.config = lm.config;
  res.has_tokenizer = tok.has_value();
  res.parameters = lm.config.parameter_count();
  fs::create_directories(out_dir);
  fs::remove(fs::path(out_dir) / "config.json");
  if (tok) {
    write_json_file(join_path(out_dir, "tokenizer.json"), tok->to_json());
    write_json_file(join_path(out_dir, "tokenizer_config.json"), tokenizer_config(*tok, lm.config));
    res.files = {"tokenizer.json", "tokenizer_config.json"};
  }
  SaveOptions so;
  so.dtype = opts.dtype;
  so.max_shard_bytes = opts.max_shard_bytes;
  save_model(lm.model, out_dir, so);
  for (const char* f : {"model.safetensors.index.json", "model.safetensors"})
    if (fs::exists(fs::path(out_dir) / f)) res.files.push_back(f);
  res.files.push_back("generation_config.json");
  res.files.push_back("config.json");
  return res;
}

}  // namespace lethe

// GGUF file -> Hugging Face model directory, loadable by transformers' from_pretrained:
//   model.safetensors (+ index when sharded), config.json, generation_config.json (save_model),
//   tokenizer.json (Tokenizer::to_json of the GGUF vocabulary) and tokenizer_config.json
//   (Tokenizer::special_tokens_config + tokenizer_class "PreTrainedTokenizerFast", so that
//   AutoTokenizer uses tokenizer.json as it is instead of rebuilding its post-processor).
// The weights are the GGUF tensors dequantized to float32 (then cast to the output dtype): a
// conversion does not recover what quantization lost, it only changes the container.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

#include "lethe/model/config.h"

namespace lethe {

struct ConvertOptions {
  torch::ScalarType dtype = torch::kFloat32;  // stored dtype of the safetensors (float32/bfloat16/float16)
  uint64_t max_shard_bytes = 5000000000ULL;    // transformers' default "5GB"
};

struct ConvertResult {
  ModelConfig config;
  std::vector<std::string> files;  // file names written into the output directory, in write order
  bool has_tokenizer = false;      // false when the GGUF carries no tokenizer.ggml.tokens
  int64_t parameters = 0;
};

// Converts `gguf_path` into the directory `out_dir` (created if needed). Everything is read and
// checked before anything is written: a non-GGUF or truncated input is a FormatError naming it
// and leaves `out_dir` untouched. A config.json already in `out_dir` is removed first and the
// new one is written last, so a directory with a config.json is always a complete conversion.
ConvertResult convert_gguf_to_hf(const std::string& gguf_path, const std::string& out_dir,
                                 const ConvertOptions& opts = {});

}  // namespace lethe

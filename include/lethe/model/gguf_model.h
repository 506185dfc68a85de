// From a GGUF file to what Lethe's models use: a ModelConfig, a Hugging Face-named state dict and
// the tokenizer vocabulary. The reference is transformers' own GGUF loader (4.44.2,
// modeling_gguf_pytorch_utils.py + integrations/ggml.py): same names, same config keys, same
// undoing of llama.cpp's q/k row permutation.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "lethe/io/gguf.h"
#include "lethe/model/config.h"
#include "lethe/tokenizer/gguf_vocab.h"

namespace lethe {

// Builds the config from "<arch>.*" keys (arch = general.architecture, looked up in the registry:
// llama, qwen2): context_length, embedding_length, block_count, feed_forward_length,
// attention.head_count(_kv), attention.layer_norm_rms_epsilon, attention.key_length (head_dim),
// rope.freq_base, rope.dimension_count (must equal head_dim), rope.scaling.{type,factor,
// original_context_length}, llama3 scaling recovered from a rope_freqs.weight tensor;
// vocab_size from <arch>.vocab_size, else the token list, else token_embd's rows;
// tie_word_embeddings = no output.weight; bos/eos/pad from tokenizer.ggml.*. Validated by
// ModelConfig::from_json; `raw` is the equivalent config.json.
ModelConfig config_from_gguf(const GgufFile& file);

// Hugging Face name of a GGUF tensor name ("blk.3.attn_q.weight" ->
// "model.layers.3.self_attn.q_proj.weight"), or nullopt when it has none.
std::optional<std::string> hf_tensor_name(const std::string& gguf_name);

// Inverse of llama.cpp's convert_hf_to_gguf.py permute(w, n_head, n_head_kv) on the rows of a
// q or k weight [n_head*D, C] (or bias [n_head*D]): rows are viewed as [n_head, D/2, 2] and the
// last two axes swapped back to [n_head, 2, D/2]. `n_head` is the head count of that projection.
torch::Tensor unpermute_rotary_rows(const torch::Tensor& w, int64_t n_head);

// Every tensor, dequantized, cast to `dtype`, with HF names and torch shapes, in file order.
// For general.architecture == "llama" the q/k weights (and biases) are un-permuted with
// n_head = H for q and Hkv for k (qwen2 files are not permuted). rope_freqs.weight is consumed by
// config_from_gguf and skipped; any other unknown tensor is a FormatError naming it.
std::vector<std::pair<std::string, torch::Tensor>> gguf_state_dict(const GgufFile& file, const ModelConfig& cfg,
                                                                   torch::ScalarType dtype = torch::kFloat32);

// The tokenizer.ggml.* / tokenizer.chat_template keys as a GgufVocab (tokens are required).
GgufVocab gguf_vocab(const GgufFile& file);

}  // namespace lethe

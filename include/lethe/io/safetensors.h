// Hugging Face safetensors: reading (memory-mapped, validated before any tensor is touched),
// sharded checkpoints (model.safetensors.index.json) and writing (byte-identical to the Python
// `safetensors` package, atomic, transformers' shard naming).
//
// File layout (https://github.com/huggingface/safetensors, "Format"):
//   [8 bytes: N, little-endian u64][N bytes: JSON header, space-padded][data section]
//   header = {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [..],
//             "data_offsets": [begin, end]}, ...}, offsets relative to the data section.
// What the reader enforces (the same rules as HF's Rust crate, `Metadata::validate`):
//   N <= 100,000,000 and 8 + N <= file size; the header is a JSON object; every entry has a
//   known dtype, a shape of non-negative integers and data_offsets [begin <= end];
//   end - begin == numel * element size (no overflow); sorted by offset, the tensors cover the
//   data section exactly: no overlap, no gap, nothing past the end, no trailing bytes.
//   __metadata__ values must be strings.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lethe/core/files.h"

namespace lethe {

// The dtypes Lethe reads and writes, by safetensors name:
//   F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL  ->  kDouble kFloat kHalf kBFloat16 kLong kInt
//   kShort kChar kByte kBool. Returns nullopt for any other name (U16, U32, U64, F8_*, ...).
std::optional<torch::ScalarType> scalar_type_from_safetensors(const std::string& dtype);
// The safetensors name of a torch dtype; throws ShapeError for dtypes safetensors cannot hold.
std::string safetensors_dtype_name(torch::ScalarType type);

// One header entry, validated.
struct SafetensorsTensorInfo {
  std::string dtype_name;      // as in the header, e.g. "BF16"
  torch::ScalarType dtype;     // the torch type it is read as
  std::vector<int64_t> shape;  // row-major, may contain 0
  uint64_t begin = 0;          // byte offsets in the data section, end - begin = nbytes()
  uint64_t end = 0;
  uint64_t nbytes() const { return end - begin; }
};

namespace detail {
struct MappedFile;  // the read-only mmap of a file; shared by the reader and its views
}

// A safetensors file, memory-mapped read-only. Copies share the same mapping. Saving over the
// same path is safe while it is open (the writer renames a new file into place, the mapping
// keeps the old one); a file truncated in place by another program is mmap's SIGBUS.
class SafetensorsFile {
 public:
  // Maps `path` and validates the whole header; throws FormatError(path, ...) on any problem.
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return path_; }
  // Tensor names in file order (by data offset).
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return infos_.count(name) != 0; }
  // Throws FormatError(path, "no tensor named ...") when absent.
  const SafetensorsTensorInfo& info(const std::string& name) const;
  // The "__metadata__" map (empty if the header has none).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Size of the data section in bytes (= sum of the tensors' sizes).
  uint64_t data_bytes() const { return data_bytes_; }

  // A CPU tensor owning a copy of the bytes, in the file's dtype or converted to `as`.
  // BOOL bytes other than 0 are read as true.
  torch::Tensor tensor(const std::string& name, std::optional<torch::ScalarType> as = {}) const;
  // Zero-copy CPU tensor over the mapped bytes (file dtype). The tensor keeps the mapping alive,
  // so it stays valid after this object is gone. The pages are mapped read-only: never modify
  // it in place (that is a SIGSEGV); clone() first. Returns a copy instead for BOOL tensors and
  // for bytes not aligned to the element size (a file written by an unusual writer).
  torch::Tensor view(const std::string& name) const;

 private:
  std::string path_;
  std::shared_ptr<const detail::MappedFile> map_;
  const unsigned char* data_ = nullptr;  // start of the data section inside map_
  uint64_t data_bytes_ = 0;
  std::vector<std::string> names_;
  std::map<std::string, SafetensorsTensorInfo> infos_;
  std::map<std::string, std::string> metadata_;
};

// A checkpoint split over several safetensors files by model.safetensors.index.json
// ({"metadata": {...}, "weight_map": {tensor name: shard file name}}), or a single file seen
// through the same interface. Each shard is opened (mapped) once.
class ShardedSafetensors {
 public:
  // `dir_or_index_path`: the index file itself, or a directory holding
  // model.safetensors.index.json. Validates every shard and that every tensor the index lists
  // is in the shard it names; errors name the index and the shard.
  static ShardedSafetensors open(const std::string& dir_or_index_path);
  // A single safetensors file as a one-shard checkpoint.
  static ShardedSafetensors open_single(const std::string& path);

  // Where the tensor list came from: the index file, or the single file.
  const std::string& source() const { return source_; }
  // Tensor names, sorted.
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return shard_of_.count(name) != 0; }
  const SafetensorsTensorInfo& info(const std::string& name) const;
  torch::Tensor tensor(const std::string& name, std::optional<torch::ScalarType> as = {}) const;
  torch::Tensor view(const std::string& name) const;  // same lifetime rules as SafetensorsFile
  // The shard that holds `name`.
  const SafetensorsFile& shard_of(const std::string& name) const;
  const std::vector<SafetensorsFile>& shards() const { return shards_; }  // by file name
  // The index's "metadata" object (e.g. {"total_size": N}); empty object for a single file.
  const json& metadata() const { return metadata_; }

 private:
  std::string source_;
  std::vector<SafetensorsFile> shards_;
  std::map<std::string, size_t> shard_of_;
  std::vector<std::string> names_;
  json metadata_ = json::object();
};

// The weights of a Hugging Face model directory: model.safetensors if it exists (as
// transformers prefers it), else model.safetensors.index.json; FormatError naming the
// directory if neither is there.
ShardedSafetensors open_safetensors_checkpoint(const std::string& model_dir);

// Writes `tensors` [any shape, any device] as one safetensors file, exactly as the Python
// package does: header {"__metadata__": metadata + {"format": "pt"} unless given, tensors...}
// padded with spaces to a multiple of 8 bytes; tensors stored contiguous, sorted by dtype
// (widest first, so every tensor is aligned) then name. Non-CPU tensors are copied to the CPU.
// Atomic: writes "<path>.tmp" (fsync'ed when `sync`), then renames it over `path`.
// Throws ConfigError for duplicate or reserved names, ShapeError for unsupported dtypes.
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {}, bool sync = true);

// transformers' default max_shard_size "5GB" (= 5 * 10^9 bytes).
constexpr uint64_t kDefaultMaxShardBytes = 5000000000ULL;

// What save_sharded_safetensors wrote.
struct ShardedSaveResult {
  std::vector<std::string> files;  // file names inside dir (shards, then the index if any)
  uint64_t total_size = 0;         // sum of the tensors' bytes (the index's total_size)
  bool sharded = false;
};

// Saves a checkpoint into `dir` as transformers' save_pretrained(safe_serialization=True)
// names it: model.safetensors when everything fits in one shard, else
// model-0000k-of-0000n.safetensors + model.safetensors.index.json (sorted keys, indent 2).
// Sharding is greedy in the given order (huggingface_hub's split_state_dict_into_shards): a
// tensor goes to the current shard unless it would exceed max_shard_bytes; a tensor bigger
// than max_shard_bytes gets a shard of its own. Every new file is fully written (as .tmp)
// before any is renamed into place; only then are the files of an older checkpoint in `dir`
// that the new one does not use removed (old shards, old index, old model.safetensors).
ShardedSaveResult save_sharded_safetensors(
    const std::string& dir, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
    uint64_t max_shard_bytes = kDefaultMaxShardBytes, bool sync = true);

}  // namespace lethe

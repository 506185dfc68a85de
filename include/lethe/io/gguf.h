// GGUF reader (v2 and v3, little-endian): memory-mapped header, metadata, tensor infos and data.
// Layout and validation rules: /work/shared/docs/GGUF_LAYOUTS.md (from ggml's docs/gguf.md and
// src/gguf.cpp). Every problem with a file is a FormatError "<path>: <what>", naming the key or
// tensor concerned.
//
// Dimension order: GGUF lists dims innermost first (ne0 = contiguous), PyTorch lists them
// outermost first, so a tensor's torch shape is its GGUF dims reversed: dims [576, 1536]
// (ne0 = 576) is the [1536, 576] weight of a Linear(576 -> 1536).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace lethe {

// Metadata value types (gguf_metadata_value_type).
enum class GgufType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
// "UINT32", "ARRAY[STRING]" style names for messages.
std::string gguf_type_name(GgufType t);

// One metadata value. Integers of every width are held in `i` (signed types, and unsigned ones
// up to INT64_MAX) and `u` (unsigned types); floats in `f`; arrays in `items` (all of elem_type;
// ggml rejects nested arrays and so do we).
struct GgufValue {
  GgufType type = GgufType::UINT8;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0.0;
  bool b = false;
  std::string s;
  GgufType elem_type = GgufType::UINT8;  // ARRAY only
  std::vector<GgufValue> items;          // ARRAY only

  bool is_integer() const;  // one of the eight integer types
  bool is_float() const;    // FLOAT32 or FLOAT64
};

// One tensor_info entry plus what the reader derived from it.
struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // GGUF order: dims[0] = ne0, the innermost
  uint32_t type = 0;          // ggml_type id (see gguf_quants.h)
  uint64_t offset = 0;        // relative to the start of the data section
  uint64_t nbytes = 0;        // ne0 / block_size * type_size * ne1 * ne2 * ne3
  int64_t numel = 1;

  // The PyTorch shape: dims reversed.
  std::vector<int64_t> shape() const { return {dims.rbegin(), dims.rend()}; }
};

class GgufFile {
 public:
  // Maps and validates `path`; throws FormatError on any violation (see GGUF_LAYOUTS.md, section 3).
  static GgufFile open(const std::string& path);

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // absolute file offset of the data section
  uint64_t file_size() const;

  // --- metadata -------------------------------------------------------------------------------
  // Keys in file order.
  const std::vector<std::string>& keys() const { return keys_; }
  bool has(const std::string& key) const { return kv_.count(key) != 0; }
  // The raw value; FormatError naming the key when absent.
  const GgufValue& value(const std::string& key) const;
  const GgufValue* find(const std::string& key) const;
  // Typed getters. A missing key or a value of the wrong type is a FormatError that names the key,
  // the expected type and the actual one. get_int accepts any integer type (UINT64 above INT64_MAX
  // fails), get_float FLOAT32/FLOAT64.
  std::string get_string(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::vector<std::string> get_string_array(const std::string& key) const;
  std::vector<int64_t> get_int_array(const std::string& key) const;
  std::vector<double> get_float_array(const std::string& key) const;
  // Same, but std::nullopt when the key is absent (a present key of the wrong type still throws).
  std::optional<std::string> find_string(const std::string& key) const;
  std::optional<int64_t> find_int(const std::string& key) const;
  std::optional<double> find_float(const std::string& key) const;
  std::optional<bool> find_bool(const std::string& key) const;
  // Number of elements of an array key (FormatError if absent or not an array).
  size_t array_size(const std::string& key) const;

  // --- tensors --------------------------------------------------------------------------------
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;
  // FormatError naming the tensor when absent.
  const GgufTensorInfo& tensor_info(const std::string& name) const;
  // Pointer to the tensor's bytes inside the mapping (valid while this GgufFile lives).
  const uint8_t* tensor_data(const GgufTensorInfo& info) const;
  // Dequantized copy with the torch shape (dims reversed), computed in float32 and then cast to
  // `dtype`. Unsupported ggml types fail with a FormatError naming the tensor and the type.
  torch::Tensor tensor(const std::string& name, torch::ScalarType dtype = torch::kFloat32) const;
  torch::Tensor tensor(const GgufTensorInfo& info, torch::ScalarType dtype = torch::kFloat32) const;

 private:
  struct Mapping;
  std::string path_;
  std::shared_ptr<Mapping> map_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::string> keys_;
  std::map<std::string, GgufValue> kv_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;

  friend class GgufParser;
};

}  // namespace lethe

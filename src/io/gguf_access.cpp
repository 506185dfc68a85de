// Typed metadata getters and dequantized tensor access of GgufFile.
#include <cstring>
#include <limits>

#include "lethe/core/error.h"
#include "lethe/io/gguf.h"
#include "lethe/io/gguf_quants.h"

namespace lethe {

std::string gguf_type_name(GgufType t) {
  static const char* names[] = {"UINT8", "INT8",  "UINT16", "INT16",  "UINT32", "INT32", "FLOAT32",
                                "BOOL",  "STRING", "ARRAY", "UINT64", "INT64",  "FLOAT64"};
  const auto i = static_cast<uint32_t>(t);
  if (i < sizeof(names) / sizeof(names[0])) return names[i];
  return "type " + std::to_string(i);
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::UINT8: case GgufType::INT8: case GgufType::UINT16: case GgufType::INT16:
    case GgufType::UINT32: case GgufType::INT32: case GgufType::UINT64: case GgufType::INT64:
      return true;
    default:
      return false;
  }
}

bool GgufValue::is_float() const { return type == GgufType::FLOAT32 || type == GgufType::FLOAT64; }

namespace {

std::string type_desc(const GgufValue& v) {
  if (v.type == GgufType::ARRAY) return "ARRAY[" + gguf_type_name(v.elem_type) + "]";
  return gguf_type_name(v.type);
}

[[noreturn]] void wrong_type(const std::string& path, const std::string& key, const std::string& expected,
                             const GgufValue& v) {
  throw FormatError(path, "metadata '" + key + "' has type " + type_desc(v) + ", expected " + expected);
}

int64_t as_int(const GgufValue& v, const std::string& path, const std::string& key) {
  if (!v.is_integer()) wrong_type(path, key, "an integer", v);
  if (v.type == GgufType::UINT64 && v.u > uint64_t(std::numeric_limits<int64_t>::max()))
    throw FormatError(path, "metadata '" + key + "' = " + std::to_string(v.u) + " does not fit in int64");
  return v.i;
}

const GgufValue& as_array(const GgufValue& v, const std::string& path, const std::string& key,
                          const std::string& expected) {
  if (v.type != GgufType::ARRAY) wrong_type(path, key, expected, v);
  return v;
}

}  // namespace

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

const GgufValue& GgufFile::value(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw FormatError(path_, "missing metadata key '" + key + "'");
  return *v;
}

std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue& v = value(key);
  if (v.type != GgufType::STRING) wrong_type(path_, key, "STRING", v);
  return v.s;
}

int64_t GgufFile::get_int(const std::string& key) const { return as_int(value(key), path_, key); }

double GgufFile::get_float(const std::string& key) const {
  const GgufValue& v = value(key);
  if (!v.is_float()) wrong_type(path_, key, "FLOAT32 or FLOAT64", v);
  return v.f;
}

bool GgufFile::get_bool(const std::string& key) const {
  const GgufValue& v = value(key);
  if (v.type != GgufType::BOOL) wrong_type(path_, key, "BOOL", v);
  return v.b;
}

std::vector<std::string> GgufFile::get_string_array(const std::string& key) const {
  const GgufValue& v = as_array(value(key), path_, key, "ARRAY[STRING]");
  if (v.elem_type != GgufType::STRING) wrong_type(path_, key, "ARRAY[STRING]", v);
  std::vector<std::string> out;
  out.reserve(v.items.size());
  for (const auto& e : v.items) out.push_back(e.s);
  return out;
}

std::vector<int64_t> GgufFile::get_int_array(const std::string& key) const {
  const GgufValue& v = as_array(value(key), path_, key, "ARRAY[integer]");
  GgufValue probe;
  probe.type = v.elem_type;
  if (!probe.is_integer()) wrong_type(path_, key, "ARRAY[integer]", v);
  std::vector<int64_t> out;
  out.reserve(v.items.size());
  for (const auto& e : v.items) out.push_back(as_int(e, path_, key));
  return out;
}

std::vector<double> GgufFile::get_float_array(const std::string& key) const {
  const GgufValue& v = as_array(value(key), path_, key, "ARRAY[FLOAT32]");
  if (v.elem_type != GgufType::FLOAT32 && v.elem_type != GgufType::FLOAT64) wrong_type(path_, key, "ARRAY[FLOAT32]", v);
  std::vector<double> out;
  out.reserve(v.items.size());
  for (const auto& e : v.items) out.push_back(e.f);
  return out;
}

std::optional<std::string> GgufFile::find_string(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_string(key);
}
std::optional<int64_t> GgufFile::find_int(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_int(key);
}
std::optional<double> GgufFile::find_float(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_float(key);
}
std::optional<bool> GgufFile::find_bool(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_bool(key);
}

size_t GgufFile::array_size(const std::string& key) const {
  return as_array(value(key), path_, key, "an ARRAY").items.size();
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensorInfo& GgufFile::tensor_info(const std::string& name) const {
  const GgufTensorInfo* t = find_tensor(name);
  if (!t) throw FormatError(path_, "no tensor named '" + name + "'");
  return *t;
}

torch::Tensor GgufFile::tensor(const std::string& name, torch::ScalarType dtype) const {
  return tensor(tensor_info(name), dtype);
}

torch::Tensor GgufFile::tensor(const GgufTensorInfo& info, torch::ScalarType dtype) const {
  const GgmlTypeTraits* tr = ggml_type_traits(info.type);
  if (!tr || !tr->dequantizable)
    throw FormatError(path_, "tensor '" + info.name + "' has ggml type " + ggml_type_name(info.type) +
                                 ", which Lethe cannot dequantize (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, "
                                 "Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)");
  torch::Tensor out = torch::empty(info.shape(), torch::kFloat32);
  const int64_t n_blocks = info.numel / tr->block_size;
  const uint8_t* src = tensor_data(info);
  if (info.type == 0) {
    std::memcpy(out.data_ptr<float>(), src, size_t(info.numel) * 4);  // F32: plain copy
  } else if (info.type == 1 || info.type == 30) {
    // F16 / BF16: let libtorch convert (exact, vectorized) from a view of the mapped bytes.
    auto half = torch::from_blob(const_cast<uint8_t*>(src), {info.numel},
                                 info.type == 1 ? torch::kFloat16 : torch::kBFloat16);
    out.view({info.numel}).copy_(half);
  } else {
    dequantize_blocks(info.type, src, out.data_ptr<float>(), n_blocks);
  }
  return dtype == torch::kFloat32 ? out : out.to(dtype);
}

}  // namespace lethe

// Safetensors reader: mmap the file read-only, validate the header completely (see the rules in
// include/lethe/io/safetensors.h), then hand out copies or zero-copy views of tensors.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lethe/core/error.h"
#include "lethe/io/safetensors.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; this reader maps it without byte swapping");

namespace lethe {

namespace detail {

// A read-only private mapping of a whole file; unmapped when the last owner goes.
struct MappedFile {
  const unsigned char* data = nullptr;
  uint64_t size = 0;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw FormatError(path, std::string("cannot open file: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw FormatError(path, "not a regular file");
    }
    size = static_cast<uint64_t>(st.st_size);
    if (size < 8) {
      ::close(fd);
      throw FormatError(path, "file is " + std::to_string(size) +
                                  " bytes, too short for the 8-byte header length (truncated?)");
    }
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd);  // the mapping keeps the file alive
    if (p == MAP_FAILED) throw FormatError(path, std::string("mmap failed: ") + std::strerror(err));
    data = static_cast<const unsigned char*>(p);
  }
  ~MappedFile() {
    if (data) ::munmap(const_cast<unsigned char*>(data), size);
  }
};

}  // namespace detail

namespace {

constexpr uint64_t kMaxHeaderBytes = 100000000;  // HF's MAX_HEADER_SIZE

struct DtypeEntry {
  const char* name;
  torch::ScalarType type;
};
// Every dtype Lethe reads; element sizes come from torch::elementSize.
constexpr DtypeEntry kDtypes[] = {
    {"F64", torch::kDouble}, {"F32", torch::kFloat}, {"F16", torch::kHalf},
    {"BF16", torch::kBFloat16}, {"I64", torch::kLong}, {"I32", torch::kInt},
    {"I16", torch::kShort}, {"I8", torch::kChar}, {"U8", torch::kByte}, {"BOOL", torch::kBool}};

// The shape as written, for messages. Dumped only when flat: json::dump recurses, and an
// untrusted, deeply nested array could exhaust the stack.
std::string shape_str(const json& shape) {
  for (const json& d : shape)
    if (!d.is_number()) return "[...]";
  return shape.dump();
}

// Parses one tensor entry of the header; all problems name the tensor.
SafetensorsTensorInfo parse_entry(const std::string& path, const std::string& name, const json& e,
                                  uint64_t data_bytes) {
  const std::string where = "tensor '" + name + "': ";
  check_format(e.is_object(), path, where + "header entry is not a JSON object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    check_format(e.contains(key), path, where + "header entry has no \"" + key + "\"");
  const json& jd = e["dtype"];
  check_format(jd.is_string(), path, where + "dtype is not a string");
  SafetensorsTensorInfo info;
  info.dtype_name = jd.get<std::string>();
  const auto type = scalar_type_from_safetensors(info.dtype_name);
  check_format(type.has_value(), path,
               where + "dtype '" + info.dtype_name +
                   "' is not supported (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  info.dtype = *type;

  const json& js = e["shape"];
  check_format(js.is_array(), path, where + "shape is not an array");
  uint64_t numel = 1;
  bool overflow = false;
  for (const json& d : js) {
    check_format(d.is_number_integer(), path,
                 where + "shape " + shape_str(js) + " has a non-integer entry");
    check_format(d.is_number_unsigned() || d.get<int64_t>() >= 0, path,
                 where + "shape " + shape_str(js) + " has a negative dimension");
    const uint64_t dim = d.get<uint64_t>();
    check_format(dim <= static_cast<uint64_t>(INT64_MAX), path,
                 where + "shape " + shape_str(js) + " has a dimension too large");
    info.shape.push_back(static_cast<int64_t>(dim));
    overflow = overflow || __builtin_mul_overflow(numel, dim, &numel);
  }
  const uint64_t elsize = torch::elementSize(info.dtype);
  uint64_t need = 0;
  overflow = overflow || __builtin_mul_overflow(numel, elsize, &need);
  check_format(!overflow, path, where + "shape " + shape_str(js) + " overflows 64-bit byte count");

  const json& jo = e["data_offsets"];
  check_format(jo.is_array() && jo.size() == 2 && jo[0].is_number_unsigned() &&
                   jo[1].is_number_unsigned(),
               path, where + "data_offsets is not [begin, end] (two integers >= 0)");
  info.begin = jo[0].get<uint64_t>();
  info.end = jo[1].get<uint64_t>();
  const std::string offs = "data_offsets [" + std::to_string(info.begin) + ", " +
                           std::to_string(info.end) + "]";
  check_format(info.begin <= info.end, path, where + offs + " has begin > end");
  check_format(info.end <= data_bytes, path,
               where + offs + " run past the end of the data section (" +
                   std::to_string(data_bytes) + " bytes; truncated file?)");
  check_format(info.end - info.begin == need, path,
               where + offs + " hold " + std::to_string(info.end - info.begin) +
                   " bytes but shape " + shape_str(js) + " of " + info.dtype_name + " needs " +
                   std::to_string(need));
  return info;
}

}  // namespace

std::optional<torch::ScalarType> scalar_type_from_safetensors(const std::string& dtype) {
  for (const auto& d : kDtypes)
    if (dtype == d.name) return d.type;
  return std::nullopt;
}

std::string safetensors_dtype_name(torch::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return d.name;
  throw ShapeError(std::string("safetensors cannot store dtype ") + c10::toString(type) +
                   " (supported: float64 float32 float16 bfloat16 int64 int32 int16 int8 uint8 bool)");
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  auto map = std::make_shared<const detail::MappedFile>(path);
  const unsigned char* p = map->data;
  const uint64_t size = map->size;

  // [8 bytes: N (little-endian u64)]
  uint64_t n = 0;
  std::memcpy(&n, p, 8);
  check_format(n <= kMaxHeaderBytes, path,
               "header length " + std::to_string(n) + " exceeds the 100,000,000-byte limit " +
                   "(corrupt or not a safetensors file)");
  check_format(n <= size - 8, path,
               "header length " + std::to_string(n) + " runs past the end of the file (" +
                   std::to_string(size) + " bytes; truncated or not a safetensors file)");
  f.data_bytes_ = size - 8 - n;
  f.data_ = p + 8 + n;

  // [N bytes: JSON header]
  const char* h = reinterpret_cast<const char*>(p + 8);
  check_format(n > 0 && h[0] == '{', path, "header does not start with '{' (not a safetensors file?)");
  json header;
  try {
    header = json::parse(h, h + n);
  } catch (const json::exception& e) {
    throw FormatError(path, std::string("header is not valid JSON: ") + e.what());
  }
  check_format(header.is_object(), path, "header is not a JSON object");

  std::vector<std::pair<std::string, SafetensorsTensorInfo>> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      check_format(value.is_object(), path, "__metadata__ is not a JSON object");
      for (const auto& [mk, mv] : value.items()) {
        check_format(mv.is_string(), path, "__metadata__ value of '" + mk + "' is not a string");
        f.metadata_[mk] = mv.get<std::string>();
      }
      continue;
    }
    entries.emplace_back(key, parse_entry(path, key, value, f.data_bytes_));
  }

  // Sorted by offset, the tensors must tile [0, data_bytes) exactly (HF's Metadata::validate).
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.begin, a.second.end) < std::tie(b.second.begin, b.second.end);
  });
  uint64_t covered = 0;
  const std::string* prev = nullptr;
  for (const auto& [name, info] : entries) {
    if (info.begin < covered)
      throw FormatError(path, "tensor '" + name + "': data_offsets [" + std::to_string(info.begin) +
                                  ", " + std::to_string(info.end) + "] overlap tensor '" + *prev +
                                  "' (which ends at " + std::to_string(covered) + ")");
    if (info.begin > covered)
      throw FormatError(path, "tensor '" + name + "': data_offsets start at " +
                                  std::to_string(info.begin) + " but the previous tensor ends at " +
                                  std::to_string(covered) + " (bytes belonging to no tensor)");
    covered = info.end;
    prev = &name;
  }
  check_format(covered == f.data_bytes_, path,
               "the tensors cover " + std::to_string(covered) + " bytes but the data section has " +
                   std::to_string(f.data_bytes_) + " (trailing bytes after the last tensor)");

  for (auto& [name, info] : entries) {
    f.names_.push_back(name);
    f.infos_.emplace(name, std::move(info));
  }
  f.map_ = std::move(map);
  return f;
}

const SafetensorsTensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto it = infos_.find(name);
  if (it == infos_.end()) throw FormatError(path_, "no tensor named '" + name + "'");
  return it->second;
}

torch::Tensor SafetensorsFile::tensor(const std::string& name,
                                      std::optional<torch::ScalarType> as) const {
  const SafetensorsTensorInfo& in = info(name);
  const bool is_bool = in.dtype == torch::kBool;
  torch::Tensor t = torch::empty(in.shape, torch::dtype(is_bool ? torch::kByte : in.dtype));
  if (in.nbytes() > 0) std::memcpy(t.data_ptr(), data_ + in.begin, in.nbytes());
  if (is_bool) t = t.ne(0);
  if (as && *as != t.scalar_type()) t = t.to(*as);
  return t;
}

torch::Tensor SafetensorsFile::view(const std::string& name) const {
  const SafetensorsTensorInfo& in = info(name);
  const unsigned char* p = data_ + in.begin;
  const auto elsize = torch::elementSize(in.dtype);
  if (in.dtype == torch::kBool || reinterpret_cast<uintptr_t>(p) % elsize != 0) return tensor(name);
  auto keep = map_;  // the deleter owns a reference: the mapping outlives the view
  return torch::from_blob(
      const_cast<unsigned char*>(p), in.shape, [keep](void*) mutable { keep.reset(); },
      torch::dtype(in.dtype));
}

}  // namespace lethe

// GGUF parsing and validation (GGUF_LAYOUTS.md sections 1 and 3). Checks follow ggml's
// src/gguf.cpp reader: every count and length is checked against the bytes left in the file
// before anything is allocated, so a corrupt header can neither crash nor exhaust memory.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <set>

#include "lethe/core/error.h"
#include "lethe/io/gguf.h"
#include "lethe/io/gguf_quants.h"

namespace lethe {

// The read-only mapping of the whole file; shared by copies of a GgufFile.
struct GgufFile::Mapping {
  const uint8_t* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data && size) munmap(const_cast<uint8_t*>(data), size);
  }
};

namespace {

constexpr uint64_t kMaxStringLength = uint64_t(1) << 30;  // GGUF_MAX_STRING_LENGTH
constexpr uint64_t kMaxArrayElements = uint64_t(1) << 30; // GGUF_MAX_ARRAY_ELEMENTS
constexpr uint64_t kMaxName = 64;                         // GGML_MAX_NAME: name length must be < 64
constexpr uint32_t kMaxDims = 4;                          // GGML_MAX_DIMS

// Smallest encoding of one value of each type (an empty string is its u64 length; an empty array
// is its u32 type + u64 count). Used to reject counts that cannot fit in the bytes left.
uint64_t min_value_size(GgufType t) {
  switch (t) {
    case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
    case GgufType::UINT16: case GgufType::INT16: return 2;
    case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
    case GgufType::UINT64: case GgufType::INT64: case GgufType::FLOAT64: case GgufType::STRING: return 8;
    case GgufType::ARRAY: return 12;
  }
  return 1;
}

bool valid_type(uint32_t t) { return t <= uint32_t(GgufType::FLOAT64); }

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Bounds-checked little-endian cursor over the mapping.
class Cursor {
 public:
  Cursor(const uint8_t* p, size_t n, const std::string& path) : p_(p), n_(n), path_(path) {}
  size_t pos() const { return pos_; }
  size_t left() const { return n_ - pos_; }

  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string read_string(const std::string& what) {
    const uint64_t len = read<uint64_t>("length of " + what);
    if (len > kMaxStringLength)
      throw FormatError(path_, what + " has length " + std::to_string(len) + " (more than 1 GiB)");
    if (len > left())
      throw FormatError(path_, what + " has length " + std::to_string(len) + " but only " + std::to_string(left()) +
                                   " bytes are left in the file (offset " + std::to_string(pos_) + "; truncated or corrupt file?)");
    std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return s;
  }
  void need(uint64_t bytes, const std::string& what) const {
    if (bytes > left())
      throw FormatError(path_, "file is truncated: it ends inside " + what + " (offset " + std::to_string(pos_) +
                                   ", file size " + std::to_string(n_) + ")");
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  const std::string& path_;
};

// Reads one scalar or string value of type t (not ARRAY) into v.
void read_scalar(Cursor& c, GgufType t, GgufValue& v, const std::string& what, const std::string& path) {
  v.type = t;
  switch (t) {
    case GgufType::UINT8: v.u = c.read<uint8_t>(what); v.i = int64_t(v.u); break;
    case GgufType::INT8: v.i = c.read<int8_t>(what); break;
    case GgufType::UINT16: v.u = c.read<uint16_t>(what); v.i = int64_t(v.u); break;
    case GgufType::INT16: v.i = c.read<int16_t>(what); break;
    case GgufType::UINT32: v.u = c.read<uint32_t>(what); v.i = int64_t(v.u); break;
    case GgufType::INT32: v.i = c.read<int32_t>(what); break;
    case GgufType::UINT64: v.u = c.read<uint64_t>(what); v.i = int64_t(v.u); break;
    case GgufType::INT64: v.i = c.read<int64_t>(what); break;
    case GgufType::FLOAT32: v.f = c.read<float>(what); break;
    case GgufType::FLOAT64: v.f = c.read<double>(what); break;
    case GgufType::BOOL: {
      const uint8_t b = c.read<uint8_t>(what);
      if (b > 1) throw FormatError(path, what + " is a BOOL with value " + std::to_string(b) + " (must be 0 or 1)");
      v.b = b == 1;
      break;
    }
    case GgufType::STRING: v.s = c.read_string(what); break;
    case GgufType::ARRAY: break;  // not reached: callers handle arrays
  }
}

}  // namespace

// Friend of GgufFile: fills its private members.
class GgufParser {
 public:
  static void parse(GgufFile& f);
};

void GgufParser::parse(GgufFile& f) {
  const std::string& path = f.path_;
  Cursor c(f.map_->data, f.map_->size, path);

  // --- header -------------------------------------------------------------------------------------
  if (f.map_->size < 4) throw FormatError(path, "file is truncated: " + std::to_string(f.map_->size) + " bytes, no GGUF magic");
  const uint8_t* m = f.map_->data;
  if (std::memcmp(m, "GGUF", 4) != 0) {
    std::string got;
    for (int k = 0; k < 4; ++k) got += (m[k] >= 32 && m[k] < 127) ? char(m[k]) : '?';
    throw FormatError(path, "bad magic '" + got + "' (expected 'GGUF'): not a GGUF file");
  }
  c.read<uint32_t>("magic");
  const uint32_t version = c.read<uint32_t>("the version field");
  if (version == 0) throw FormatError(path, "bad GGUF version 0");
  if ((version & 0xFFFF) == 0)
    throw FormatError(path, "GGUF version " + hex(version) + " looks byte-swapped: big-endian files are not supported");
  if (version == 1) throw FormatError(path, "GGUF version 1 is no longer supported (only versions 2 and 3)");
  if (version > 3) throw FormatError(path, "GGUF version " + std::to_string(version) + " is not supported (only versions 2 and 3)");
  f.version_ = version;
  const int64_t n_tensors = c.read<int64_t>("the tensor count");
  const int64_t n_kv = c.read<int64_t>("the metadata count");
  // Each kv needs at least 8 (key length) + 4 (type) + 1 bytes; each tensor info 8 + 4 + 4 + 8.
  if (n_tensors < 0 || uint64_t(n_tensors) > c.left() / 24)
    throw FormatError(path, "tensor count " + std::to_string(n_tensors) + " is impossible for a file of " +
                                std::to_string(f.map_->size) + " bytes (truncated or corrupt file?)");
  if (n_kv < 0 || uint64_t(n_kv) > c.left() / 13)
    throw FormatError(path, "metadata count " + std::to_string(n_kv) + " is impossible for a file of " +
                                std::to_string(f.map_->size) + " bytes (truncated or corrupt file?)");

  // --- metadata -----------------------------------------------------------------------------------
  for (int64_t k = 0; k < n_kv; ++k) {
    const std::string key = c.read_string("key of metadata entry " + std::to_string(k));
    if (key.empty()) throw FormatError(path, "metadata entry " + std::to_string(k) + " has an empty key");
    if (f.kv_.count(key)) throw FormatError(path, "duplicate metadata key '" + key + "'");
    const std::string what = "metadata '" + key + "'";
    const uint32_t t = c.read<uint32_t>("type of " + what);
    if (!valid_type(t)) throw FormatError(path, what + " has unknown value type " + std::to_string(t));
    GgufValue v;
    if (GgufType(t) == GgufType::ARRAY) {
      v.type = GgufType::ARRAY;
      const uint32_t et = c.read<uint32_t>("element type of " + what);
      if (!valid_type(et)) throw FormatError(path, what + " is an array of unknown value type " + std::to_string(et));
      if (GgufType(et) == GgufType::ARRAY) throw FormatError(path, what + " is a nested array (not supported)");
      v.elem_type = GgufType(et);
      const uint64_t n = c.read<uint64_t>("length of " + what);
      if (n > kMaxArrayElements || n > c.left() / min_value_size(v.elem_type))
        throw FormatError(path, what + " claims " + std::to_string(n) + " elements of type " +
                                    gguf_type_name(v.elem_type) + ", more than the " + std::to_string(c.left()) +
                                    " bytes left in the file can hold (truncated or corrupt file?)");
      v.items.resize(n);
      for (uint64_t e = 0; e < n; ++e) read_scalar(c, v.elem_type, v.items[e], what + " element " + std::to_string(e), path);
    } else {
      read_scalar(c, GgufType(t), v, what, path);
    }
    f.keys_.push_back(key);
    f.kv_.emplace(key, std::move(v));
  }

  // general.alignment: UINT32, a non-zero power of two (ggml rejects anything else).
  if (const GgufValue* a = f.find("general.alignment")) {
    if (a->type != GgufType::UINT32)
      throw FormatError(path, "metadata 'general.alignment' has type " + gguf_type_name(a->type) + ", expected UINT32");
    if (a->u == 0 || (a->u & (a->u - 1)) != 0)
      throw FormatError(path, "metadata 'general.alignment' is " + std::to_string(a->u) + ", not a power of two");
    f.alignment_ = a->u;
  }
  const uint64_t align = f.alignment_;

  // --- tensor infos -------------------------------------------------------------------------------
  f.tensors_.reserve(n_tensors);
  uint64_t expected_offset = 0;  // ggml: offsets are exactly sequential, each padded to `align`
  for (int64_t k = 0; k < n_tensors; ++k) {
    GgufTensorInfo ti;
    ti.name = c.read_string("name of tensor " + std::to_string(k));
    const std::string what = "tensor '" + ti.name + "'";
    if (ti.name.empty()) throw FormatError(path, "tensor " + std::to_string(k) + " has an empty name");
    if (ti.name.size() >= kMaxName)
      throw FormatError(path, what + " has a name of " + std::to_string(ti.name.size()) + " bytes (at most 63 allowed)");
    if (f.tensor_index_.count(ti.name)) throw FormatError(path, "duplicate tensor name '" + ti.name + "'");
    const uint32_t n_dims = c.read<uint32_t>("n_dims of " + what);
    if (n_dims > kMaxDims) throw FormatError(path, what + " has " + std::to_string(n_dims) + " dimensions (at most 4)");
    for (uint32_t d = 0; d < n_dims; ++d) {
      const int64_t ne = c.read<int64_t>("dims of " + what);
      if (ne < 0) throw FormatError(path, what + " has negative dimension " + std::to_string(ne));
      if (ne != 0 && ti.numel > std::numeric_limits<int64_t>::max() / ne)
        throw FormatError(path, what + " has too many elements (the product of its dims overflows int64)");
      ti.numel *= ne;
      ti.dims.push_back(ne);
    }
    ti.type = c.read<uint32_t>("type of " + what);
    const GgmlTypeTraits* tr = ggml_type_traits(ti.type);
    if (!tr) throw FormatError(path, what + " has unknown ggml type " + std::to_string(ti.type));
    ti.offset = c.read<uint64_t>("offset of " + what);
    const int64_t ne0 = ti.dims.empty() ? 1 : ti.dims[0];
    if (ne0 % tr->block_size != 0)
      throw FormatError(path, what + " of type " + tr->name + " has " + std::to_string(ne0) +
                                  " elements per row, not a multiple of the block size " + std::to_string(tr->block_size));
    // Byte size ne0/bs*ts * ne1*ne2*ne3, with overflow checks.
    const uint64_t row_blocks = uint64_t(ne0 / tr->block_size);
    const uint64_t rows = ne0 == 0 ? 0 : uint64_t(ti.numel / ne0);
    const uint64_t row_bytes = row_blocks * uint64_t(tr->type_size);
    if (rows != 0 && row_bytes > std::numeric_limits<uint64_t>::max() / 2 / rows)
      throw FormatError(path, what + " is too large (its byte size overflows)");
    ti.nbytes = row_bytes * rows;
    if (ti.offset % align != 0)
      throw FormatError(path, what + " has offset " + std::to_string(ti.offset) + ", not a multiple of the alignment " +
                                  std::to_string(align));
    if (ti.offset != expected_offset)
      throw FormatError(path, what + " has offset " + std::to_string(ti.offset) + ", expected " +
                                  std::to_string(expected_offset) + " (tensor data must be sequential and not overlap)");
    const uint64_t padded = ti.nbytes + (align - ti.nbytes % align) % align;
    if (padded > f.map_->size) throw FormatError(path, what + " has " + std::to_string(ti.nbytes) + " bytes of data, more than the file holds (truncated or corrupt file?)");
    expected_offset += padded;
    if (expected_offset > f.map_->size) throw FormatError(path, "tensor data up to " + what + " is larger than the file (truncated or corrupt file?)");
    f.tensor_index_.emplace(ti.name, f.tensors_.size());
    f.tensors_.push_back(std::move(ti));
  }

  // --- data section -------------------------------------------------------------------------------
  // ggml pads to the alignment only when there are tensors.
  uint64_t data = c.pos();
  if (n_tensors > 0) data += (align - data % align) % align;
  f.data_offset_ = data;
  if (data > f.map_->size || expected_offset > f.map_->size - data) {
    const std::string last = f.tensors_.empty() ? std::string() : " (last tensor '" + f.tensors_.back().name + "')";
    throw FormatError(path, "file is truncated: the tensor data needs " + std::to_string(expected_offset) +
                                " bytes from offset " + std::to_string(data) + " but the file has " +
                                std::to_string(f.map_->size) + " bytes" + last);
  }
}

GgufFile GgufFile::open(const std::string& path) {
  GgufFile f;
  f.path_ = path;
  f.map_ = std::make_shared<Mapping>();
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw FormatError(path, std::string("cannot open GGUF file: ") + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw FormatError(path, std::string("cannot stat GGUF file: ") + std::strerror(err));
  }
  f.map_->size = static_cast<size_t>(st.st_size);
  if (f.map_->size > 0) {
    void* p = mmap(nullptr, f.map_->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      f.map_->size = 0;
      throw FormatError(path, std::string("cannot map GGUF file: ") + std::strerror(err));
    }
    f.map_->data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  GgufParser::parse(f);
  return f;
}

uint64_t GgufFile::file_size() const { return map_->size; }

const uint8_t* GgufFile::tensor_data(const GgufTensorInfo& info) const {
  return map_->data + data_offset_ + info.offset;
}

}  // namespace lethe

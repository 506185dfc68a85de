// Test helper: writes GGUF bytes by hand (independently of the reader), so tests can build valid
// files and files broken in exactly one way. Also byte-level helpers to patch existing files.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace lethe::testing {

class GgufBuilder {
 public:
  std::vector<uint8_t> kv;        // encoded metadata entries
  std::vector<uint8_t> infos;     // encoded tensor infos
  std::vector<uint8_t> data;      // tensor data (caller pads)
  uint64_t n_kv = 0, n_tensors = 0;
  uint32_t version = 3;
  uint64_t alignment = 32;

  template <typename T>
  static void put(std::vector<uint8_t>& b, T v) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    b.insert(b.end(), raw, raw + sizeof(T));
  }
  static void put_str(std::vector<uint8_t>& b, const std::string& s) {
    put<uint64_t>(b, s.size());
    b.insert(b.end(), s.begin(), s.end());
  }
  // Raw entry: key, type id, then the already-encoded value bytes.
  GgufBuilder& raw_kv(const std::string& key, uint32_t type, const std::vector<uint8_t>& value) {
    put_str(kv, key);
    put<uint32_t>(kv, type);
    kv.insert(kv.end(), value.begin(), value.end());
    ++n_kv;
    return *this;
  }
  GgufBuilder& str(const std::string& key, const std::string& v) {
    std::vector<uint8_t> b;
    put_str(b, v);
    return raw_kv(key, 8, b);
  }
  GgufBuilder& u32(const std::string& key, uint32_t v) {
    std::vector<uint8_t> b;
    put(b, v);
    return raw_kv(key, 4, b);
  }
  GgufBuilder& i32(const std::string& key, int32_t v) {
    std::vector<uint8_t> b;
    put(b, v);
    return raw_kv(key, 5, b);
  }
  GgufBuilder& f32(const std::string& key, float v) {
    std::vector<uint8_t> b;
    put(b, v);
    return raw_kv(key, 6, b);
  }
  GgufBuilder& boolean(const std::string& key, uint8_t v) { return raw_kv(key, 7, {v}); }
  GgufBuilder& str_array(const std::string& key, const std::vector<std::string>& v) {
    std::vector<uint8_t> b;
    put<uint32_t>(b, 8);
    put<uint64_t>(b, v.size());
    for (const auto& s : v) put_str(b, s);
    return raw_kv(key, 9, b);
  }
  // A tensor info; data of `nbytes` bytes (value `fill`) appended and padded to the alignment.
  GgufBuilder& tensor(const std::string& name, std::vector<int64_t> dims, uint32_t type, uint64_t nbytes,
                      uint8_t fill = 0, int64_t offset_override = -1) {
    put_str(infos, name);
    put<uint32_t>(infos, static_cast<uint32_t>(dims.size()));
    for (int64_t d : dims) put<int64_t>(infos, d);
    put<uint32_t>(infos, type);
    put<uint64_t>(infos, offset_override >= 0 ? uint64_t(offset_override) : data.size());
    data.insert(data.end(), nbytes, fill);
    while (data.size() % alignment) data.push_back(0);
    ++n_tensors;
    return *this;
  }
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> b = {'G', 'G', 'U', 'F'};
    put<uint32_t>(b, version);
    put<uint64_t>(b, n_tensors);
    put<uint64_t>(b, n_kv);
    b.insert(b.end(), kv.begin(), kv.end());
    b.insert(b.end(), infos.begin(), infos.end());
    if (n_tensors > 0)
      while (b.size() % alignment) b.push_back(0);
    b.insert(b.end(), data.begin(), data.end());
    return b;
  }
};

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

template <typename T>
void poke(std::vector<uint8_t>& b, size_t pos, T v) {
  std::memcpy(b.data() + pos, &v, sizeof(T));
}

// Offset just past the encoded name of tensor `name` in its tensor info (i.e. its n_dims field).
inline size_t tensor_info_pos(const std::vector<uint8_t>& b, const std::string& name) {
  std::vector<uint8_t> pat;
  GgufBuilder::put_str(pat, name);
  for (size_t i = 0; i + pat.size() <= b.size(); ++i)
    if (std::memcmp(b.data() + i, pat.data(), pat.size()) == 0) return i + pat.size();
  return std::string::npos;
}

}  // namespace lethe::testing

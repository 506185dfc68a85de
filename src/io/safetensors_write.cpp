// Safetensors writer: one file (byte-identical to the Python package's save_file) and sharded
// checkpoints named like transformers' save_pretrained. Every file is written to "<name>.tmp"
// and renamed into place, so an interrupted save never leaves a half-written file.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>

#include "lethe/core/error.h"
#include "lethe/io/safetensors.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; this writer stores bytes as they are in memory");

namespace fs = std::filesystem;

namespace lethe {

namespace {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Position of a dtype in the Rust crate's `Dtype` enum (declared in increasing alignment order).
// save_file sorts tensors by this, descending, then by name: wide types first keeps every tensor
// aligned to its element size.
int dtype_rank(torch::ScalarType t) {
  switch (t) {
    case torch::kBool: return 0;
    case torch::kByte: return 1;
    case torch::kChar: return 2;
    case torch::kShort: return 5;
    case torch::kHalf: return 7;
    case torch::kBFloat16: return 8;
    case torch::kInt: return 9;
    case torch::kFloat: return 11;
    case torch::kDouble: return 12;
    case torch::kLong: return 13;
    default: return -1;
  }
}

// Writes all of [p, p+n) to fd; throws FormatError(path) on failure.
void write_all(int fd, const void* p, size_t n, const std::string& path) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, std::min<size_t>(n, size_t{1} << 30));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw FormatError(path, std::string("write failed: ") + std::strerror(errno));
    c += w;
    n -= static_cast<size_t>(w);
  }
}

// Writes the safetensors bytes of `tensors` to `tmp` (created or truncated). Removes `tmp` and
// rethrows on any failure.
void write_file(const std::string& tmp, const NamedTensors& tensors,
                const std::map<std::string, std::string>& metadata, bool sync) {
  // Validate and bring every tensor to contiguous CPU memory before touching the disk.
  std::vector<std::pair<std::string, torch::Tensor>> items;
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw ConfigError("tensor name '__metadata__' is reserved in safetensors");
    if (!seen.insert(name).second) throw ConfigError("tensor '" + name + "' is given twice");
    if (!t.defined()) throw ShapeError("tensor '" + name + "' is undefined");
    if (t.layout() != torch::kStrided) throw ShapeError("tensor '" + name + "' is not dense");
    safetensors_dtype_name(t.scalar_type());  // throws for unsupported dtypes
    items.emplace_back(name, t.detach().to(torch::kCPU).contiguous());
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    const int ra = dtype_rank(a.second.scalar_type()), rb = dtype_rank(b.second.scalar_type());
    return ra != rb ? ra > rb : a.first < b.first;
  });

  // Header: {"__metadata__": {...}, name: {"dtype", "shape", "data_offsets"}, ...} in that order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  if (!metadata.count("format")) meta["format"] = "pt";
  for (const auto& [k, v] : metadata) meta[k] = v;
  header["__metadata__"] = meta;
  uint64_t offset = 0;
  for (const auto& [name, t] : items) {
    const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", safetensors_dtype_name(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // pad so the data section starts 8-aligned
  const uint64_t n = text.size();               // little-endian u64 (static_assert above)

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FormatError(tmp, std::string("cannot open for writing: ") + std::strerror(errno));
  bool closed = false;
  try {
    write_all(fd, &n, 8, tmp);
    write_all(fd, text.data(), text.size(), tmp);
    for (const auto& [name, t] : items)
      write_all(fd, t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size(), tmp);
    if (sync && ::fsync(fd) != 0)
      throw FormatError(tmp, std::string("fsync failed: ") + std::strerror(errno));
    closed = true;
    if (::close(fd) != 0) throw FormatError(tmp, std::string("close failed: ") + std::strerror(errno));
  } catch (...) {
    if (!closed) ::close(fd);
    std::remove(tmp.c_str());
    throw;
  }
}

void rename_into_place(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw FormatError(path, "cannot rename " + tmp + " into place: " + ec.message());
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata, bool sync) {
  const std::string tmp = path + ".tmp";
  write_file(tmp, tensors, metadata, sync);
  rename_into_place(tmp, path);
}

ShardedSaveResult save_sharded_safetensors(const std::string& dir, const NamedTensors& tensors,
                                           uint64_t max_shard_bytes, bool sync) {
  // Greedy split in the given order (huggingface_hub split_state_dict_into_shards_factory):
  //   size > max             -> a shard of its own, appended now; the current shard goes on
  //   current + size > max   -> close the current shard, start a new one
  ShardedSaveResult result;
  std::vector<NamedTensors> shards;
  NamedTensors current;
  uint64_t current_bytes = 0;
  for (const auto& item : tensors) {
    const uint64_t size = static_cast<uint64_t>(item.second.numel()) * item.second.element_size();
    result.total_size += size;
    if (size > max_shard_bytes) {
      shards.push_back({item});
      continue;
    }
    if (current_bytes + size > max_shard_bytes) {
      shards.push_back(std::move(current));
      current.clear();
      current_bytes = 0;
    }
    current.push_back(item);
    current_bytes += size;
  }
  if (!current.empty() || shards.empty()) shards.push_back(std::move(current));
  result.sharded = shards.size() > 1;

  // File names: model.safetensors, or model-%05d-of-%05d.safetensors + the index.
  json weight_map = json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    result.files.push_back(result.sharded ? name : "model.safetensors");
    for (const auto& item : shards[i]) weight_map[item.first] = result.files.back();
  }

  // 1. Write every new file as <name>.tmp; on failure remove them and leave `dir` as it was.
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FormatError(dir, "cannot create directory: " + ec.message());
  std::vector<std::string> written;
  try {
    for (size_t i = 0; i < shards.size(); ++i) {
      const std::string tmp = join_path(dir, result.files[i] + ".tmp");
      written.push_back(tmp);
      write_file(tmp, shards[i], {}, sync);
    }
  } catch (...) {
    for (const auto& tmp : written) std::remove(tmp.c_str());
    throw;
  }
  // 2. Rename the shards into place, then the index (transformers' layout: sorted keys, indent 2).
  for (size_t i = 0; i < shards.size(); ++i)
    rename_into_place(join_path(dir, result.files[i] + ".tmp"), join_path(dir, result.files[i]));
  if (result.sharded) {
    const json index = {{"metadata", {{"total_size", result.total_size}}}, {"weight_map", weight_map}};
    write_text_file_atomic(join_path(dir, "model.safetensors.index.json"),
                           index.dump(2, ' ', /*ensure_ascii=*/true) + "\n");
    result.files.push_back("model.safetensors.index.json");
  }
  // 3. Only now remove what an older checkpoint left that the new one does not use.
  const std::set<std::string> keep(result.files.begin(), result.files.end());
  const std::regex shard_re(R"(model-\d{5}-of-\d{5}\.safetensors)");
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const bool ours = name == "model.safetensors" || name == "model.safetensors.index.json" ||
                      std::regex_match(name, shard_re);
    if (ours && !keep.count(name) && entry.is_regular_file()) fs::remove(entry.path(), ec);
  }
  return result;
}

}  // namespace lethe

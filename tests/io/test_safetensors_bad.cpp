// Bad safetensors input: each case patches a valid file (or checkpoint) in scratch_dir() and
// expects lethe::FormatError naming the file and the problem, never a crash or an out-of-bounds
// read.
#include <filesystem>

#include "lethe/io/safetensors.h"
#include "test_safetensors_util.h"

namespace fs = std::filesystem;
using namespace lethe;
using namespace lethe::testing;

namespace {

// A valid file: b = I64 [4] at data bytes [0, 32), a = F32 [2, 3] at [32, 56).
struct ValidFile {
  std::string path;
  nlohmann::ordered_json header;
  std::string data;

  ValidFile() : path(scratch_dir() + "/bad.safetensors") {
    save_safetensors(path, {{"a", torch::arange(6, torch::kFloat).reshape({2, 3})},
                            {"b", torch::arange(4, torch::kLong)}});
    const std::string bytes = read_bytes(path);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    header = nlohmann::ordered_json::parse(bytes.substr(8, n));
    data = bytes.substr(8 + n);
  }
  // Rewrites the file from `header_text` (padded to 8) and `data`; returns the path.
  const std::string& write_raw(std::string header_text) const {
    header_text.append((8 - header_text.size() % 8) % 8, ' ');
    const uint64_t n = header_text.size();
    write_bytes(path, std::string(reinterpret_cast<const char*>(&n), 8) + header_text + data);
    return path;
  }
  const std::string& write() const { return write_raw(header.dump()); }
  void expect_error(const std::string& needle) const {
    expect_format_error([&] { SafetensorsFile::open(path); }, path, needle);
  }
};

TEST(SafetensorsBad, ValidFileOpens) {  // the base every other case patches
  const ValidFile v;
  v.write();
  const SafetensorsFile f = SafetensorsFile::open(v.path);
  EXPECT_EQ(f.names(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(f.tensor("a")[1][2].item<float>(), 5.0f);
}

TEST(SafetensorsBad, TruncatedFiles) {
  const ValidFile v;
  const std::string full = read_bytes(v.path);
  write_bytes(v.path, full.substr(0, 5));
  v.expect_error("too short");
  write_bytes(v.path, full.substr(0, full.size() - 4));  // last tensor loses 4 bytes
  v.expect_error("tensor 'a'");
  v.expect_error("past the end of the data section");
  write_bytes(v.path, full.substr(0, 8 + 10));  // cut inside the header
  v.expect_error("runs past the end of the file");
}

TEST(SafetensorsBad, HeaderLengthLargerThanTheFile) {
  const ValidFile v;
  std::string bytes = read_bytes(v.path);
  const uint64_t n = bytes.size();  // 8 + n > size
  std::memcpy(&bytes[0], &n, 8);
  write_bytes(v.path, bytes);
  v.expect_error("runs past the end of the file");
  const uint64_t huge = uint64_t{1} << 63;  // would overflow 8 + n
  std::memcpy(&bytes[0], &huge, 8);
  write_bytes(v.path, bytes);
  v.expect_error("exceeds the 100,000,000-byte limit");
}

TEST(SafetensorsBad, HeaderNotJsonOrNotAnObject) {
  const ValidFile v;
  v.write_raw(R"({"a": {"dtype": "F32", "shape": [2, 3], )");
  v.expect_error("header is not valid JSON");
  v.write_raw("[1, 2, 3]");
  v.expect_error("does not start with '{'");
  v.write_raw(R"({"a": 1})");
  v.expect_error("tensor 'a': header entry is not a JSON object");
  v.write_raw(std::string("{\"\xff\xfe\": 1}"));  // invalid UTF-8
  v.expect_error("header is not valid JSON");
}

TEST(SafetensorsBad, OffsetsPastTheEnd) {
  ValidFile v;
  v.header["a"]["data_offsets"] = {40, 64};
  v.write();
  v.expect_error("tensor 'a': data_offsets [40, 64] run past the end");
  v.header["a"]["data_offsets"] = {56, 32};
  v.write();
  v.expect_error("begin > end");
  v.header["a"]["data_offsets"] = {32, -8};
  v.write();
  v.expect_error("not [begin, end]");
}

TEST(SafetensorsBad, OverlappingOffsets) {
  ValidFile v;
  v.header["a"]["data_offsets"] = {24, 48};  // b is [0, 32)
  v.write();
  v.expect_error("tensor 'a': data_offsets [24, 48] overlap tensor 'b'");
}

TEST(SafetensorsBad, SizeNotMatchingShape) {
  ValidFile v;
  v.header["a"]["shape"] = {2, 2};
  v.write();
  v.expect_error("tensor 'a': data_offsets [32, 56] hold 24 bytes but shape [2,2] of F32 needs 16");
  v.header["a"]["shape"] = {uint64_t{1} << 62, uint64_t{1} << 62};
  v.write();
  v.expect_error("overflows");
}

TEST(SafetensorsBad, GapsAndTrailingBytes) {
  ValidFile v;
  v.data += std::string(8, '\0');
  v.write();
  v.expect_error("trailing bytes");
  v.header["a"]["data_offsets"] = {40, 64};  // now [32, 40) belongs to no tensor
  v.write();
  v.expect_error("tensor 'a': data_offsets start at 40 but the previous tensor ends at 32");
}

TEST(SafetensorsBad, UnknownOrUnsupportedDtype) {
  ValidFile v;
  v.header["a"]["dtype"] = "Q4_K";
  v.write();
  v.expect_error("tensor 'a': dtype 'Q4_K' is not supported");
  v.header["a"]["dtype"] = "U32";  // a real safetensors dtype that libtorch 1.13 cannot hold
  v.write();
  v.expect_error("tensor 'a': dtype 'U32' is not supported");
}

TEST(SafetensorsBad, NegativeOrNonIntegerShape) {
  ValidFile v;
  v.header["a"]["shape"] = {-2, -3};  // product 6 would pass the size check
  v.write();
  v.expect_error("tensor 'a': shape [-2,-3] has a negative dimension");
  v.header["a"]["shape"] = {2.5, 3};
  v.write();
  v.expect_error("non-integer");
  // 200,000 nested arrays: must be an error, not a stack overflow.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  v.write_raw(R"({"a": {"dtype": "F32", "data_offsets": [32, 56], "shape": )" + deep + "}}");
  v.expect_error("tensor 'a': shape [...] has a non-integer entry");
}

TEST(SafetensorsBad, MissingFieldsAndBadMetadata) {
  ValidFile v;
  v.header["a"].erase("data_offsets");
  v.write();
  v.expect_error("tensor 'a': header entry has no \"data_offsets\"");
  ValidFile w;
  w.header["__metadata__"]["step"] = 3;
  w.write();
  w.expect_error("__metadata__ value of 'step' is not a string");
}

// A copy of the sharded fixture to break.
std::string copy_sharded() {
  const std::string dir = scratch_dir() + "/ckpt";
  fs::copy(fixture("safetensors/sharded"), dir);
  return dir;
}

TEST(SafetensorsBad, MissingShard) {
  const std::string dir = copy_sharded();
  const std::string index = dir + "/model.safetensors.index.json";
  fs::remove(dir + "/model-00002-of-00003.safetensors");
  expect_format_error([&] { ShardedSafetensors::open(dir); }, index,
                      dir + "/model-00002-of-00003.safetensors, which does not exist");
  expect_format_error([&] { open_safetensors_checkpoint(dir); }, index, "does not exist");
}

TEST(SafetensorsBad, IndexNamesATensorNotInItsShard) {
  const std::string dir = copy_sharded();
  const std::string index = dir + "/model.safetensors.index.json";
  json j = read_json_file(index);
  j["weight_map"]["model.norm.weight"] = "model-00001-of-00003.safetensors";
  write_bytes(index, j.dump(2));
  expect_format_error([&] { ShardedSafetensors::open(index); }, index,
                      "tensor 'model.norm.weight' is mapped to shard " + dir +
                          "/model-00001-of-00003.safetensors, but that file has no such tensor");
}

TEST(SafetensorsBad, BadIndexFiles) {
  const std::string dir = copy_sharded();
  const std::string index = dir + "/model.safetensors.index.json";
  json j = read_json_file(index);
  j["weight_map"]["lm_head.weight"] = "../model-00003-of-00003.safetensors";
  write_bytes(index, j.dump());
  expect_format_error([&] { ShardedSafetensors::open(index); }, index, "not a file inside");
  write_bytes(index, R"({"weight_map": )");
  expect_format_error([&] { ShardedSafetensors::open(index); }, index, "invalid JSON");
  write_bytes(index, R"({"metadata": {}})");
  expect_format_error([&] { ShardedSafetensors::open(index); }, index, "no \"weight_map\"");
  // A shard whose own bytes are bad: the error names the shard.
  write_bytes(dir + "/model-00003-of-00003.safetensors", "garbage!");
  expect_format_error([&] { ShardedSafetensors::open_single(dir + "/model-00003-of-00003.safetensors"); },
                      dir + "/model-00003-of-00003.safetensors", "header length");
}

}  // namespace

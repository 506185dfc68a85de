// GGUF container: header, metadata accessors, tensor infos, and the reader's rejections
// (GGUF_LAYOUTS.md section 3, after ggml's tests/test-gguf.cpp). Corrupt files are made in
// scratch_dir(), either by patching a valid fixture or with the hand-written GgufBuilder.
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/io/gguf.h"
#include "test_gguf_builder.h"
#include "test_paths.h"

namespace lethe {
namespace {

using lethe::testing::fixture;
using lethe::testing::GgufBuilder;
using lethe::testing::poke;
using lethe::testing::read_bytes;
using lethe::testing::scratch_dir;
using lethe::testing::tensor_info_pos;
using lethe::testing::write_bytes;

// Writes `bytes` to a scratch file and expects open() to throw a FormatError whose message names
// the file and contains `needle`.
void expect_rejected(const std::vector<uint8_t>& bytes, const std::string& needle) {
  const std::string path = scratch_dir() + "/bad.gguf";
  write_bytes(path, bytes);
  try {
    GgufFile::open(path);
    ADD_FAILURE() << "accepted a file that should fail with '" << needle << "'";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.path(), path);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg << "\nexpected to contain: " << needle;
  }
}

GgufFile open_bytes(const std::vector<uint8_t>& bytes) {
  const std::string path = scratch_dir() + "/ok.gguf";
  write_bytes(path, bytes);
  return GgufFile::open(path);
}

std::vector<uint8_t> tiny() { return read_bytes(fixture("gguf/tiny_llama.gguf")); }

TEST(GgufFile, ReadsHeaderMetadataAndTensorInfos) {
  const GgufFile f = GgufFile::open(fixture("gguf/tiny_llama.gguf"));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_int("llama.block_count"), 2);
  EXPECT_EQ(f.get_int("llama.attention.head_count_kv"), 2);
  EXPECT_FLOAT_EQ(f.get_float("llama.rope.freq_base"), 50000.0);
  EXPECT_FALSE(f.get_bool("tokenizer.ggml.add_bos_token"));
  const auto tokens = f.get_string_array("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 67u);
  EXPECT_EQ(tokens[2], "<|im_end|>");
  EXPECT_EQ(f.get_int_array("tokenizer.ggml.token_type").at(0), 3);
  EXPECT_EQ(f.array_size("tokenizer.ggml.merges"), 3u);
  EXPECT_FALSE(f.find_int("llama.no_such_key").has_value());
  EXPECT_EQ(f.keys().front(), "general.architecture");
  // 2 + 9 per layer * 2 + output_norm + output
  EXPECT_EQ(f.tensors().size(), 21u);
  const GgufTensorInfo& q = f.tensor_info("blk.0.attn_k.weight");
  EXPECT_EQ(q.dims, (std::vector<int64_t>{32, 16}));  // ne0 = in_features
  EXPECT_EQ(q.shape(), (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(q.type, 3u);  // Q4_1
  EXPECT_EQ(q.nbytes, 16u * 20u);
  EXPECT_EQ(f.tensor("blk.0.ffn_down.weight").sizes(), (std::vector<int64_t>{32, 40}));
  EXPECT_EQ(f.find_tensor("nope"), nullptr);
}

TEST(GgufFile, WrongMetadataTypeNamesKeyAndTypes) {
  const GgufFile f = GgufFile::open(fixture("gguf/tiny_llama.gguf"));
  auto expect_msg = [&](auto fn, const std::vector<std::string>& needles) {
    try {
      fn();
      ADD_FAILURE() << "no error";
    } catch (const FormatError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(f.path()), std::string::npos) << m;
      for (const auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << m << " lacks " << n;
    }
  };
  expect_msg([&] { f.get_int("general.architecture"); }, {"'general.architecture'", "STRING", "integer"});
  expect_msg([&] { f.get_string("llama.block_count"); }, {"'llama.block_count'", "UINT32", "expected STRING"});
  expect_msg([&] { f.get_float("llama.block_count"); }, {"FLOAT32"});
  expect_msg([&] { f.get_bool("llama.rope.freq_base"); }, {"FLOAT32", "BOOL"});
  expect_msg([&] { f.get_string_array("tokenizer.ggml.token_type"); }, {"ARRAY[INT32]", "ARRAY[STRING]"});
  expect_msg([&] { f.get_int("missing.key"); }, {"missing metadata key 'missing.key'"});
  expect_msg([&] { f.tensor_info("missing.weight"); }, {"'missing.weight'"});
}

TEST(GgufFile, UnsupportedTensorTypeFailsWithItsName) {
  GgufBuilder b;
  b.str("general.architecture", "x").tensor("w", {32, 2}, 9 /* Q8_1 */, 2 * 36);
  const GgufFile f = open_bytes(b.bytes());
  try {
    f.tensor("w");
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("Q8_1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'w'"), std::string::npos) << e.what();
  }
}

TEST(GgufFile, AcceptsWhatGgmlAccepts) {
  GgufBuilder header_only;
  EXPECT_EQ(open_bytes(header_only.bytes()).tensors().size(), 0u);
  GgufBuilder v2;
  v2.version = 2;
  v2.u32("a.b", 7).tensor("t", {4}, 0, 16, 0);
  EXPECT_EQ(open_bytes(v2.bytes()).get_int("a.b"), 7);
  GgufBuilder a1;
  a1.alignment = 1;
  a1.u32("general.alignment", 1).tensor("t0", {3}, 1, 6, 0x3c).tensor("t1", {1}, 1, 2, 0);
  const GgufFile f = open_bytes(a1.bytes());
  EXPECT_EQ(f.alignment(), 1u);
  EXPECT_EQ(f.tensor_info("t1").offset, 6u);
  // 0x3c3c as fp16 = 1.0586
  EXPECT_FLOAT_EQ(f.tensor("t0")[0].item<float>(), 1.05859375f);
}

TEST(GgufFile, RejectsBrokenHeaders) {
  auto b = tiny();
  auto magic = b;
  std::memcpy(magic.data(), "FUGG", 4);
  expect_rejected(magic, "bad magic 'FUGG'");
  for (uint32_t v : {0u, 1u, 4u}) {
    auto x = b;
    poke<uint32_t>(x, 4, v);
    expect_rejected(x, v == 1 ? "version 1 is no longer supported" : v == 0 ? "bad GGUF version 0" : "version 4 is not supported");
  }
  auto swapped = b;
  poke<uint32_t>(swapped, 4, 0x03000000u);
  expect_rejected(swapped, "byte-swapped");
  auto nt = b;
  poke<uint64_t>(nt, 8, UINT64_MAX);
  expect_rejected(nt, "tensor count -1");
  auto nkv = b;
  poke<uint64_t>(nkv, 16, uint64_t(1) << 40);
  expect_rejected(nkv, "metadata count 1099511627776 is impossible");
  expect_rejected({}, "truncated");
  expect_rejected({'G', 'G', 'U', 'F', 3, 0}, "truncated");
}

TEST(GgufFile, RejectsTruncatedFiles) {
  const auto b = tiny();
  for (size_t keep : {size_t(30), size_t(300), size_t(3000), b.size() - 1}) {
    SCOPED_TRACE(keep);
    expect_rejected(std::vector<uint8_t>(b.begin(), b.begin() + keep), "truncated");
  }
}

TEST(GgufFile, RejectsBadMetadata) {
  GgufBuilder big_key;
  std::vector<uint8_t> kv;
  GgufBuilder::put<uint64_t>(kv, UINT64_MAX);  // key length
  kv.resize(kv.size() + 16, 0);                 // room for one entry, so the count check passes
  big_key.kv = kv;
  big_key.n_kv = 1;
  expect_rejected(big_key.bytes(), "more than 1 GiB");
  GgufBuilder past_eof;
  std::vector<uint8_t> val;
  GgufBuilder::put<uint64_t>(val, 1000);  // string length 1000, 1 byte follows
  val.push_back('x');
  past_eof.raw_kv("general.name", 8, val);
  expect_rejected(past_eof.bytes(), "has length 1000 but only 1 bytes are left");
  GgufBuilder unknown;
  unknown.raw_kv("k.x", 13, {0, 0, 0, 0});
  expect_rejected(unknown.bytes(), "'k.x' has unknown value type 13");
  GgufBuilder dup;
  dup.u32("k.a", 1).u32("k.a", 2);
  expect_rejected(dup.bytes(), "duplicate metadata key 'k.a'");
  GgufBuilder empty;
  empty.u32("", 1);
  expect_rejected(empty.bytes(), "empty key");
  GgufBuilder badbool;
  badbool.boolean("k.b", 2);
  expect_rejected(badbool.bytes(), "BOOL with value 2");
  GgufBuilder arr;
  std::vector<uint8_t> a;
  GgufBuilder::put<uint32_t>(a, 4);
  GgufBuilder::put<uint64_t>(a, uint64_t(1) << 29);  // 2^29 UINT32s in a few bytes
  arr.raw_kv("k.arr", 9, a);
  expect_rejected(arr.bytes(), "'k.arr' claims 536870912 elements");
  GgufBuilder nested;
  std::vector<uint8_t> n;
  GgufBuilder::put<uint32_t>(n, 9);
  GgufBuilder::put<uint64_t>(n, 0);
  nested.raw_kv("k.n", 9, n);
  expect_rejected(nested.bytes(), "nested array");
}

TEST(GgufFile, RejectsBadAlignment) {
  GgufBuilder thirteen;
  thirteen.u32("general.alignment", 13);
  expect_rejected(thirteen.bytes(), "'general.alignment' is 13, not a power of two");
  GgufBuilder wrong_type;
  wrong_type.i32("general.alignment", 32);
  expect_rejected(wrong_type.bytes(), "'general.alignment' has type INT32, expected UINT32");
  // Data laid out with alignment 1 while the header implies the default 32 (ggml's case).
  GgufBuilder packed;
  packed.alignment = 1;
  packed.tensor("a", {3}, 0, 12).tensor("b", {3}, 0, 12);
  expect_rejected(packed.bytes(), "tensor 'b' has offset 12, not a multiple of the alignment 32");
  // A fixture tensor moved off its aligned offset.
  auto b = tiny();
  const size_t p = tensor_info_pos(b, "blk.0.attn_k.weight");  // n_dims, 2 dims, type, offset
  poke<uint64_t>(b, p + 4 + 16 + 4, *reinterpret_cast<const uint64_t*>(b.data() + p + 24) + 1);
  expect_rejected(b, "'blk.0.attn_k.weight' has offset");
}

TEST(GgufFile, RejectsBadTensorInfos) {
  auto one = [](std::vector<int64_t> dims, uint32_t type, uint64_t nbytes) {
    GgufBuilder g;
    g.tensor("t", dims, type, nbytes);
    return g.bytes();
  };
  expect_rejected(one({1, 1, 1, 1, 1}, 0, 4), "'t' has 5 dimensions");
  expect_rejected(one({-1, 1}, 0, 4), "'t' has negative dimension -1");
  const int64_t big = 4 * int64_t(INT32_MAX);
  expect_rejected(one({big, big, big, big}, 0, 4), "overflows int64");
  expect_rejected(one({4}, 43, 4), "'t' has unknown ggml type 43");
  expect_rejected(one({4}, 4, 4), "unknown ggml type 4");  // removed Q4_2
  expect_rejected(one({40, 2}, 12, 144), "'t' of type Q4_K has 40 elements per row, not a multiple of the block size 256");
  GgufBuilder longname;
  longname.tensor(std::string(64, 'n'), {1}, 0, 4);
  expect_rejected(longname.bytes(), "name of 64 bytes");
  GgufBuilder dup;
  dup.tensor("t", {1}, 0, 4).tensor("t", {1}, 0, 4);
  expect_rejected(dup.bytes(), "duplicate tensor name 't'");
  GgufBuilder overlap;
  overlap.tensor("a", {8}, 0, 32).tensor("b", {8}, 0, 32, 0, /*offset*/ 0);
  expect_rejected(overlap.bytes(), "'b' has offset 0, expected 32");
  GgufBuilder huge_offset;
  huge_offset.tensor("a", {8}, 0, 32, 0, int64_t(UINT64_MAX & ~uint64_t(31)) & INT64_MAX);
  expect_rejected(huge_offset.bytes(), "'a' has offset");
}

TEST(GgufFile, RejectsDataPastEndOfFile) {
  // Last tensor of the fixture grown (output.weight dims [32, 67] -> [32, 6700]): its data would
  // run past the end of the file.
  auto b = tiny();
  const size_t p = tensor_info_pos(b, "output.weight");
  poke<int64_t>(b, p + 4 + 8, 6700);
  expect_rejected(b, "output.weight");
  // One byte short of the padded data section.
  GgufBuilder g;
  g.tensor("a", {8}, 0, 32);
  auto bytes = g.bytes();
  bytes.pop_back();
  expect_rejected(bytes, "truncated: the tensor data needs 32 bytes");
}

}  // namespace
}  // namespace lethe

// Dequantization against (1) the python gguf package's gguf.quants.dequantize on the fixture
// tensors of tools/make_gguf_fixtures.py and (2) the hand-computed blocks of GGUF_LAYOUTS.md.
#include <gtest/gtest.h>

#include <chrono>

#include "lethe/core/files.h"
#include "lethe/io/gguf.h"
#include "lethe/io/gguf_quants.h"
#include "test_gguf_builder.h"
#include "test_paths.h"

namespace lethe {
namespace {

using lethe::testing::fixture;

// Loads tensor `name` from a *_expected.bin / .json pair written by make_gguf_fixtures.py.
torch::Tensor expected_tensor(const std::string& stem, const std::string& name) {
  const json idx = read_json_file(fixture("gguf/" + stem + ".json"));
  const json& e = idx.at("tensors").at(name);
  const std::vector<int64_t> shape = e.at("shape").get<std::vector<int64_t>>();
  const auto bytes = lethe::testing::read_bytes(fixture("gguf/" + stem + ".bin"));
  const int64_t off = e.at("offset").get<int64_t>();
  torch::Tensor t = torch::empty(shape, torch::kFloat32);
  std::memcpy(t.data_ptr<float>(), bytes.data() + off * 4, size_t(t.numel()) * 4);
  return t;
}

std::vector<uint8_t> hex_bytes(const std::string& h) {
  std::vector<uint8_t> b;
  for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(uint8_t(std::stoi(h.substr(i, 2), nullptr, 16)));
  return b;
}

std::vector<float> deq(uint32_t type, const std::vector<uint8_t>& block, int n) {
  std::vector<float> y(n);
  dequantize_blocks(type, block.data(), y.data(), 1);
  return y;
}

// Tolerance 0: our per-element arithmetic is the same IEEE float32 operations in the same order
// as gguf's numpy code (products of exactly converted fp16 scales and small integers, then one
// subtraction or addition; no FMA), so every value must be bit-identical.
TEST(GgufQuants, MatchesPythonGgufDequantizeBitExact) {
  const GgufFile f = GgufFile::open(fixture("gguf/quants.gguf"));
  const std::vector<std::string> types = {"F32",  "F16",  "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0",
                                          "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};
  ASSERT_EQ(f.tensors().size(), types.size());
  for (const auto& t : types) {
    SCOPED_TRACE(t);
    const GgufTensorInfo& info = f.tensor_info("q." + t);
    EXPECT_EQ(ggml_type_name(info.type), t);
    const torch::Tensor got = f.tensor(info);
    const torch::Tensor want = expected_tensor("quants_expected", "q." + t);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_EQ(got.sizes(), (std::vector<int64_t>{2, 256}));
    EXPECT_TRUE(torch::isfinite(want).all().item<bool>());
    EXPECT_EQ((got - want).abs().max().item<float>(), 0.0f);
    EXPECT_TRUE(torch::equal(got, want));
  }
}

TEST(GgufQuants, CastsToRequestedDtype) {
  const GgufFile f = GgufFile::open(fixture("gguf/quants.gguf"));
  const torch::Tensor want = expected_tensor("quants_expected", "q.Q4_K");
  const torch::Tensor bf = f.tensor("q.Q4_K", torch::kBFloat16);
  EXPECT_EQ(bf.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(bf, want.to(torch::kBFloat16)));
  EXPECT_EQ(f.tensor("q.Q8_0", torch::kFloat64).scalar_type(), torch::kFloat64);
}

// Worked single-block examples of GGUF_LAYOUTS.md section 2 (hand-derived there).
TEST(GgufQuants, WorkedBlockExamples) {
  const std::string qs = "f0e1d2c3b4a5968778695a4b3c2d1e0f";  // qs[j] = j | (15-j) << 4
  const auto q40 = deq(2, hex_bytes("0038" + qs), 32);       // d = 0.5
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(q40[j], -4.0f + 0.5f * j);
    EXPECT_EQ(q40[16 + j], 3.5f - 0.5f * j);
  }
  std::vector<uint8_t> q80 = hex_bytes("0034");  // d = 0.25, qs = -16..15
  for (int k = 0; k < 32; ++k) q80.push_back(uint8_t(int8_t(k - 16)));
  const auto y80 = deq(8, q80, 32);
  for (int k = 0; k < 32; ++k) EXPECT_EQ(y80[k], (k - 16) * 0.25f);
  const auto q41 = deq(3, hex_bytes("004000bc" + qs), 32);  // d = 2, m = -1
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(q41[j], 2.0f * j - 1);
    EXPECT_EQ(q41[16 + j], 2.0f * (15 - j) - 1);
  }
  const auto q50 = deq(6, hex_bytes("003c01000080" + std::string(32, '0')), 32);  // d = 1, qh bits 0, 31
  for (int j = 0; j < 32; ++j) EXPECT_EQ(q50[j], (j == 0 || j == 31) ? 0.0f : -16.0f) << j;
}

// Q6_K by hand: d = 1, all scales 2, ql = 0x21 (lo 1, hi 2), qh = 0b11100100 (fields 0,1,2,3):
// y[l] = 2*((1 | 0<<4) - 32) = -62, y[l+32] = 2*((1 | 1<<4) - 32) = -30,
// y[l+64] = 2*((2 | 2<<4) - 32) = 4, y[l+96] = 2*((2 | 3<<4) - 32) = 36 (both halves).
TEST(GgufQuants, Q6KHandBuiltBlock) {
  std::vector<uint8_t> b(210, 0);
  for (int i = 0; i < 128; ++i) b[i] = 0x21;
  for (int i = 128; i < 192; ++i) b[i] = 0xE4;
  for (int i = 192; i < 208; ++i) b[i] = 2;
  b[208] = 0x00;
  b[209] = 0x3c;  // fp16 1.0
  const auto y = deq(14, b, 256);
  for (int n = 0; n < 2; ++n)
    for (int l = 0; l < 32; ++l) {
      EXPECT_EQ(y[128 * n + l], -62.0f);
      EXPECT_EQ(y[128 * n + l + 32], -30.0f);
      EXPECT_EQ(y[128 * n + l + 64], 4.0f);
      EXPECT_EQ(y[128 * n + l + 96], 36.0f);
    }
}

TEST(GgufQuants, TypeTraits) {
  EXPECT_EQ(ggml_type_traits(12)->type_size, 144);
  EXPECT_EQ(ggml_type_traits(14)->type_size, 210);
  EXPECT_EQ(ggml_type_traits(3)->block_size, 32);
  EXPECT_EQ(ggml_type_traits(4), nullptr);  // removed Q4_2
  EXPECT_EQ(ggml_type_traits(99), nullptr);
  EXPECT_FALSE(ggml_type_traits(16)->dequantizable);  // IQ2_XXS
  EXPECT_EQ(ggml_type_name(77), "type 77");
}

// Not a timing assertion: prints the dequantization throughput of a Q4_1 tensor of SmolLM2's
// ffn size, and checks it against a naive per-block loop on one thread.
TEST(GgufQuants, ParallelMatchesSerial) {
  const int64_t nb = 1536 * 576 / 32;
  std::vector<uint8_t> src(size_t(nb) * 20);
  for (size_t i = 0; i < src.size(); ++i) src[i] = uint8_t((i * 2654435761u) >> 13);
  for (int64_t b = 0; b < nb; ++b) {  // finite scales: d = 0.01, m = -0.05
    src[b * 20 + 0] = 0x1f; src[b * 20 + 1] = 0x21;
    src[b * 20 + 2] = 0x66; src[b * 20 + 3] = 0xaa;
  }
  std::vector<float> par(size_t(nb) * 32), ser(size_t(nb) * 32);
  const auto t0 = std::chrono::steady_clock::now();
  dequantize_blocks(3, src.data(), par.data(), nb);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (int64_t b = 0; b < nb; ++b) dequantize_blocks(3, src.data() + b * 20, ser.data() + b * 32, 1);
  EXPECT_EQ(par, ser);
  std::printf("Q4_1 dequantize: %lld values in %.2f ms\n", static_cast<long long>(nb * 32), ms);
}

}  // namespace
}  // namespace lethe

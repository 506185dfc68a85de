// Helpers shared by tests/io/test_safetensors_*.cpp: the fixtures' expected values
// (tests/reference/safetensors/expected.json, written by tools/make_safetensors_fixtures.py),
// raw bit patterns of tensors, byte-level file access and an error matcher.
#pragma once
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "test_paths.h"

namespace lethe::testing {

inline const json& expected_fixture() {
  static const json j = read_json_file(fixture("safetensors/expected.json"));
  return j;
}

// The raw bit patterns of `t` as integers: floats viewed as same-width ints, bool as 0/1, ints
// as themselves (the same encoding as bits() in the fixture script).
inline std::vector<int64_t> bit_patterns(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous().reshape({-1});
  switch (c.scalar_type()) {
    case torch::kFloat: c = c.view(torch::kInt); break;
    case torch::kDouble: c = c.view(torch::kLong); break;
    case torch::kHalf:
    case torch::kBFloat16: c = c.view(torch::kShort); break;
    case torch::kBool: c = c.to(torch::kByte); break;
    default: break;
  }
  c = c.to(torch::kLong);
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// Checks `t` against the fixture's expected entry for `name`: dtype name, shape and every bit.
inline void expect_matches_fixture(const std::string& name, const torch::Tensor& t,
                                   const std::string& dtype_name) {
  const json& e = expected_fixture()["tensors"].at(name);
  EXPECT_EQ(dtype_name, e["dtype"].get<std::string>()) << name;
  EXPECT_EQ(t.sizes().vec(), e["shape"].get<std::vector<int64_t>>()) << name;
  EXPECT_EQ(bit_patterns(t), e["bits"].get<std::vector<int64_t>>()) << name;
}

inline std::string read_bytes(const std::string& path) { return read_text_file(path); }

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Expects `fn` to throw lethe::FormatError for file `path` whose message contains `needle`.
inline void expect_format_error(const std::function<void()>& fn, const std::string& path,
                                const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no FormatError thrown (expected one mentioning '" << needle << "')";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.path(), path);
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << "message: " << what;
  }
}

}  // namespace lethe::testing

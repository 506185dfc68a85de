// left_pad: ragged token-id lists -> [B,T] ids padded on the left with pad_id and the matching
// 0/1 attention mask; expected tensors written out by hand.
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/model/generate.h"

using namespace lethe;

namespace {

std::vector<std::vector<int64_t>> rows(const torch::Tensor& t) {
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.scalar_type(), torch::kInt64);
  std::vector<std::vector<int64_t>> out;
  auto c = t.contiguous();
  for (int64_t b = 0; b < c.size(0); ++b) {
    const int64_t* p = c[b].data_ptr<int64_t>();
    out.emplace_back(p, p + c.size(1));
  }
  return out;
}

}  // namespace

TEST(LeftPad, RaggedListsArePaddedOnTheLeft) {
  auto p = left_pad({{5, 6}, {7, 8, 9, 10}, {11}, {12, 13, 14, 15}}, /*pad_id=*/-3);
  const std::vector<std::vector<int64_t>> ids = {
      {-3, -3, 5, 6}, {7, 8, 9, 10}, {-3, -3, -3, 11}, {12, 13, 14, 15}};
  const std::vector<std::vector<int64_t>> mask = {{0, 0, 1, 1}, {1, 1, 1, 1}, {0, 0, 0, 1}, {1, 1, 1, 1}};
  EXPECT_EQ(rows(p.input_ids), ids);
  EXPECT_EQ(rows(p.attention_mask), mask);
  EXPECT_EQ(p.input_ids.device(), torch::Device(torch::kCPU));
}

TEST(LeftPad, PadIdEqualToARealIdIsToldApartByTheMask) {
  // Token 0 is both the pad id and a real token: only the mask says which is which.
  auto p = left_pad({{0}, {0, 0, 4}}, /*pad_id=*/0);
  EXPECT_EQ(rows(p.input_ids), (std::vector<std::vector<int64_t>>{{0, 0, 0}, {0, 0, 4}}));
  EXPECT_EQ(rows(p.attention_mask), (std::vector<std::vector<int64_t>>{{0, 0, 1}, {1, 1, 1}}));
}

TEST(LeftPad, EqualLengthsNeedNoPadding) {
  auto p = left_pad({{1, 2, 3}}, 99);
  EXPECT_EQ(rows(p.input_ids), (std::vector<std::vector<int64_t>>{{1, 2, 3}}));
  EXPECT_EQ(rows(p.attention_mask), (std::vector<std::vector<int64_t>>{{1, 1, 1}}));
}

TEST(LeftPad, EmptyInputIsAnError) {
  EXPECT_THROW(left_pad({}, 0), ConfigError);
  try {
    left_pad({{1, 2}, {}, {3}}, 0);
    FAIL() << "an empty list was padded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("token id list 1 (of 3) is empty"), std::string::npos) << e.what();
  }
}

// The loss primitive (sequence_nll, token_logprobs) and its chunked-head twin
// (sequence_nll_from_hidden): hand-computed cases, plain vs chunked values and gradients, float64
// finite differences, masking and errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "lethe/core/error.h"
#include "lethe/losses/chunked_head.h"
#include "lethe/losses/sequence_nll.h"
#include "loss_test_util.h"

namespace L = lethe::losses;
using lethe::testing::expect_gradient_matches_finite_differences;
using lethe::testing::small_batch;

// Hand-computed: V = 2, logits equal -> every token has log p = -log 2.
TEST(SequenceNll, HandComputedUniformCase) {
  auto logits = torch::zeros({2, 4, 2}, torch::kFloat64);
  auto labels = torch::tensor({1, 0, 1, 1, -100, 1, -100, 0}, torch::kInt64).view({2, 4});
  auto nll = L::sequence_nll(logits, labels);
  // seq 0: shifted labels {0,1,1} -> 3 tokens; seq 1: shifted {1,-100,0} -> 2 tokens.
  EXPECT_NEAR(nll.sum[0].item<double>(), 3 * std::log(2.0), 1e-15);
  EXPECT_NEAR(nll.sum[1].item<double>(), 2 * std::log(2.0), 1e-15);
  EXPECT_EQ(nll.count[0].item<double>(), 3);
  EXPECT_EQ(nll.count[1].item<double>(), 2);
  // unshifted counts: seq 0 all 4 labels, seq 1 has 2 of 4 (the first label counts here).
  EXPECT_EQ(nll.count_unshifted[0].item<double>(), 4);
  EXPECT_EQ(nll.count_unshifted[1].item<double>(), 2);
  EXPECT_NEAR(L::nll_mean(nll).item<double>(), std::log(2.0), 1e-15);
  EXPECT_TRUE(torch::equal(L::sequence_length(nll, L::LengthNorm::shifted), nll.count));
  EXPECT_TRUE(torch::equal(L::sequence_length(nll, L::LengthNorm::reference), nll.count_unshifted));
}

// Hand-computed: one position, V = 3, logits (0, 1, 2), label 2: log p = 2 - log(1 + e + e^2).
TEST(SequenceNll, TokenLogprobMatchesClosedForm) {
  auto logits = torch::tensor({0.0, 1.0, 2.0, 5.0, 5.0, 5.0}, torch::kFloat64).view({1, 2, 3});
  auto labels = torch::tensor({-100, 2}, torch::kInt64).view({1, 2});
  auto tok = L::token_logprobs(logits, labels);
  ASSERT_EQ(tok.logprob.sizes(), (std::vector<int64_t>{1, 1}));
  const double expected = 2.0 - std::log(1.0 + std::exp(1.0) + std::exp(2.0));
  EXPECT_NEAR(tok.logprob[0][0].item<double>(), expected, 1e-15);
  EXPECT_TRUE(tok.mask[0][0].item<bool>());
}

// bf16 logits are reduced in fp32 (the result's dtype), matching fp32 logits of the same values.
TEST(SequenceNll, LowPrecisionLogitsReduceInFp32) {
  auto s = small_batch();
  auto bf = s.logits.to(torch::kBFloat16);
  auto a = L::sequence_nll(bf, s.labels);
  auto b = L::sequence_nll(bf.to(torch::kFloat32), s.labels);
  EXPECT_EQ(a.sum.scalar_type(), torch::kFloat32);
  // Same fp32 values after the cast, same kernels: only summation order could differ.
  EXPECT_TRUE(torch::allclose(a.sum, b.sum, 1e-6, 1e-6));
}

TEST(SequenceNll, MaskedAndLastPositionsGetZeroGradient) {
  auto s = small_batch();
  auto x = s.logits.clone().requires_grad_(true);
  L::nll_mean(L::sequence_nll(x, s.labels)).backward();
  const int64_t T = s.labels.size(1);
  for (int64_t b = 0; b < s.labels.size(0); ++b) {
    // The last position predicts nothing.
    EXPECT_EQ(x.grad()[b][T - 1].abs().max().item<double>(), 0.0);
    for (int64_t t = 0; t + 1 < T; ++t) {
      const bool ignored = s.labels[b][t + 1].item<int64_t>() == -100;
      const double g = x.grad()[b][t].abs().max().item<double>();
      if (ignored) EXPECT_EQ(g, 0.0) << "b " << b << " t " << t;
      else EXPECT_GT(g, 0.0) << "b " << b << " t " << t;
    }
  }
}

TEST(SequenceNll, FiniteDifferenceGradient) {
  auto s = small_batch();
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) {
        auto n = L::sequence_nll(x, s.labels);
        // A weighted sum so every sequence's gradient is checked separately.
        return (n.sum * torch::tensor({1.0, -2.0, 0.5}, torch::kFloat64)).sum();
      },
      s.logits, "sequence_nll");
}

TEST(SequenceNll, ShapeErrorsNameTheTensor) {
  auto s = small_batch();
  EXPECT_THROW(L::sequence_nll(s.logits, s.labels.slice(1, 0, 4)), lethe::ShapeError);
  EXPECT_THROW(L::sequence_nll(s.logits, s.labels.to(torch::kInt32)), lethe::ShapeError);
  EXPECT_THROW(L::sequence_nll(s.logits[0], s.labels), lethe::ShapeError);
  EXPECT_THROW(L::sequence_nll(s.logits.slice(1, 0, 1), s.labels.slice(1, 0, 1)), lethe::ShapeError);
  try {
    L::sequence_nll(s.logits, s.labels.slice(0, 0, 2));
    FAIL();
  } catch (const lethe::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("labels"), std::string::npos);
  }
  EXPECT_THROW(L::parse_length_norm("mean"), lethe::ConfigError);
  EXPECT_EQ(L::parse_length_norm("shifted"), L::LengthNorm::shifted);
}

// ---------------------------------------------------------------- chunked head

struct HeadCase {
  torch::Tensor hidden;  // [B,T,C]
  torch::Tensor weight;  // [V,C]
  torch::Tensor labels;  // [B,T]
};

static HeadCase head_case(torch::ScalarType dtype, int64_t B = 2, int64_t T = 6, int64_t C = 5,
                          int64_t V = 11) {
  torch::manual_seed(11);
  HeadCase h;
  h.hidden = torch::randn({B, T, C}, torch::kFloat64).to(dtype);
  h.weight = (torch::randn({V, C}, torch::kFloat64) * 0.7).to(dtype);
  h.labels = torch::randint(0, V, {B, T}, torch::kInt64);
  h.labels.index_put_({0, 1}, -100);
  h.labels.index_put_({1, 3}, -100);
  h.labels.index_put_({1, T - 1}, -100);
  return h;
}

// Values and both gradients of the chunked path against the plain path (logits = h W^T).
// Tolerances: float64 1e-12 (same math, different summation order of O(10) terms); fp32 2e-5
// relative (fp32 eps 1.2e-7 times the O(100) accumulation length and exp/log rounding).
static void compare_with_plain(torch::ScalarType dtype, int64_t chunk, double rtol, double atol) {
  auto c = head_case(dtype);
  auto h1 = c.hidden.clone().requires_grad_(true), w1 = c.weight.clone().requires_grad_(true);
  auto h2 = c.hidden.clone().requires_grad_(true), w2 = c.weight.clone().requires_grad_(true);
  auto plain = L::sequence_nll(torch::matmul(h1, w1.t()), c.labels);
  auto fused = L::sequence_nll_from_hidden(h2, w2, c.labels, chunk);
  EXPECT_TRUE(torch::allclose(plain.sum, fused.sum, rtol, atol)) << plain.sum << fused.sum;
  EXPECT_TRUE(torch::equal(plain.count, fused.count));
  EXPECT_TRUE(torch::equal(plain.count_unshifted, fused.count_unshifted));
  auto weights = torch::tensor({0.7, -1.3}, plain.sum.options());
  (plain.sum * weights).sum().backward();
  (fused.sum * weights).sum().backward();
  EXPECT_TRUE(torch::allclose(h1.grad(), h2.grad(), rtol, atol)) << "hidden grad, chunk " << chunk;
  EXPECT_TRUE(torch::allclose(w1.grad(), w2.grad(), rtol, atol)) << "weight grad, chunk " << chunk;
}

TEST(ChunkedHead, MatchesPlainPathFloat64) {
  for (int64_t chunk : {1, 3, 4, 256}) compare_with_plain(torch::kFloat64, chunk, 1e-12, 1e-12);
}

TEST(ChunkedHead, MatchesPlainPathFloat32) {
  for (int64_t chunk : {1, 3, 256}) compare_with_plain(torch::kFloat32, chunk, 2e-5, 2e-5);
}

// bf16: both paths multiply in bf16 and reduce in fp32, but the plain path's weight gradient is
// one bf16 product while the chunked one sums per-chunk bf16 products in fp32: tolerance 4e-2
// (CTranslate2's bf16 tolerance; bf16 has 8 significant bits, 2^-8 = 3.9e-3 per rounding).
TEST(ChunkedHead, MatchesPlainPathBfloat16) {
  compare_with_plain(torch::kBFloat16, 3, 4e-2, 4e-2);
}

TEST(ChunkedHead, FiniteDifferenceGradients) {
  auto c = head_case(torch::kFloat64, 2, 5, 4, 7);
  auto weights = torch::tensor({1.0, -0.6}, torch::kFloat64);
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& h) {
        return (L::sequence_nll_from_hidden(h, c.weight, c.labels, 3).sum * weights).sum();
      },
      c.hidden, "chunked head, d/d hidden");
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& w) {
        return (L::sequence_nll_from_hidden(c.hidden, w, c.labels, 3).sum * weights).sum();
      },
      c.weight, "chunked head, d/d head_weight");
}

TEST(ChunkedHead, TokenLogprobsAndZeroGradientOnUnlabelledRows) {
  auto c = head_case(torch::kFloat64);
  auto tok_plain = L::token_logprobs(torch::matmul(c.hidden, c.weight.t()), c.labels);
  auto h = c.hidden.clone().requires_grad_(true);
  auto tok = L::token_logprobs_from_hidden(h, c.weight, c.labels, 2);
  EXPECT_TRUE(torch::allclose(tok.logprob, tok_plain.logprob, 1e-12, 1e-12));
  EXPECT_TRUE(torch::equal(tok.mask, tok_plain.mask));
  tok.logprob.sum().backward();
  const int64_t T = c.labels.size(1);
  for (int64_t b = 0; b < 2; ++b) {
    EXPECT_EQ(h.grad()[b][T - 1].abs().max().item<double>(), 0.0);
    for (int64_t t = 0; t + 1 < T; ++t)
      if (c.labels[b][t + 1].item<int64_t>() == -100)
        EXPECT_EQ(h.grad()[b][t].abs().max().item<double>(), 0.0);
  }
}

// No labelled row at all: both paths give sum 0, count 0 and zero gradients (no matmul runs).
TEST(ChunkedHead, AllLabelsIgnored) {
  auto c = head_case(torch::kFloat64);
  auto labels = torch::full_like(c.labels, -100);
  auto h = c.hidden.clone().requires_grad_(true), w = c.weight.clone().requires_grad_(true);
  auto fused = L::sequence_nll_from_hidden(h, w, labels);
  auto plain = L::sequence_nll(torch::matmul(c.hidden, c.weight.t()), labels);
  EXPECT_TRUE(torch::equal(fused.sum, plain.sum));
  EXPECT_EQ(fused.count.sum().item<double>(), 0.0);
  fused.sum.sum().backward();
  EXPECT_EQ(h.grad().abs().max().item<double>(), 0.0);
  EXPECT_EQ(w.grad().abs().max().item<double>(), 0.0);
}

TEST(ChunkedHead, ErrorsNameTheTensor) {
  auto c = head_case(torch::kFloat32);
  EXPECT_THROW(L::sequence_nll_from_hidden(c.hidden, c.weight.t(), c.labels), lethe::ShapeError);
  EXPECT_THROW(L::sequence_nll_from_hidden(c.hidden, c.weight.to(torch::kFloat64), c.labels),
               lethe::ShapeError);
  EXPECT_THROW(L::sequence_nll_from_hidden(c.hidden, c.weight, c.labels.slice(1, 1)),
               lethe::ShapeError);
  EXPECT_THROW(L::sequence_nll_from_hidden(c.hidden, c.weight, c.labels, 0), lethe::ConfigError);
}

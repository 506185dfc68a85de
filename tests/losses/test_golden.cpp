// Values on fixed inputs against tests/reference/losses/golden.json, produced by the independent
// PyTorch implementation tools/losses_reference.py (REFERENCE.md §1) in float64.
// Tolerance: 1e-10 relative + 1e-13 absolute. Both sides compute the same float64 math with
// different reduction orders over <= 105 terms, i.e. differences ~1e-15 relative; 1e-10 leaves
// room for libm differences while any formula difference (a count, a factor 2, gamma placement)
// moves these values by >= 1e-3.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "lethe/core/files.h"
#include "lethe/losses/chunked_head.h"
#include "lethe/losses/grad_ascent.h"
#include "lethe/losses/npo.h"
#include "lethe/losses/retain.h"
#include "lethe/losses/rmu.h"
#include "lethe/losses/simnpo.h"
#include "loss_test_util.h"
#include "test_paths.h"

namespace L = lethe::losses;
using lethe::testing::tensor_from_json;

namespace {

struct Golden {
  lethe::json doc;
  torch::Tensor logits, ref_logits, labels, retain_logits, retain_labels, h, h_frozen, u, mask;
  Golden() {
    doc = lethe::read_json_file(lethe::testing::fixture("losses/golden.json"));
    const auto& in = doc.at("inputs");
    logits = tensor_from_json(in.at("logits"));
    ref_logits = tensor_from_json(in.at("ref_logits"));
    labels = tensor_from_json(in.at("labels"), torch::kInt64);
    retain_logits = tensor_from_json(in.at("retain_logits"));
    retain_labels = tensor_from_json(in.at("retain_labels"), torch::kInt64);
    h = tensor_from_json(in.at("h"));
    h_frozen = tensor_from_json(in.at("h_frozen"));
    u = tensor_from_json(in.at("u"));
    mask = tensor_from_json(in.at("mask"), torch::kInt64);
  }
  double value(const char* key) const { return doc.at("values").at(key).get<double>(); }
  double param(const char* group, const char* key) const {
    return doc.at("params").at(group).at(key).get<double>();
  }
};

const Golden& golden() {
  static const Golden g;
  return g;
}

void expect_close(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, 1e-10 * std::abs(expected) + 1e-13) << what;
}

void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, const char* what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  EXPECT_TRUE(torch::allclose(actual.to(torch::kFloat64), expected, 1e-10, 1e-13))
      << what << "\n" << actual << "\n" << expected;
}

}  // namespace

TEST(Golden, PrimitiveMatchesReference) {
  const auto& g = golden();
  const auto& v = g.doc.at("values");
  auto tok = L::token_logprobs(g.logits, g.labels);
  expect_close(tok.logprob, tensor_from_json(v.at("token_logprob")), "token_logprob");
  EXPECT_TRUE(torch::equal(tok.mask.to(torch::kInt64), tensor_from_json(v.at("token_mask"), torch::kInt64)));
  auto nll = L::sequence_nll(g.logits, g.labels);
  expect_close(nll.sum, tensor_from_json(v.at("nll_sum")), "nll_sum");
  expect_close(nll.count, tensor_from_json(v.at("count")), "count");
  expect_close(nll.count_unshifted, tensor_from_json(v.at("count_unshifted")), "count_unshifted");
  expect_close(L::nll_mean(nll).item<double>(), g.value("nll_mean"), "nll_mean");
  // The chunked head reproduces the same values when the "hidden" is the logits and W = I.
  auto eye = torch::eye(g.logits.size(2), torch::kFloat64);
  auto fused = L::sequence_nll_from_hidden(g.logits, eye, g.labels, 4);
  expect_close(fused.sum, tensor_from_json(v.at("nll_sum")), "nll_sum via chunked head");
}

TEST(Golden, SimNpoMatchesReference) {
  const auto& g = golden();
  L::SimNpoOptions o;
  o.beta = g.param("simnpo_avg", "beta");
  o.gamma = g.param("simnpo_avg", "gamma");
  o.length_norm = L::LengthNorm::reference;
  expect_close(L::simnpo_forget_loss(g.logits, g.labels, o).item<double>(),
               g.value("simnpo_avg_reference"), "simnpo avg, reference norm");
  o.length_norm = L::LengthNorm::shifted;
  expect_close(L::simnpo_forget_loss(g.logits, g.labels, o).item<double>(),
               g.value("simnpo_avg_shifted"), "simnpo avg, shifted norm");
  L::SimNpoOptions bm;
  bm.mode = L::SimNpoMode::batch_mean;
  bm.beta = g.param("simnpo_batch_mean", "beta");
  bm.gamma = 123.0;  // batch_mean has no gamma: a value here must change nothing
  expect_close(L::simnpo_forget_loss(g.logits, g.labels, bm).item<double>(),
               g.value("simnpo_batch_mean"), "simnpo batch_mean");
  expect_close(L::simnpo_logits_forget_loss(g.logits, g.param("simnpo_logits", "beta"),
                                            g.param("simnpo_logits", "gamma"))
                   .item<double>(),
               g.value("simnpo_logits"), "simnpo logits");
}

TEST(Golden, NpoMatchesReference) {
  const auto& g = golden();
  auto theta = L::sequence_nll(g.logits, g.labels);
  auto ref = L::sequence_nll(g.ref_logits, g.labels);
  const std::pair<L::NpoReduction, const char*> cases[] = {
      {L::NpoReduction::sequence_sum, "npo_sequence_sum"},
      {L::NpoReduction::sequence_mean, "npo_sequence_mean"},
      {L::NpoReduction::batch_mean, "npo_batch_mean"}};
  for (const auto& [red, key] : cases) {
    L::NpoOptions o;
    o.reduction = red;
    o.beta = g.param(key, "beta");
    expect_close(L::npo_forget_loss(theta, ref, o).item<double>(), g.value(key), key);
  }
  expect_close(L::npo_logits_forget_loss(g.logits, g.ref_logits, g.param("npo_logits", "beta"))
                   .item<double>(),
               g.value("npo_logits"), "npo logits");
}

TEST(Golden, GradAscentGradDiffRetainMatchReference) {
  const auto& g = golden();
  auto forget = L::sequence_nll(g.logits, g.labels);
  auto retain = L::sequence_nll(g.retain_logits, g.retain_labels);
  expect_close(L::gradient_ascent_loss(forget).item<double>(), g.value("grad_ascent"), "GA");
  expect_close(L::grad_diff_loss(forget, retain, g.param("grad_diff", "forget_weight"),
                                 g.param("grad_diff", "retain_weight"))
                   .item<double>(),
               g.value("grad_diff"), "GradDiff");
  expect_close(L::retain_nll_loss(retain).item<double>(), g.value("retain_nll"), "retain NLL");
  expect_close(L::retain_kl_loss(g.logits, g.ref_logits).item<double>(), g.value("kl_all"),
               "KL over all B*T positions");
  expect_close(
      L::retain_kl_loss(g.logits, g.ref_logits, g.labels, L::KlPositions::labelled).item<double>(),
      g.value("kl_labelled"), "KL over labelled positions");
}

TEST(Golden, RmuMatchesReference) {
  const auto& g = golden();
  const double c = g.param("rmu", "c"), alpha = g.param("rmu", "alpha");
  expect_close(L::rmu_forget_loss(g.h, g.u, c).item<double>(), g.value("rmu_forget"), "rmu forget");
  expect_close(L::rmu_forget_loss(g.h, g.u, c, g.mask).item<double>(), g.value("rmu_forget_masked"),
               "rmu forget, masked");
  expect_close(L::rmu_retain_loss(g.h, g.h_frozen, alpha).item<double>(), g.value("rmu_retain"),
               "rmu retain");
  expect_close(L::rmu_retain_loss(g.h, g.h_frozen, alpha, g.mask).item<double>(),
               g.value("rmu_retain_masked"), "rmu retain, masked");
}

// torch.manual_seed(seed); torch.rand(1, 1, C) in Python draws the same fp32 numbers (bit-exact:
// the same mt19937 stream and the same float conversion).
TEST(Golden, RmuRandomDirectionMatchesPythonTorchRand) {
  const auto& g = golden();
  for (const auto& [seed, entry] : g.doc.at("rmu_rand_fp32").items()) {
    auto expected = tensor_from_json(entry.at("values"), torch::kFloat32);
    auto got = L::rmu_random_direction(entry.at("channels").get<int64_t>(), std::stoull(seed));
    EXPECT_TRUE(torch::equal(got, expected)) << "seed " << seed << "\n" << got << "\n" << expected;
  }
}

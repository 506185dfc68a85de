// Every objective: float64 central-difference gradients on small random logits (B=3, T=5, V=7,
// some labels -100), behaviour that cannot hold by chance (beta -> 0 limit, theta == ref,
// masked tokens), and the name registry.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

#include "lethe/core/error.h"
#include "lethe/losses/grad_ascent.h"
#include "lethe/losses/npo.h"
#include "lethe/losses/registry.h"
#include "lethe/losses/retain.h"
#include "lethe/losses/rmu.h"
#include "lethe/losses/simnpo.h"
#include "loss_test_util.h"

namespace L = lethe::losses;
using lethe::testing::expect_gradient_matches_finite_differences;
using lethe::testing::small_batch;

// ---------------------------------------------------------------- finite differences

TEST(ObjectiveGradients, SimNpoAllModes) {
  auto s = small_batch();
  for (auto norm : {L::LengthNorm::reference, L::LengthNorm::shifted}) {
    L::SimNpoOptions o;
    o.beta = 2.5;
    o.gamma = 0.4;
    o.length_norm = norm;
    expect_gradient_matches_finite_differences(
        [&](const torch::Tensor& x) { return L::simnpo_forget_loss(x, s.labels, o); }, s.logits,
        "simnpo avg");
  }
  L::SimNpoOptions bm;
  bm.beta = 0.8;
  bm.mode = L::SimNpoMode::batch_mean;
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) { return L::simnpo_forget_loss(x, s.labels, bm); }, s.logits,
      "simnpo batch_mean");
  L::SimNpoOptions lg;
  lg.beta = 0.7;
  lg.gamma = 0.2;
  lg.mode = L::SimNpoMode::logits;
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) { return L::simnpo_forget_loss(x, s.labels, lg); }, s.logits,
      "simnpo logits");
}

TEST(ObjectiveGradients, NpoAllReductions) {
  auto s = small_batch();
  auto ref = L::sequence_nll(s.ref_logits, s.labels);
  for (auto red : {L::NpoReduction::sequence_sum, L::NpoReduction::sequence_mean,
                   L::NpoReduction::batch_mean}) {
    L::NpoOptions o;
    o.beta = 0.6;
    o.reduction = red;
    expect_gradient_matches_finite_differences(
        [&](const torch::Tensor& x) {
          return L::npo_forget_loss(L::sequence_nll(x, s.labels), ref, o);
        },
        s.logits, L::to_string(red));
  }
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) { return L::npo_logits_forget_loss(x, s.ref_logits, 0.7); },
      s.logits, "npo logits");
}

TEST(ObjectiveGradients, GradAscentGradDiffRetainNll) {
  auto s = small_batch();
  auto r = small_batch(99);
  auto retain = L::sequence_nll(r.logits, r.labels);
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) { return L::gradient_ascent_loss(L::sequence_nll(x, s.labels)); },
      s.logits, "grad_ascent");
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) { return L::retain_nll_loss(L::sequence_nll(x, s.labels)); },
      s.logits, "retain nll");
  // GradDiff through the retain logits (the forget batch held fixed) and through the forget ones.
  auto forget = L::sequence_nll(s.logits, s.labels);
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) {
        return L::grad_diff_loss(forget, L::sequence_nll(x, r.labels), 5.0, 1.0);
      },
      r.logits, "grad_diff, retain side");
  expect_gradient_matches_finite_differences(
      [&](const torch::Tensor& x) {
        return L::grad_diff_loss(L::sequence_nll(x, s.labels), retain, 5.0, 1.0);
      },
      s.logits, "grad_diff, forget side");
}

TEST(ObjectiveGradients, RetainKlBothPositionSets) {
  auto s = small_batch();
  for (auto pos : {L::KlPositions::all, L::KlPositions::labelled})
    expect_gradient_matches_finite_differences(
        [&](const torch::Tensor& x) { return L::retain_kl_loss(x, s.ref_logits, s.labels, pos); },
        s.logits, L::to_string(pos));
}

TEST(ObjectiveGradients, RmuForgetAndRetain) {
  torch::manual_seed(3);
  auto h = torch::randn({2, 4, 6}, torch::kFloat64) * 2;
  auto h_frozen = h + 0.2 * torch::randn({2, 4, 6}, torch::kFloat64);
  auto u = torch::rand({6}, torch::kFloat64);
  auto mask = torch::tensor({1, 1, 0, 1, 1, 1, 1, 0}, torch::kInt64).view({2, 4});
  for (bool masked : {false, true}) {
    auto m = masked ? mask : torch::Tensor();
    expect_gradient_matches_finite_differences(
        [&](const torch::Tensor& x) { return L::rmu_forget_loss(x, u, 6.5, m); }, h, "rmu forget");
    expect_gradient_matches_finite_differences(
        [&](const torch::Tensor& x) { return L::rmu_retain_loss(x, h_frozen, 3.0, m); }, h,
        "rmu retain");
  }
}

// ---------------------------------------------------------------- behaviour

// As beta -> 0, -(2/beta) logsigmoid(beta r) = (2/beta) log 2 - r + O(beta r^2), so the SimNPO-avg
// gradient tends to -grad(mean_b nll_sum(b)/n(b)). With every label present n(b) = T-1 (shifted)
// for all b, which makes it exactly the GA gradient -grad(nll_mean); with the reference norm
// n(b) = T it is (T-1)/T times it. Relative deviation expected O(beta * r) = 1e-6 * O(3); checked
// at 1e-4. At beta = 5 the same comparison must fail (deviation > 1e-2), so the check has teeth.
TEST(ObjectiveBehaviour, SimNpoAvgTendsToGradAscentAsBetaVanishes) {
  auto s = small_batch();
  auto labels = torch::randint(0, 7, {3, 5}, torch::kInt64);  // no -100: equal lengths
  const double T = 5;
  auto ga_grad = [&] {
    auto x = s.logits.clone().requires_grad_(true);
    L::gradient_ascent_loss(L::sequence_nll(x, labels)).backward();
    return x.grad();
  }();
  auto simnpo_grad = [&](double beta, L::LengthNorm norm) {
    auto x = s.logits.clone().requires_grad_(true);
    L::SimNpoOptions o;
    o.beta = beta;
    o.gamma = 0.0;
    o.length_norm = norm;
    L::simnpo_forget_loss(x, labels, o).backward();
    return x.grad();
  };
  auto rel = [&](const torch::Tensor& g, double scale) {
    return ((g - ga_grad * scale).norm() / (ga_grad * scale).norm()).item<double>();
  };
  EXPECT_LT(rel(simnpo_grad(1e-6, L::LengthNorm::shifted), 1.0), 1e-4);
  EXPECT_LT(rel(simnpo_grad(1e-6, L::LengthNorm::reference), (T - 1) / T), 1e-4);
  EXPECT_GT(rel(simnpo_grad(5.0, L::LengthNorm::shifted), 1.0), 1e-2);
}

// theta == ref: r = 0 for every form, L = -(2/beta) log sigma(0) = (2/beta) log 2 exactly
// (1e-14: a handful of float64 roundings of numbers O(10)).
TEST(ObjectiveBehaviour, NpoWithThetaEqualRefIsTwoLogTwoOverBeta) {
  auto s = small_batch();
  auto nll = L::sequence_nll(s.logits, s.labels);
  for (double beta : {0.1, 0.7, 5.5}) {
    const double expected = 2.0 / beta * std::log(2.0);
    for (auto red : {L::NpoReduction::sequence_sum, L::NpoReduction::sequence_mean,
                     L::NpoReduction::batch_mean}) {
      L::NpoOptions o;
      o.beta = beta;
      o.reduction = red;
      EXPECT_NEAR(L::npo_forget_loss(nll, nll, o).item<double>(), expected, 1e-14 * expected);
    }
    EXPECT_NEAR(L::npo_logits_forget_loss(s.logits, s.logits, beta).item<double>(), expected,
                1e-14 * expected);
  }
}

// Label-based objectives give exactly zero gradient to positions whose next label is ignored and
// to the last position; the logits forms and the KL over all positions do not (they ignore labels).
TEST(ObjectiveBehaviour, MaskedTokensGetZeroGradient) {
  auto s = small_batch();
  auto ref = L::sequence_nll(s.ref_logits, s.labels);
  L::SimNpoOptions avg;
  L::NpoOptions npo;
  std::vector<std::pair<const char*, std::function<torch::Tensor(const torch::Tensor&)>>> fs = {
      {"simnpo avg", [&](const torch::Tensor& x) { return L::simnpo_forget_loss(x, s.labels, avg); }},
      {"npo", [&](const torch::Tensor& x) {
         return L::npo_forget_loss(L::sequence_nll(x, s.labels), ref, npo);
       }},
      {"grad_ascent", [&](const torch::Tensor& x) {
         return L::gradient_ascent_loss(L::sequence_nll(x, s.labels));
       }},
      {"kl labelled", [&](const torch::Tensor& x) {
         return L::retain_kl_loss(x, s.ref_logits, s.labels, L::KlPositions::labelled);
       }},
  };
  const int64_t T = s.labels.size(1);
  for (auto& [name, f] : fs) {
    auto x = s.logits.clone().requires_grad_(true);
    f(x).backward();
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t t = 0; t < T; ++t) {
        const bool counted = t + 1 < T && s.labels[b][t + 1].item<int64_t>() != -100;
        const double g = x.grad()[b][t].abs().max().item<double>();
        if (counted) EXPECT_GT(g, 0.0) << name << " b " << b << " t " << t;
        else EXPECT_EQ(g, 0.0) << name << " b " << b << " t " << t;
      }
  }
  auto x = s.logits.clone().requires_grad_(true);
  L::retain_kl_loss(x, s.ref_logits).backward();
  EXPECT_GT(x.grad()[0][T - 1].abs().max().item<double>(), 0.0) << "kl over all positions";
}

// RMU masking: activations at masked-out positions get exactly zero gradient; without a mask
// the WMDP form counts every position (padding included).
TEST(ObjectiveBehaviour, RmuMaskExcludesPositions) {
  torch::manual_seed(5);
  auto h = torch::randn({2, 3, 4}, torch::kFloat64).requires_grad_(true);
  auto u = torch::rand({4}, torch::kFloat64);
  auto mask = torch::tensor({1, 0, 1, 1, 1, 0}, torch::kInt64).view({2, 3});
  L::rmu_forget_loss(h, u, 2.0, mask).backward();
  EXPECT_EQ(h.grad()[0][1].abs().max().item<double>(), 0.0);
  EXPECT_EQ(h.grad()[1][2].abs().max().item<double>(), 0.0);
  EXPECT_GT(h.grad()[0][0].abs().max().item<double>(), 0.0);
  // Hand-computed: h == c u/|u| everywhere gives 0; a unit offset on one of 2*3*4 elements
  // gives 1/24 unmasked.
  auto control = (u / u.norm() * 2.0).view({1, 1, 4}).expand({2, 3, 4}).clone();
  EXPECT_NEAR(L::rmu_forget_loss(control, u, 2.0).item<double>(), 0.0, 1e-30);
  control.index_put_({1, 1, 3}, control[1][1][3] + 1.0);
  EXPECT_NEAR(L::rmu_forget_loss(control, u, 2.0).item<double>(), 1.0 / 24, 1e-15);
  EXPECT_NEAR(L::rmu_retain_loss(control, control, 1200.0).item<double>(), 0.0, 1e-30);
}

TEST(ObjectiveBehaviour, RmuRandomDirectionIsSeededUniform) {
  auto a = L::rmu_random_direction(4096, 1001);
  auto b = L::rmu_random_direction(4096, 1001);
  auto c = L::rmu_random_direction(4096, 1002);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  EXPECT_GE(a.min().item<float>(), 0.0f);
  EXPECT_LT(a.max().item<float>(), 1.0f);
  // Mean of 4096 U[0,1) draws: 0.5 +- 0.0045 (1 sigma); 0.03 is > 6 sigma.
  EXPECT_NEAR(a.mean().item<float>(), 0.5, 0.03);
}

// Per-row directions (one per forget corpus): each row is pushed toward its own topic's c u_t/|u_t|.
// Hand-computed: h = 0 [2 rows, 1 position, C = 2], u_0 = (3, 0), u_1 = (0, 5) (normalized here),
// c = 2: controls (2, 0) and (0, 2); L = (4 + 0 + 0 + 4) / 4 = 2; dL/dh = 2 (h - control) / 4, so
// the descent direction of row 0 is +x (its u_0) and of row 1 is +y (its u_1).
TEST(ObjectiveBehaviour, RmuPerRowDirectionsPushEachRowTowardItsOwn) {
  auto h = torch::zeros({2, 1, 2}, torch::kFloat64).requires_grad_(true);
  auto u = torch::tensor({3.0, 0.0, 0.0, 5.0}, torch::kFloat64).view({2, 2});
  auto loss = L::rmu_forget_loss(h, u, 2.0);
  EXPECT_NEAR(loss.item<double>(), 2.0, 1e-15);
  loss.backward();
  auto g = h.grad().view({2, 2});
  EXPECT_NEAR(g[0][0].item<double>(), -1.0, 1e-15);
  EXPECT_NEAR(g[0][1].item<double>(), 0.0, 1e-15);
  EXPECT_NEAR(g[1][0].item<double>(), 0.0, 1e-15);
  EXPECT_NEAR(g[1][1].item<double>(), -1.0, 1e-15);
  // Rows sharing one direction give exactly the [C] form.
  torch::manual_seed(3);
  auto h2 = torch::randn({3, 4, 5}, torch::kFloat64);
  auto u1 = torch::rand({5}, torch::kFloat64);
  EXPECT_EQ(L::rmu_forget_loss(h2, u1.expand({3, 5}), 6.5).item<double>(), L::rmu_forget_loss(h2, u1, 6.5).item<double>());
  EXPECT_THROW(L::rmu_forget_loss(h2, torch::ones({2, 5}), 1.0), lethe::ShapeError);  // B mismatch
}

TEST(ObjectiveBehaviour, RmuDirectionsPerTopicComeFromOneSeededStream) {
  auto d = L::rmu_random_directions(3, 64, 42);
  EXPECT_EQ(d.sizes(), (std::vector<int64_t>{3, 64}));
  EXPECT_TRUE(torch::equal(d[0], L::rmu_random_direction(64, 42)));  // topic 0 = the single direction
  // torch.manual_seed(42); torch.rand(3, 64): rows are consecutive draws of one generator.
  auto gen = at::detail::createCPUGenerator(42);
  auto first = torch::rand({64}, gen, torch::kFloat32), second = torch::rand({64}, gen, torch::kFloat32);
  EXPECT_TRUE(torch::equal(d[1], second));
  EXPECT_TRUE(torch::equal(d[0], first));
  EXPECT_FALSE(torch::equal(d[1], d[2]));
  EXPECT_TRUE(torch::equal(d, L::rmu_random_directions(3, 64, 42)));
  EXPECT_THROW(L::rmu_random_directions(0, 64, 42), lethe::ConfigError);
}

TEST(ObjectiveBehaviour, OptionErrors) {
  auto s = small_batch();
  L::SimNpoOptions o;
  o.beta = 0.0;
  EXPECT_THROW(L::simnpo_forget_loss(s.logits, s.labels, o), lethe::ConfigError);
  o.beta = 1.0;
  o.mode = L::SimNpoMode::logits;
  EXPECT_THROW(L::simnpo_forget_loss(L::sequence_nll(s.logits, s.labels), o), lethe::ConfigError);
  L::NpoOptions n;
  n.reduction = L::NpoReduction::logits;
  auto nll = L::sequence_nll(s.logits, s.labels);
  EXPECT_THROW(L::npo_forget_loss(nll, nll, n), lethe::ConfigError);
  EXPECT_THROW(L::npo_logits_forget_loss(s.logits, s.ref_logits.slice(2, 0, 6), 1.0),
               lethe::ShapeError);
  EXPECT_THROW(L::retain_kl_loss(s.logits, s.ref_logits, {}, L::KlPositions::labelled),
               lethe::ShapeError);
  EXPECT_THROW(L::rmu_forget_loss(torch::zeros({2, 3, 4}), torch::ones({5}), 1.0),
               lethe::ShapeError);
}

TEST(Registry, NamesRoundTripAndErrorsListChoices) {
  for (const auto& name : L::forget_loss_names())
    EXPECT_EQ(L::to_string(L::parse_forget_loss(name)), name);
  EXPECT_EQ(L::parse_forget_loss("ga"), L::ForgetLoss::grad_ascent);
  try {
    L::parse_forget_loss("simnpoo", "recipe.loss");
    FAIL();
  } catch (const lethe::ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("recipe.loss"), std::string::npos);
    EXPECT_NE(msg.find("simnpo"), std::string::npos);
  }
  EXPECT_EQ(L::parse_retain_loss("kl"), L::RetainLoss::kl);
  EXPECT_THROW(L::parse_retain_loss("mse"), lethe::ConfigError);
  EXPECT_EQ(L::parse_simnpo_mode("batch_mean"), L::SimNpoMode::batch_mean);
  EXPECT_EQ(L::parse_npo_reduction("logits"), L::NpoReduction::logits);
  EXPECT_EQ(L::parse_kl_positions("labelled"), L::KlPositions::labelled);
  EXPECT_TRUE(L::needs_reference_model(L::ForgetLoss::npo, L::RetainLoss::nll));
  EXPECT_TRUE(L::needs_reference_model(L::ForgetLoss::simnpo, L::RetainLoss::kl));
  EXPECT_FALSE(L::needs_reference_model(L::ForgetLoss::simnpo, L::RetainLoss::nll));
}

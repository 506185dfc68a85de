// AdamW (flat, fp32 state) against torch's formula and torch::optim::AdamW; clipping against
// clip_grad_norm_; schedules against hand-computed HF values.
#include <gtest/gtest.h>

#include <cmath>

#include "lethe/train/optimizer.h"
#include "lethe/train/schedule.h"

using namespace lethe::train;

namespace {

// torch.optim.AdamW's single-tensor update written out in float64 (independent of both paths).
void adamw_double(std::vector<double>& p, std::vector<double>& m, std::vector<double>& v,
                  const std::vector<double>& g, double lr, const AdamWOptions& o, int64_t t) {
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] *= 1 - lr * o.weight_decay;
    m[i] = m[i] * o.beta1 + (1 - o.beta1) * g[i];
    v[i] = v[i] * o.beta2 + (1 - o.beta2) * g[i] * g[i];
    const double denom = std::sqrt(v[i]) / std::sqrt(1 - std::pow(o.beta2, t)) + o.eps;
    p[i] -= lr / (1 - std::pow(o.beta1, t)) * m[i] / denom;
  }
}

}  // namespace

TEST(AdamW, FlatMatchesTorchFormulaOnOneTensor) {
  torch::manual_seed(3);
  auto p = torch::randn({1000}).requires_grad_(true);
  std::vector<double> pd(p.data_ptr<float>(), p.data_ptr<float>() + 1000), m(1000, 0.0), v(1000, 0.0);
  AdamWOptions o;
  o.beta1 = 0.8;
  o.beta2 = 0.95;
  o.eps = 1e-6;
  o.weight_decay = 0.1;
  auto opt = make_flat_adamw({{"p", p}}, o, Precision::fp32);
  for (int64_t t = 1; t <= 5; ++t) {
    opt->zero_grad();
    auto g = torch::randn({1000});
    (p * g).sum().backward();  // dL/dp = g
    std::vector<double> gd(g.data_ptr<float>(), g.data_ptr<float>() + 1000);
    opt->step(0.01 * t);
    adamw_double(pd, m, v, gd, 0.01 * t, o, t);
  }
  // fp32 arithmetic vs float64: relative error a few ulps per step.
  for (int64_t i = 0; i < 1000; ++i) EXPECT_NEAR(p[i].item<double>(), pd[i], 2e-6 * (1 + std::abs(pd[i]))) << i;
  EXPECT_EQ(opt->steps(), 5);
}

TEST(AdamW, FlatEqualsTorchOptimAdamW) {
  torch::manual_seed(4);
  auto a1 = torch::randn({7, 5}).requires_grad_(true), b1 = torch::randn({3}).requires_grad_(true);
  auto a2 = a1.detach().clone().requires_grad_(true), b2 = b1.detach().clone().requires_grad_(true);
  AdamWOptions o;
  o.weight_decay = 0.01;
  auto flat = make_flat_adamw({{"a", a1}, {"b", b1}}, o, Precision::fp32);
  auto ref = make_torch_adamw({{"a", a2}, {"b", b2}}, o);
  for (int t = 0; t < 4; ++t) {
    auto ga = torch::randn({7, 5}) * 3, gb = torch::randn({3}) * 3;
    flat->zero_grad();
    ref->zero_grad();
    ((a1 * ga).sum() + (b1 * gb).sum()).backward();
    ((a2 * ga).sum() + (b2 * gb).sum()).backward();
    const double n1 = flat->clip_grad_norm(1.0), n2 = ref->clip_grad_norm(1.0);
    EXPECT_NEAR(n1, n2, 1e-5 * n2);  // double vs float norm accumulation
    flat->step(1e-2);
    ref->step(1e-2);
  }
  // Same float32 formula; only the clip norm's accumulation order differs: 1e-6 absolute.
  EXPECT_TRUE(torch::allclose(a1, a2, 0, 1e-6));
  EXPECT_TRUE(torch::allclose(b1, b2, 0, 1e-6));
}

TEST(Clip, MatchesClipGradNormSemantics) {
  auto p = torch::zeros({4}).requires_grad_(true);
  auto opt = make_flat_adamw({{"p", p}}, {}, Precision::fp32);
  opt->zero_grad();
  (p * torch::tensor({3.0f, 4.0f, 0.0f, 0.0f})).sum().backward();
  const double norm = opt->clip_grad_norm(1.0);
  EXPECT_NEAR(norm, 5.0, 1e-12);
  // coef = 1 / (5 + 1e-6): grads (0.6, 0.8) scaled by 5/(5+1e-6)
  EXPECT_NEAR(p.grad()[0].item<double>(), 3.0 / (5.0 + 1e-6), 1e-7);
  EXPECT_NEAR(p.grad()[1].item<double>(), 4.0 / (5.0 + 1e-6), 1e-7);
  // Below the threshold nothing changes.
  opt->zero_grad();
  (p * torch::tensor({0.3f, 0.4f, 0.0f, 0.0f})).sum().backward();
  EXPECT_NEAR(opt->clip_grad_norm(1.0), 0.5, 1e-7);
  EXPECT_FLOAT_EQ(p.grad()[0].item<float>(), 0.3f);
  // The torch reference path agrees.
  auto q = torch::zeros({2}).requires_grad_(true);
  (q * torch::tensor({6.0f, 8.0f})).sum().backward();
  EXPECT_NEAR(clip_grad_norm_reference({q}, 2.0), 10.0, 1e-5);
  EXPECT_NEAR(q.grad()[0].item<double>(), 6.0 * 2.0 / (10.0 + 1e-6), 1e-6);
}

TEST(Precision, Bf16MixedKeepsSmallUpdatesBf16PureLosesThem) {
  // lr 1e-5 on weights of 1.0: one AdamW step moves each weight by ~1e-5, below bf16's spacing
  // at 1.0 (2^-7 = 0.0078). Over 10 steps the fp32 master accumulates 1e-4; pure bf16 stays put.
  auto w_mixed = torch::ones({8}, torch::kBFloat16).requires_grad_(true);
  auto w_pure = torch::ones({8}, torch::kBFloat16).requires_grad_(true);
  auto mixed = make_flat_adamw({{"w", w_mixed}}, {}, Precision::bf16_mixed);
  auto pure = make_flat_adamw({{"w", w_pure}}, {}, Precision::bf16_pure);
  for (int t = 0; t < 10; ++t) {
    for (auto* o : {mixed.get(), pure.get()}) o->zero_grad();
    w_mixed.sum().backward();
    w_pure.sum().backward();
    mixed->accumulate_grads();
    pure->accumulate_grads();
    mixed->step(1e-5);
    pure->step(1e-5);
  }
  EXPECT_EQ(w_pure[0].item<float>(), 1.0f);
  auto master = mixed->master_weights();
  ASSERT_EQ(master.size(), 1u);
  // 10 fp32 roundings near 1.0 (ulp 6e-8 each): 1e-6.
  EXPECT_NEAR(master[0].second[0].item<double>(), 1.0 - 1e-4, 1e-6);
}

TEST(Precision, Bf16PureAccumulatesMicroBatchGradientsInBf16) {
  // grad_accum 2, driven as the trainer does: zero_grad; {(loss / 2).backward(); accumulate_grads()} x 2.
  // The reference keeps the sum in the bf16 .grad: bf16(g1 + g2) with g1, g2 the bf16 micro-batch
  // gradients. Computed here independently, each on a fresh leaf, then added as bf16 tensors.
  torch::manual_seed(17);
  const int64_t n = 4096;
  const auto w0 = torch::randn({n}).to(torch::kBFloat16);
  const auto x1 = torch::randn({n}), x2 = torch::randn({n}) * 0.01;  // scales apart: rounding shows
  auto loss = [](const torch::Tensor& p, const torch::Tensor& x) { return (p.to(torch::kFloat32).pow(2) * x).sum() / 2.0; };
  auto micro_grad = [&](const torch::Tensor& x) {
    auto q = w0.clone().requires_grad_(true);
    loss(q, x).backward();
    return q.grad();  // bf16
  };
  const auto g1 = micro_grad(x1), g2 = micro_grad(x2);
  ASSERT_EQ(g1.scalar_type(), torch::kBFloat16);
  const auto bf16_sum = (g1 + g2).to(torch::kFloat32);                         // rounded to bf16 once
  const auto fp32_sum = g1.to(torch::kFloat32) + g2.to(torch::kFloat32);     // exact
  const int64_t differ = bf16_sum.ne(fp32_sum).sum().item<int64_t>();
  ASSERT_GT(differ, n / 4) << "the case must show bf16 rounding";

  for (auto precision : {Precision::bf16_pure, Precision::bf16_mixed}) {
    auto w = w0.clone().requires_grad_(true);
    auto opt = make_flat_adamw({{"w", w}}, {}, precision);
    opt->zero_grad();
    for (const auto* x : {&x1, &x2}) {
      loss(w, *x).backward();
      opt->accumulate_grads();
    }
    const auto got = opt->gradients().at(0).second;
    if (precision == Precision::bf16_pure) {
      EXPECT_TRUE(torch::equal(got, bf16_sum)) << "bf16_pure: the bf16 sum, as the reference's .grad";
      EXPECT_FALSE(torch::equal(got, fp32_sum));
    } else {
      EXPECT_TRUE(torch::equal(got, fp32_sum)) << "bf16_mixed: fp32 accumulation";
    }
    // The next step starts from a clean sum.
    opt->step(1e-3);
    opt->zero_grad();
    loss(w, x1).backward();
    opt->accumulate_grads();
    auto q = w.detach().clone().requires_grad_(true);
    loss(q, x1).backward();
    EXPECT_TRUE(torch::equal(opt->gradients().at(0).second, q.grad().to(torch::kFloat32)));
  }
}

TEST(Schedule, LinearWarmupDecayAsHF) {
  Schedule s{ScheduleKind::linear, 1.0, 12, 125};
  EXPECT_DOUBLE_EQ(s.multiplier(0), 0.0);         // HF: first update uses lr 0 with warm-up
  EXPECT_DOUBLE_EQ(s.multiplier(6), 0.5);         // 6/12
  EXPECT_DOUBLE_EQ(s.multiplier(12), 1.0);        // (125-12)/(125-12)
  EXPECT_DOUBLE_EQ(s.multiplier(68), 57.0 / 113); // (125-68)/113
  EXPECT_DOUBLE_EQ(s.multiplier(125), 0.0);
}

TEST(Schedule, CosineAndConstantAsHF) {
  Schedule c{ScheduleKind::cosine, 2.0, 10, 110};
  EXPECT_DOUBLE_EQ(c.lr(5), 1.0);                 // 2 * 5/10
  EXPECT_NEAR(c.multiplier(60), 0.5, 1e-15);      // progress 0.5 -> 0.5(1+cos(pi/2))
  EXPECT_NEAR(c.multiplier(35), 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-15);
  EXPECT_NEAR(c.multiplier(110), 0.0, 1e-15);
  Schedule k{ScheduleKind::constant, 3.0, 4, 100};
  EXPECT_DOUBLE_EQ(k.lr(1), 0.75);
  EXPECT_DOUBLE_EQ(k.lr(4), 3.0);
  EXPECT_DOUBLE_EQ(k.lr(99), 3.0);
}

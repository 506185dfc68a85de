// Helpers shared by the losses tests: JSON arrays -> tensors, central-difference gradient checks,
// and small random inputs. Shape legend: B = batch, T = sequence, V = vocabulary, C = channels.
#pragma once
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "lethe/core/files.h"

namespace lethe::testing {

// Nested JSON array of numbers -> tensor of `dtype` with the nesting as its shape.
inline torch::Tensor tensor_from_json(const json& j, torch::ScalarType dtype = torch::kFloat64) {
  std::vector<int64_t> shape;
  const json* cur = &j;
  while (cur->is_array()) {
    shape.push_back(static_cast<int64_t>(cur->size()));
    if (cur->empty()) break;
    cur = &(*cur)[0];
  }
  std::vector<double> flat;
  std::function<void(const json&)> walk = [&](const json& x) {
    if (x.is_array()) {
      for (const auto& e : x) walk(e);
    } else {
      flat.push_back(x.get<double>());
    }
  };
  walk(j);
  auto t = torch::tensor(flat, torch::kFloat64).view(shape);
  return t.to(dtype);
}

// Compares autograd's gradient of the scalar f(x) with central differences
//   (f(x + h e_i) - f(x - h e_i)) / (2h),  h = 1e-6, for every element of float64 x.
// Tolerance per element: 1e-7 * max(1, |f(x)|) + 1e-6 * |g_i|. Why: the truncation error of a
// central difference is h^2/6 * f''' ~ 1e-12 for these O(1) smooth functions, and the
// round-off is ~ eps * |f| / h ~ 2e-16 * |f| / 1e-6 = 2e-10 * |f|; both sit far below the
// tolerance, while a wrong factor or a missing term (errors >= 1e-3 here) cannot pass.
inline void expect_gradient_matches_finite_differences(
    const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x0,
    const char* what) {
  ASSERT_EQ(x0.scalar_type(), torch::kFloat64) << what;
  auto x = x0.detach().clone().requires_grad_(true);
  auto y = f(x);
  ASSERT_EQ(y.numel(), 1) << what;
  auto grad = torch::autograd::grad({y}, {x}, {}, false, false, true)[0];
  if (!grad.defined()) grad = torch::zeros_like(x0);
  const double fx = std::abs(y.item<double>());
  const double h = 1e-6;
  auto xf = x0.detach().clone().contiguous();
  auto flat = xf.view({-1});
  auto g = grad.contiguous().view({-1});
  torch::NoGradGuard no_grad;
  int bad = 0;
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double orig = flat[i].item<double>();
    flat[i] = orig + h;
    const double fp = f(xf).item<double>();
    flat[i] = orig - h;
    const double fm = f(xf).item<double>();
    flat[i] = orig;
    const double num = (fp - fm) / (2 * h);
    const double ana = g[i].item<double>();
    const double tol = 1e-7 * std::max(1.0, fx) + 1e-6 * std::abs(ana);
    if (std::abs(num - ana) > tol && ++bad <= 5)
      ADD_FAILURE() << what << ": element " << i << " autograd " << ana << " vs finite difference "
                    << num << " (tolerance " << tol << ")";
  }
  EXPECT_EQ(bad, 0) << what;
}

// Small random inputs: logits [3,5,7] float64 and labels [3,5] with some -100 (first, middle and
// last positions), seeded.
struct SmallBatch {
  torch::Tensor logits;      // [B,T,V]
  torch::Tensor ref_logits;  // [B,T,V]
  torch::Tensor labels;      // [B,T]
};

inline SmallBatch small_batch(uint64_t seed = 7, int64_t B = 3, int64_t T = 5, int64_t V = 7) {
  torch::manual_seed(seed);
  SmallBatch s;
  s.logits = torch::randn({B, T, V}, torch::kFloat64) * 1.5;
  s.ref_logits = s.logits + 0.3 * torch::randn({B, T, V}, torch::kFloat64);
  s.labels = torch::randint(0, V, {B, T}, torch::kInt64);
  s.labels.index_put_({0, 0}, -100);
  s.labels.index_put_({1, 2}, -100);
  s.labels.index_put_({B - 1, T - 1}, -100);
  return s;
}

}  // namespace lethe::testing

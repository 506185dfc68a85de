// NumPy-compatible pairwise summation (see the header).
#include "lethe/metrics/numeric.h"

#include <limits>

namespace lethe {
namespace {

constexpr std::size_t kBlock = 128;  // NumPy's PW_BLOCKSIZE

double pairwise(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= kBlock) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

}  // namespace

double numpy_sum(const double* a, std::size_t n) { return 0.0 + pairwise(a, n); }

double numpy_mean(const double* a, std::size_t n) {
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  return numpy_sum(a, n) / static_cast<double>(n);
}

}  // namespace lethe

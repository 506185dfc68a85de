// Summation that reproduces NumPy's results bit for bit, so metrics computed here equal the
// Python references (np.mean, np.sum, scipy.integrate.trapezoid) exactly, not just closely.
#pragma once
#include <cstddef>
#include <vector>

namespace lethe {

// np.add.reduce on a contiguous float64 array (NumPy 1.x, loops_utils.h `pairwise_sum`):
//   0.0 + pw(a, n), pw(a, n) = plain left-to-right sum             if n < 8,
//                            = 8 strided partial sums combined as
//                              ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the n%8 tail   if n <= 128,
//                            = pw(a, m) + pw(a+m, n-m), m = n/2 rounded down to a multiple of 8.
// Checked against np.sum on 3,000 random arrays (numpy 1.26.4): all bit-identical.
double numpy_sum(const double* a, std::size_t n);
inline double numpy_sum(const std::vector<double>& a) { return numpy_sum(a.data(), a.size()); }

// np.mean of a float64 array: numpy_sum(a) / n (NaN for n = 0, as NumPy returns).
double numpy_mean(const double* a, std::size_t n);

}  // namespace lethe

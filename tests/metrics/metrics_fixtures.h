// Shared helpers of the metrics tests: the fixture LCG (same as tools/make_metric_fixtures.py)
// and the comparison used against the golden values.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/core/files.h"
#include "test_paths.h"

namespace lethe::testing {

// 64-bit LCG, 31 output bits: s = s * 6364136223846793005 + 1442695040888963407 (mod 2^64),
// out = s >> 33. Large fixture inputs are stored as (seed, n) and regenerated with it.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return s_ >> 33;
  }

 private:
  uint64_t s_;
};

// lcg_logprobs(seed, n) of the fixture script: -(u % 16000) / 1000.0.
inline std::vector<double> lcg_logprobs(uint64_t seed, size_t n) {
  Lcg g(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = -static_cast<double>(g.next() % 16000) / 1000.0;
  return v;
}

// Tolerance of every golden comparison: 1e-12 relative. The quantities are exact rationals
// (ROUGE) or short float64 sums computed in NumPy's order, so they agree to the last bit in
// practice; 1e-12 leaves room for a compiler that contracts a*b+c into an FMA.
constexpr double kRelTol = 1e-12;

// Counts of comparisons, and of those that were bit-identical.
struct Tally {
  long compared = 0;
  long exact = 0;
  long failed = 0;
};

// Compares one value with its golden value (a JSON number, or null for NaN); on mismatch
// records a failure naming `what` (the case). Returns true when within tolerance.
inline bool check_value(Tally& t, const json& golden, double got, const std::string& what) {
  ++t.compared;
  bool ok;
  double want = golden.is_null() ? std::nan("") : golden.get<double>();
  if (std::isnan(want) || std::isnan(got)) ok = std::isnan(want) && std::isnan(got);
  else ok = std::fabs(got - want) <= kRelTol * std::max(std::fabs(want), std::fabs(got));
  if (ok && (std::isnan(want) || got == want)) ++t.exact;
  if (!ok) {
    ++t.failed;
    if (t.failed <= 25) ADD_FAILURE() << what << ": got " << got << " want " << want;
  }
  return ok;
}

inline json load_fixture(const std::string& name) { return read_json_file(fixture("metrics/" + name)); }

inline void report(const char* name, const Tally& t) {
  std::printf("[ metrics  ] %s: %ld values compared, %ld bit-identical, %ld outside 1e-12\n", name, t.compared,
              t.exact, t.failed);
}

}  // namespace lethe::testing

#include "lethe/data/random.h"

namespace lethe::data {

uint64_t SplitMix64::next() {
  state_ += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t n) {
  // threshold = 2^64 mod n; values r < threshold would make r % n biased, so redraw them.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    const uint64_t r = next();
    if (r >= threshold) return r % n;
  }
}

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  SplitMix64 a(seed);
  SplitMix64 b(a.next() ^ (stream * 0xD1B54A32D192ED03ULL + 0x632BE59BD9B4E019ULL));
  return b.next();
}

std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> p(n > 0 ? n : 0);
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  SplitMix64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

}  // namespace lethe::data

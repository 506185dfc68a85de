// A small explicit PRNG (SplitMix64, Steele/Lea/Flood 2014) so that every shuffle and pairing is
// identical across runs, compilers and platforms (std::uniform_int_distribution and std::shuffle
// are implementation-defined).
#pragma once
#include <cstdint>
#include <vector>

namespace lethe::data {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  // state += 0x9E3779B97F4A7C15; z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
  // z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31.
  uint64_t next();
  // Uniform integer in [0, n) without modulo bias (rejects r < 2^64 mod n), n >= 1.
  uint64_t below(uint64_t n);

 private:
  uint64_t state_;
};

// A seed derived from (seed, stream): splitmix64 of seed, mixed with the stream number, so that
// epoch e of seed s and epoch e' of seed s' give unrelated sequences.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

// A permutation of 0..n-1: Fisher-Yates from the last index down, j = below(i + 1).
std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed);

}  // namespace lethe::data

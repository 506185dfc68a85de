// Forget/retain pairing: which retain example accompanies each forget example.
//   random  retain index drawn uniformly for each forget example with SplitMix64(seed) (WMDP recipe)
//   modulo  forget i with retain i mod n_retain (MUSE recipe; "cyclic" is accepted as a synonym)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lethe::data {

enum class PairingMode { random, modulo };

// Parses "random" | "modulo" | "cyclic"; throws ConfigError naming `key` otherwise.
PairingMode parse_pairing_mode(const std::string& value, const std::string& key = "pairing");
const char* to_string(PairingMode mode);

// result[i] = retain index paired with forget i, in [0, n_retain). n_retain = 0 gives an empty
// result (no retain set); throws ConfigError if n_forget > 0 and n_retain < 0.
std::vector<int64_t> pair_indices(int64_t n_forget, int64_t n_retain, PairingMode mode, uint64_t seed);

}  // namespace lethe::data

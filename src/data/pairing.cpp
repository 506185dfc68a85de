#include "lethe/data/pairing.h"

#include "lethe/core/error.h"
#include "lethe/data/random.h"

namespace lethe::data {

PairingMode parse_pairing_mode(const std::string& value, const std::string& key) {
  if (value == "random") return PairingMode::random;
  if (value == "modulo" || value == "cyclic") return PairingMode::modulo;
  throw ConfigError(key + ": unknown pairing '" + value + "' (expected random | modulo | cyclic)");
}

const char* to_string(PairingMode mode) { return mode == PairingMode::random ? "random" : "modulo"; }

std::vector<int64_t> pair_indices(int64_t n_forget, int64_t n_retain, PairingMode mode, uint64_t seed) {
  if (n_forget < 0 || n_retain < 0)
    throw ConfigError("pair_indices: negative set size (forget " + std::to_string(n_forget) +
                      ", retain " + std::to_string(n_retain) + ")");
  if (n_retain == 0) return {};
  std::vector<int64_t> out(n_forget);
  if (mode == PairingMode::modulo) {
    for (int64_t i = 0; i < n_forget; ++i) out[i] = i % n_retain;  // forget i -> retain i mod |R|
  } else {
    SplitMix64 rng(seed);
    for (int64_t i = 0; i < n_forget; ++i) out[i] = static_cast<int64_t>(rng.below(n_retain));
  }
  return out;
}

}  // namespace lethe::data

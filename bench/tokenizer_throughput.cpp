// Tokenizer throughput: encodes every line of a text file with lethe::Tokenizer (no special
// tokens), one warm-up pass then timed passes, and prints MB/s, tokens/s and a checksum of the
// ids (sum of id * (position+1) mod 2^61) to compare with bench/tokenizer_throughput_hf.py,
// which does the same with the HF fast tokenizer.
// Usage: tokenizer_throughput TOKENIZER_JSON TEXT_FILE [PASSES=3]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "lethe/core/error.h"
#include "lethe/tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " TOKENIZER_JSON TEXT_FILE [PASSES]\n";
    return 2;
  }
  try {
    auto tok = lethe::Tokenizer::from_file(argv[1]);
    int passes = argc > 3 ? std::atoi(argv[3]) : 3;
    std::ifstream in(argv[2]);
    std::vector<std::string> lines;
    size_t bytes = 0;
    for (std::string l; std::getline(in, l);) {
      bytes += l.size();
      lines.push_back(std::move(l));
    }
    auto run = [&](uint64_t& tokens, uint64_t& checksum) {
      tokens = 0;
      checksum = 0;
      for (const auto& l : lines) {
        auto ids = tok.encode(l, false);
        for (size_t i = 0; i < ids.size(); ++i) checksum = (checksum + uint64_t(ids[i]) * (i + 1)) % ((1ull << 61) - 1);
        tokens += ids.size();
      }
    };
    uint64_t tokens = 0, checksum = 0;
    run(tokens, checksum);  // warm-up (fills the BPE word cache)
    auto t0 = std::chrono::steady_clock::now();
    for (int p = 0; p < passes; ++p) run(tokens, checksum);
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / passes;
    std::printf("lethe: %zu lines, %.2f MB, %llu tokens, checksum %llu\n", lines.size(), bytes / 1e6,
                (unsigned long long)tokens, (unsigned long long)checksum);
    std::printf("lethe: %.3f s/pass, %.2f MB/s, %.0f tokens/s (1 thread)\n", sec, bytes / 1e6 / sec, tokens / sec);
    return 0;
  } catch (const lethe::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

// Helpers shared by the subcommands: dtype parsing, id lists, JSON output.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "lethe/core/error.h"

namespace lethe::cli {

inline torch::ScalarType parse_dtype(const std::string& s) {
  if (s == "float32" || s == "fp32") return torch::kFloat32;
  if (s == "bfloat16" || s == "bf16") return torch::kBFloat16;
  if (s == "float16" || s == "fp16") return torch::kFloat16;
  throw ConfigError("unknown dtype '" + s + "' (use float32 or bfloat16)");
}

// "1,2,3;4,5" -> {{1,2,3},{4,5}}
inline std::vector<std::vector<int64_t>> parse_id_lists(const std::string& s) {
  std::vector<std::vector<int64_t>> out(1);
  std::string num;
  auto flush = [&] {
    if (num.empty()) return;
    try {
      out.back().push_back(std::stoll(num));
    } catch (const std::exception&) {
      throw ConfigError("not a token id: '" + num + "'");
    }
    num.clear();
  };
  for (char c : s) {
    if (c == ',' || c == ' ') flush();
    else if (c == ';') { flush(); out.emplace_back(); }
    else num += c;
  }
  flush();
  for (const auto& v : out)
    if (v.empty()) throw ConfigError("empty token id list in '" + s + "'");
  return out;
}

}  // namespace lethe::cli

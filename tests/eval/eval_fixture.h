// Shared by the eval tests: the tiny fixture model of tests/reference/eval (made by
// tools/eval_reference.py with transformers) and its golden values.
#pragma once
#include <gtest/gtest.h>

#include "lethe/core/files.h"
#include "lethe/core/runtime.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/tokenizer_loader.h"
#include "test_paths.h"

namespace lethe::testing {

// fp32 forward passes here and in transformers differ by summation order only (~1e-6 relative
// on logits of magnitude <= 20): per-token log-probs agree to 1e-4, sums of a few tokens too.
constexpr double kLogprobTol = 1e-4;

struct EvalFixture {
  LoadedModel lm;
  Tokenizer tok;
  json golden;
  static EvalFixture& get() {
    static EvalFixture f = [] {
      init_threads();
      const std::string dir = fixture("eval/model");
      return EvalFixture{load_model(dir), load_tokenizer(dir), read_json_file(fixture("eval/golden.json"))};
    }();
    return f;
  }
};

template <class T>
std::vector<T> vec(const json& j) {
  return j.get<std::vector<T>>();
}

}  // namespace lethe::testing

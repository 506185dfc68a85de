// Convergence: the tiny Llama first memorizes a small forget set (and a retain set) by
// fine-tuning, then SimNPO / NPO (+ retain NLL) raise the forget NLL by a clear margin within a
// fixed step budget while the retain NLL moves far less. Prints the numbers.
#include <gtest/gtest.h>

#include <iostream>

#include "lethe/losses/sequence_nll.h"
#include "lethe/model/checkpoint.h"
#include "train_test_util.h"

using namespace lethe;
using namespace lethe::train;

namespace {

// Two forget and two retain batches (4 x 16 tokens each), fixed.
class Sets : public BatchProvider {
 public:
  explicit Sets(bool finetune) : finetune_(finetune), src_(2, 4, 16, true, 11) {}
  int64_t batches_per_epoch() override { return finetune_ ? 4 : 2; }
  std::pair<StepBatch, StepBatch> batch(int64_t epoch, int64_t index) override {
    if (finetune_) return {StepBatch{}, src_.make(index % 2, index / 2)};  // forget then retain batches
    return {src_.make(index, 0), src_.make(index, 1)};
  }
  double mean_nll(CausalLM& m, int64_t side) {
    torch::NoGradGuard ng;
    double s = 0;
    for (int64_t i = 0; i < 2; ++i) {
      auto b = src_.make(i, side);
      s += losses::nll_mean(losses::sequence_nll(m->forward({b.input_ids, b.attention_mask}), b.labels)).item<double>();
    }
    return s / 2;
  }

 private:
  bool finetune_;
  lethe::testing::RandomBatches src_;
};

}  // namespace

TEST(Convergence, SimNpoAndNpoForgetMoreThanTheyDisturbRetain) {
  const auto dir = lethe::testing::scratch_dir();
  Sets ft(true);
  auto fcfg = lethe::testing::tiny_config(dir + "/memorize", {"loss.forget=none", "train.max_steps=60", "optim.lr=1e-2"},
                                   TaskKind::finetune);
  auto mem = run_training(fcfg, ft, {"", 0, true});
  auto start = load_model(mem.final_dir).model;
  Sets probe(false);
  const double f0 = probe.mean_nll(start, 0), r0 = probe.mean_nll(start, 1);
  std::cout << "memorized: forget NLL " << f0 << ", retain NLL " << r0 << "\n";
  ASSERT_LT(f0, 1.5);  // memorized (log 96 = 4.56 for random tokens)
  for (std::string loss : {"simnpo", "npo"}) {
    Sets data(false);
    auto cfg = lethe::testing::tiny_config(dir + "/" + loss,
                                    {"model.path=" + mem.final_dir, "loss.forget=" + loss, "loss.beta=0.5",
                                     "loss.retain=nll", "loss.retain_weight=1.0", "train.max_steps=20", "optim.lr=2e-3"});
    auto res = run_training(cfg, data, {"", 0, true});
    auto m = load_model(res.final_dir).model;
    const double f1 = probe.mean_nll(m, 0), r1 = probe.mean_nll(m, 1);
    std::cout << loss << " after 20 steps: forget NLL " << f0 << " -> " << f1 << ", retain NLL " << r0 << " -> " << r1 << "\n";
    EXPECT_GT(f1 - f0, 2.0) << loss;                          // forget NLL rises clearly
    EXPECT_LT(std::abs(r1 - r0), 0.5 * (f1 - f0)) << loss;    // retain moves far less
  }
}

// MUSE VerbMem / KnowMem / PrivLeak and the MIA scores against the transformers reference
// (tools/eval_reference.py, greedy batch 1): generated text and ROUGE must be identical; batched
// generation must equal batch 1.
#include <gtest/gtest.h>

#include <cmath>

#include "eval_fixture.h"
#include "lethe/core/error.h"
#include "lethe/eval/muse.h"
#include "lethe/eval/suite.h"
#include "lethe/metrics/mia.h"

namespace lethe::eval {
namespace {
using lethe::testing::EvalFixture;
using lethe::testing::fixture;
using lethe::testing::kLogprobTol;

void expect_rouge(const RougeTaskResult& r, const json& g) {
  ASSERT_EQ(r.items.size(), g["items"].size());
  for (size_t i = 0; i < r.items.size(); ++i) {
    EXPECT_EQ(r.items[i].output, g["items"][i]["output"].get<std::string>()) << "item " << i;
    EXPECT_DOUBLE_EQ(r.items[i].f1, g["items"][i]["rougeL_f1"].get<double>()) << "item " << i;
  }
  EXPECT_NEAR(r.mean_f1, g["score"].get<double>(), 1e-12);
}

TEST(Muse, LoadsLayout) {
  const auto d = load_muse(fixture("eval/muse"));
  EXPECT_EQ(d.verbmem_forget.size(), 3u);
  EXPECT_EQ(d.knowmem_forget.size(), 2u);
  EXPECT_EQ(d.knowmem_forget_icl.size(), 1u);
  EXPECT_EQ(d.privleak_forget.size(), 5u);
  EXPECT_EQ(d.privleak_holdout.size(), 5u);
  EXPECT_THROW(load_muse(lethe::testing::scratch_dir()), ConfigError);
}

TEST(Muse, KnowmemCut) {
  EXPECT_EQ(knowmem_cut("blue\n\nQuestion: x"), "blue");
  EXPECT_EQ(knowmem_cut("four legs\nQuestion: y"), "four legs");
  EXPECT_EQ(knowmem_cut("a Question: b"), "a ");
  EXPECT_EQ(knowmem_cut("plain"), "plain");
}

TEST(Muse, VerbMemAndKnowMemMatchTransformers) {
  auto& f = EvalFixture::get();
  const auto d = load_muse(fixture("eval/muse"));
  for (int64_t bs : {1, 3}) {  // batch 3 left-pads prompts of different lengths
    SCOPED_TRACE("batch " + std::to_string(bs));
    GenerationOptions g;
    g.batch_size = bs;
    expect_rouge(verbmem(f.lm.model, f.tok, d.verbmem_forget, g), f.golden["verbmem"]);
    g.max_new_tokens = 32;
    expect_rouge(knowmem(f.lm.model, f.tok, d.knowmem_forget, d.knowmem_forget_icl, g), f.golden["knowmem_forget"]);
    expect_rouge(knowmem(f.lm.model, f.tok, d.knowmem_retain, d.knowmem_retain_icl, g), f.golden["knowmem_retain"]);
  }
}

TEST(Muse, MiaScoresMatchReference) {
  auto& f = EvalFixture::get();
  Scorer scorer(f.lm.model, {4});
  const std::vector<double> ks = {0.1, 0.2, 0.4, 0.6};
  for (const auto& g : f.golden["texts"]) {
    const bool bos = g["add_bos"].get<bool>();
    const auto s = mia_scores(scorer, f.tok, {g["text"].get<std::string>()}, ks, bos, 1).at(0);
    EXPECT_NEAR(s.loss, g["loss"].get<double>(), kLogprobTol);
    EXPECT_NEAR(s.zlib, g["zlib"].get<double>(), kLogprobTol);
    for (double k : ks) {
      const std::string key = "min_k_" + k_key(k), kpp = "min_k_plus_plus_" + k_key(k);
      if (g[key].is_null()) {
        EXPECT_TRUE(std::isnan(s.min_k.at(k_key(k)))) << key;  // floor(n K) = 0
      } else {
        EXPECT_NEAR(s.min_k.at(k_key(k)), g[key].get<double>(), kLogprobTol) << key;
        // z-scores divide by sigma >= 1e-3: allow 100x the log-prob tolerance
        EXPECT_NEAR(s.min_k_pp.at(k_key(k)), g[kpp].get<double>(), 1e-2 * std::max(1.0, std::abs(g[kpp].get<double>()))) << kpp;
      }
    }
  }
}

TEST(Muse, SuiteMetrics) {
  auto& f = EvalFixture::get();
  SuiteOptions o;
  o.data = fixture("eval/muse");
  o.batch_size = 2;
  const json r = make_suite("muse", o)->run(f.lm.model, f.tok);
  const auto m = flat_metrics(r);
  EXPECT_NEAR(m.at("verbmem_f"), f.golden["verbmem"]["score"].get<double>(), 1e-9);
  EXPECT_NEAR(m.at("knowmem_f"), f.golden["knowmem_forget"]["score"].get<double>(), 1e-9);
  EXPECT_NEAR(m.at("knowmem_r"), f.golden["knowmem_retain"]["score"].get<double>(), 1e-9);
  const auto& pl = f.golden["privleak"];
  EXPECT_DOUBLE_EQ(m.at("privleak_auc"), pl["auc"].get<double>());
  EXPECT_NEAR(m.at("privleak"), pl["privleak_books"].get<double>(), 1e-9);
  EXPECT_EQ(r["settings"]["rouge"]["use_stemmer"], false);
  EXPECT_TRUE(r["settings"]["privleak"].contains("auc_direction"));
  // The model as its own retrain model: PrivLeak = 0 exactly.
  o.retrain_model = fixture("eval/model");
  o.muse_parts = {"privleak"};
  const auto m2 = make_suite("muse", o)->run_metrics(f.lm.model, f.tok);
  EXPECT_EQ(m2.at("privleak"), 0.0);
  EXPECT_EQ(m2.count("verbmem_f"), 0u);
}

}  // namespace
}  // namespace lethe::eval

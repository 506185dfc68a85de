// The scoring engine against transformers (golden from tools/eval_reference.py): lm-eval's
// context/continuation split, summed log-likelihoods, is_greedy, per-token stats; batching and
// sorting must not change any result.
#include <gtest/gtest.h>

#include "eval_fixture.h"
#include "lethe/core/error.h"
#include "lethe/eval/multiple_choice.h"
#include "lethe/eval/scoring.h"

namespace lethe::eval {
namespace {
using lethe::testing::EvalFixture;
using lethe::testing::kLogprobTol;
using lethe::testing::vec;

TEST(EncodePair, TrailingWhitespaceMovesToContinuation) {
  auto& f = EvalFixture::get();
  const auto a = encode_pair(f.tok, "Answer: ", "B", 0);
  const auto b = encode_pair(f.tok, "Answer:", " B", 0);
  EXPECT_EQ(a.context, b.context);
  EXPECT_EQ(a.continuation, b.continuation);
  EXPECT_EQ(a.context, f.tok.encode("Answer:", false));
  // continuation = tail of encode(context + continuation)
  auto whole = f.tok.encode("Answer: B", false);
  EXPECT_EQ(std::vector<int32_t>(whole.begin() + a.context.size(), whole.end()), a.continuation);
}

TEST(EncodePair, EmptyContextUsesEot) {
  auto& f = EvalFixture::get();
  const auto r = encode_pair(f.tok, "   ", "hello", 7);
  EXPECT_EQ(r.context, std::vector<int32_t>{7});
  EXPECT_EQ(r.continuation, f.tok.encode("   hello", false));
}

// Every MC request of the golden file: tokens identical, log-likelihood within fp32 noise,
// is_greedy identical. Batch 5 with sorting mixes questions of different lengths.
TEST(Scorer, LoglikelihoodMatchesTransformers) {
  auto& f = EvalFixture::get();
  std::vector<LoglikelihoodRequest> reqs;
  std::vector<double> want;
  std::vector<bool> greedy;
  const auto wmdp = load_wmdp(lethe::testing::fixture("eval/mc/wmdp"));
  size_t qi = 0;
  for (const char* s : {"bio", "cyber"}) {
    for (const auto& g : f.golden["wmdp"][s]) {
      const auto& q = wmdp.at(qi++);
      const std::string ctx = mc_context(q, {});
      for (size_t c = 0; c < 4; ++c) {
        auto r = encode_pair(f.tok, ctx, std::string(" ") + "ABCD"[c], 0);
        ASSERT_EQ(r.context, vec<int32_t>(g["context_tokens"])) << "question " << qi;
        ASSERT_EQ(r.continuation, vec<int32_t>(g["continuation_tokens"][c]));
        reqs.push_back(r);
        want.push_back(g["logprobs"][c].get<double>());
        greedy.push_back(g["is_greedy"][c].get<bool>());
      }
    }
  }
  ASSERT_EQ(reqs.size(), 48u);
  Scorer scorer(f.lm.model, {5});
  const auto got = scorer.loglikelihood(reqs);
  int n_greedy = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_NEAR(got[i].logprob, want[i], kLogprobTol) << "request " << i;
    EXPECT_EQ(got[i].is_greedy, greedy[i]) << "request " << i;
    EXPECT_EQ(got[i].n_tokens, static_cast<int64_t>(reqs[i].continuation.size()));
    n_greedy += greedy[i];
  }
  EXPECT_LT(n_greedy, 48);
  // Batch 1 gives the same numbers (up to fp32 noise of different padding).
  Scorer one(f.lm.model, {1});
  const auto single = one.loglikelihood(reqs);
  for (size_t i = 0; i < reqs.size(); ++i) EXPECT_NEAR(single[i].logprob, got[i].logprob, 1e-5);
}

// is_greedy = true: the reference's greedy VerbMem continuation, scored as a continuation of
// BOS + prompt, is the argmax at every position.
TEST(Scorer, GreedyContinuationIsGreedy) {
  auto& f = EvalFixture::get();
  const auto d = read_json_file(lethe::testing::fixture("eval/muse/verbmem/forget.json"));
  std::vector<LoglikelihoodRequest> reqs;
  for (size_t i = 0; i < d.size(); ++i) {
    auto gen = vec<int32_t>(f.golden["verbmem"]["items"][i]["generated_tokens"]);
    if (gen.empty()) continue;
    auto ctx = f.tok.encode(d[i]["prompt"].get<std::string>(), false);
    ctx.insert(ctx.begin(), 1);
    reqs.push_back({ctx, gen});
  }
  ASSERT_FALSE(reqs.empty());
  Scorer scorer(f.lm.model, {2});
  for (const auto& r : scorer.loglikelihood(reqs)) EXPECT_TRUE(r.is_greedy);
  // Changing the last token of each continuation makes it non-greedy.
  for (auto& r : reqs) r.continuation.back() = (r.continuation.back() + 1) % 1000;
  for (const auto& r : scorer.loglikelihood(reqs)) EXPECT_FALSE(r.is_greedy);
}

TEST(Scorer, TokenStatsMatchTransformers) {
  auto& f = EvalFixture::get();
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& t : f.golden["texts"]) seqs.push_back(vec<int32_t>(t["tokens"]));
  Scorer scorer(f.lm.model, {3});
  const auto got = scorer.token_stats(seqs, true);
  for (size_t i = 0; i < seqs.size(); ++i) {
    const auto& g = f.golden["texts"][i];
    const auto lp = vec<double>(g["logprobs"]), mu = vec<double>(g["mu"]), sd = vec<double>(g["sigma"]);
    ASSERT_EQ(got[i].logprobs.size(), lp.size());
    EXPECT_FALSE(got[i].truncated);
    for (size_t t = 0; t < lp.size(); ++t) {
      EXPECT_NEAR(got[i].logprobs[t], lp[t], kLogprobTol) << "text " << i << " token " << t;
      EXPECT_NEAR(got[i].mu[t], mu[t], kLogprobTol);
      EXPECT_NEAR(got[i].sigma[t], sd[t], kLogprobTol);
    }
  }
}

TEST(Scorer, TruncatesAndRejects) {
  auto& f = EvalFixture::get();
  ScorerOptions o;
  o.max_length = 4;
  o.logit_chunk = 2;  // several projection chunks
  Scorer s(f.lm.model, o);
  const std::vector<int32_t> ids = {5, 6, 7, 8, 9, 10, 11};
  const auto st = s.token_stats({ids}, false);
  EXPECT_TRUE(st[0].truncated);
  EXPECT_EQ(st[0].logprobs.size(), 4u);
  EXPECT_TRUE(st[0].mu.empty());
  // lm-eval keeps the *tail* of context + continuation for loglikelihood.
  const auto ll = s.loglikelihood({{{5, 6, 7, 8, 9}, {10, 11}}});
  Scorer full(f.lm.model, {});
  const auto tail = full.loglikelihood({{{7, 8, 9}, {10, 11}}});
  EXPECT_NEAR(ll[0].logprob, tail[0].logprob, 1e-6);
  EXPECT_THROW(s.token_stats({{5}}, false), ConfigError);
  EXPECT_THROW(s.loglikelihood({{{5}, {}}}), ConfigError);
  EXPECT_THROW(Scorer(f.lm.model, {0}), ConfigError);
}

}  // namespace
}  // namespace lethe::eval

// Seeded randomness, forget/retain pairing, DataOrder (per-epoch order, cursor, exact resume) and
// BatchPlan (concat and round-robin topics).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "lethe/core/error.h"
#include "lethe/data/batch_plan.h"
#include "lethe/data/order.h"
#include "lethe/data/pairing.h"
#include "lethe/data/random.h"

using namespace lethe;
using namespace lethe::data;
using V = std::vector<int64_t>;

TEST(SplitMix64, MatchesPublishedVectors) {
  // Vigna's splitmix64.c: seed 0 -> 0xE220A8397B1DCDAF; seed 1234567 -> the Java SplittableRandom
  // test vectors.
  SplitMix64 a(0);
  EXPECT_EQ(a.next(), 0xE220A8397B1DCDAFULL);
  SplitMix64 b(1234567);
  EXPECT_EQ(b.next(), 6457827717110365317ULL);
  EXPECT_EQ(b.next(), 3203168211198807973ULL);
  EXPECT_EQ(b.next(), 9817491932198370423ULL);
}

TEST(SplitMix64, BelowStaysInRangeAndIsRoughlyUniform) {
  SplitMix64 r(7);
  std::vector<int> bins(10, 0);
  for (int i = 0; i < 20000; ++i) {
    const auto v = r.below(10);
    ASSERT_LT(v, 10u);
    ++bins[v];
  }
  // Expected 2000 per bin, sd ~42: +-300 is > 7 sd, so this fails only for a broken generator.
  for (int c : bins) EXPECT_NEAR(c, 2000, 300);
  EXPECT_EQ(SplitMix64(3).below(1), 0u);
}

TEST(Pairing, RandomMatchesAnIndependentImplementation) {
  // Values from a separate Python implementation of SplitMix64 + rejection (plain integers).
  EXPECT_EQ(pair_indices(8, 5, PairingMode::random, 1001), (V{1, 4, 2, 4, 2, 3, 0, 4}));
}

TEST(Pairing, RandomIsReproducibleAndInRange) {
  const auto a = pair_indices(1000, 37, PairingMode::random, 1001);
  EXPECT_EQ(a, pair_indices(1000, 37, PairingMode::random, 1001));
  EXPECT_NE(a, pair_indices(1000, 37, PairingMode::random, 1002));
  ASSERT_EQ(a.size(), 1000u);
  std::set<int64_t> seen;
  for (auto v : a) {
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 37);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 37u);  // 1000 draws over 37 values: P(any missing) < 37 * (36/37)^1000 ~ 1e-10
}

TEST(Pairing, ModuloAndEdgeCases) {
  EXPECT_EQ(pair_indices(7, 3, PairingMode::modulo, 0), (V{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_EQ(pair_indices(2, 5, PairingMode::modulo, 0), (V{0, 1}));
  EXPECT_TRUE(pair_indices(4, 0, PairingMode::random, 0).empty());  // no retain set
  EXPECT_THROW(pair_indices(-1, 3, PairingMode::random, 0), ConfigError);
  EXPECT_EQ(parse_pairing_mode("cyclic"), PairingMode::modulo);
  EXPECT_EQ(parse_pairing_mode("modulo"), PairingMode::modulo);
  EXPECT_THROW(parse_pairing_mode("zip", "data.pairing"), ConfigError);
}

TEST(Permutation, IsAPermutationAndMatchesIndependentImplementation) {
  EXPECT_EQ(seeded_permutation(10, derive_seed(42, 0)), (V{0, 3, 9, 2, 1, 5, 4, 8, 7, 6}));
  EXPECT_EQ(seeded_permutation(10, derive_seed(42, 1)), (V{6, 2, 7, 4, 5, 9, 3, 8, 1, 0}));
  auto p = seeded_permutation(1000, 5);
  std::sort(p.begin(), p.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(p[i], i);
  EXPECT_TRUE(seeded_permutation(0, 1).empty());
}

TEST(DataOrder, SequentialAndShuffled) {
  DataOrder seq(5, false, 1);
  EXPECT_EQ(seq.epoch_order(3), (V{0, 1, 2, 3, 4}));
  DataOrder sh(10, true, 42);
  EXPECT_EQ(sh.epoch_order(0), seeded_permutation(10, derive_seed(42, 0)));
  EXPECT_NE(sh.epoch_order(0), sh.epoch_order(1));  // fresh order each epoch
  EXPECT_EQ(sh.epoch_order(0), DataOrder(10, true, 42).epoch_order(0));
}

TEST(DataOrder, BatchesCoverTheEpoch) {
  DataOrder o(10, true, 3);
  EXPECT_EQ(o.num_batches(4), 3);
  EXPECT_EQ(o.num_batches(4, /*drop_last=*/true), 2);
  V all;
  for (int64_t b = 0; b < 3; ++b) {
    auto idx = o.batch_indices(2, b, 4);
    EXPECT_EQ(idx.size(), b < 2 ? 4u : 2u);
    all.insert(all.end(), idx.begin(), idx.end());
  }
  EXPECT_EQ(all, o.epoch_order(2));
  EXPECT_THROW(o.batch_indices(0, 3, 4), ConfigError);
  EXPECT_THROW(o.num_batches(0), ConfigError);
}

TEST(DataOrder, CursorCrossesEpochs) {
  DataOrder o(4, true, 9);
  const auto e0 = o.epoch_order(0), e1 = o.epoch_order(1);
  auto a = o.next(3);
  EXPECT_EQ(a, V(e0.begin(), e0.begin() + 3));
  auto b = o.next(3);  // last of epoch 0, then two of epoch 1
  EXPECT_EQ(b, (V{e0[3], e1[0], e1[1]}));
  EXPECT_EQ(o.position(), (DataOrder::Position{1, 2}));
  auto c = o.next_in_epoch(5);  // stops at the end of epoch 1
  EXPECT_EQ(c, (V{e1[2], e1[3]}));
  EXPECT_EQ(o.position(), (DataOrder::Position{2, 0}));
}

TEST(DataOrder, ResumeEqualsUninterruptedOrder) {
  DataOrder full(7, true, 1001);
  const V expected = full.next(40);  // ~6 epochs in one go

  DataOrder first(7, true, 1001);
  V got = first.next(11);
  const json saved = first.state();
  const std::string text = saved.dump();  // as written to a checkpoint

  DataOrder resumed(7, true, 1001);
  resumed.restore(json::parse(text));
  EXPECT_EQ(resumed.position(), first.position());
  auto rest = resumed.next(29);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, expected);
}

TEST(DataOrder, RestoreRejectsOtherData) {
  DataOrder a(7, true, 1);
  a.next(3);
  const json s = a.state();
  DataOrder other_n(8, true, 1), other_seed(7, true, 2), other_shuffle(7, false, 1);
  EXPECT_THROW(other_n.restore(s), ConfigError);
  EXPECT_THROW(other_seed.restore(s), ConfigError);
  EXPECT_THROW(other_shuffle.restore(s), ConfigError);
  json broken = s;
  broken.erase("epoch");
  DataOrder b(7, true, 1);
  EXPECT_THROW(b.restore(broken), ConfigError);
  EXPECT_THROW(b.seek({0, 8}), ConfigError);
  b.seek({0, 7});  // end of epoch 0 is the start of epoch 1
  EXPECT_EQ(b.position(), (DataOrder::Position{1, 0}));
}

TEST(BatchPlan, ConcatIsOneDataOrder) {
  BatchPlan plan({7}, ForgetMix::concat, 3, 2, true, 11);
  DataOrder order(7, true, 11);
  EXPECT_EQ(plan.batches_per_epoch(), 3);
  for (int64_t e = 0; e < 2; ++e)
    for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(plan.indices(e, i), order.batch_indices(e, i, 3));
  EXPECT_EQ(plan.topic(0, 1), -1);
  EXPECT_THROW(plan.indices(0, 3), ConfigError);
}

TEST(BatchPlan, RoundRobinAlternatesTopicsPerStep) {
  // WMDP's loop with 2 topics, batch 2, no accumulation, no shuffle: step s reads topic s % 2,
  // batch s / 2 of it. Topic 0 = rows 0..4 (3 batches), topic 1 = rows 5..8 (2 batches).
  BatchPlan plan({5, 4}, ForgetMix::round_robin, 2, 1, false, 0);
  EXPECT_EQ(plan.batches_per_epoch(), 6);  // 2 topics x max(3, 2) steps
  const std::vector<V> want = {{0, 1}, {5, 6}, {2, 3}, {7, 8}, {4}, {5, 6}};  // topic 1 starts over
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(plan.indices(0, i), want[i]) << "step " << i;
    EXPECT_EQ(plan.topic(0, i), i % 2);
  }
  // The run goes on in epoch 1 where it stopped: topic 0 restarts, topic 1 continues its stream
  // (position 3 = its epoch 1, batch 1).
  EXPECT_EQ(plan.indices(1, 0), (V{0, 1}));
  EXPECT_EQ(plan.indices(1, 1), (V{7, 8}));
}

TEST(BatchPlan, RoundRobinKeepsAStepsMicroBatchesInOneTopic) {
  // 3 topics, batch 1, 2 micro-batches per step: step s = micro-batches 2s, 2s+1, both of topic s % 3,
  // and topic t's k-th step reads positions 2k, 2k+1 of its own stream.
  BatchPlan plan({4, 2, 3}, ForgetMix::round_robin, 1, 2, false, 0);
  EXPECT_EQ(plan.batches_per_epoch(), 3 * 2 * 2);  // 3 topics x ceil(4 / 2) steps x 2
  const std::vector<V> want = {{0}, {1}, {4}, {5}, {6}, {7}, {2}, {3}, {4}, {5}, {8}, {6}};
  for (int64_t i = 0; i < 12; ++i) {
    EXPECT_EQ(plan.indices(0, i), want[i]) << "micro-batch " << i;
    EXPECT_EQ(plan.topic(0, i), (i / 2) % 3);
  }
}

TEST(BatchPlan, RoundRobinShufflesEachTopicDeterministically) {
  BatchPlan a({6, 5}, ForgetMix::round_robin, 2, 1, true, 42), b({6, 5}, ForgetMix::round_robin, 2, 1, true, 42);
  // Each topic is shuffled by its own DataOrder(n_t, true, derive_seed(seed, t)).
  DataOrder o0(6, true, derive_seed(42, 0)), o1(5, true, derive_seed(42, 1));
  std::set<int64_t> seen0, seen1;
  for (int64_t e = 0; e < 2; ++e)
    for (int64_t i = 0; i < a.batches_per_epoch(); ++i) {
      const auto idx = a.indices(e, i);
      EXPECT_EQ(idx, b.indices(e, i));  // a pure function of (epoch, index)
      if (e == 0) (i % 2 ? seen1 : seen0).insert(idx.begin(), idx.end());
    }
  EXPECT_EQ(a.indices(0, 0), o0.batch_indices(0, 0, 2));
  auto t1 = o1.batch_indices(0, 0, 2);
  for (auto& r : t1) r += 6;
  EXPECT_EQ(a.indices(0, 1), t1);
  EXPECT_EQ(seen0.size(), 6u);  // every row of every topic within the epoch
  EXPECT_EQ(seen1.size(), 5u);
  EXPECT_NE(BatchPlan({6, 5}, ForgetMix::round_robin, 2, 1, true, 43).indices(0, 0), a.indices(0, 0));
}

TEST(BatchPlan, BadArguments) {
  EXPECT_THROW(BatchPlan({3, 0}, ForgetMix::round_robin, 1, 1, false, 0), ConfigError);
  EXPECT_THROW(BatchPlan({3}, ForgetMix::concat, 0, 1, false, 0), ConfigError);
  EXPECT_THROW(BatchPlan({3}, ForgetMix::concat, 1, 0, false, 0), ConfigError);
  EXPECT_EQ(parse_forget_mix("round_robin"), ForgetMix::round_robin);
  EXPECT_THROW(parse_forget_mix("mixed", "data.forget_mix"), ConfigError);
}

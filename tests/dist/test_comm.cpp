// dist::Comm over Gloo with two ranks in two threads (FileStore rendezvous in a scratch dir, so
// parallel test runs cannot collide): all_reduce_mean, broadcast, barrier; the torchrun
// environment parsing; rank_rows.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "lethe/core/error.h"
#include "lethe/dist/comm.h"
#include "test_errors.h"
#include "test_paths.h"

using namespace lethe;

namespace {

// Runs body(comm) on ranks 0 and 1, each in its own thread; rethrows the first failure.
template <class F>
void two_ranks(const std::string& store, F body) {
  std::exception_ptr err[2];
  std::thread t[2];
  for (int r = 0; r < 2; ++r)
    t[r] = std::thread([&, r] {
      try {
        auto c = dist::Comm::over_file(store, r, 2, dist::Backend::gloo, std::chrono::seconds(30));
        body(*c);
      } catch (...) {
        err[r] = std::current_exception();
      }
    });
  for (auto& x : t) x.join();
  for (auto& e : err)
    if (e) std::rethrow_exception(e);
}

}  // namespace

TEST(Comm, AllReduceMeanAveragesEveryDtypeInPlace) {
  torch::Tensor f[2], b[2], d[2], i[2], nc[2];
  int ranks[2] = {-1, -1}, sizes[2] = {0, 0};
  two_ranks(lethe::testing::scratch_dir() + "/store", [&](dist::Comm& c) {
    const int r = c.rank();
    ranks[r] = r;
    sizes[r] = c.world_size();
    f[r] = torch::tensor({1.0f, -2.0f, 0.5f}) * float(r + 1);          // rank 0: x, rank 1: 2x
    b[r] = torch::full({4}, r == 0 ? 1.0 : 3.0, torch::kBFloat16);      // mean 2, exact in bf16
    d[r] = torch::tensor({1e-300, 1.0}, torch::kFloat64) * double(r);   // mean 0.5 * that
    i[r] = torch::tensor({int64_t(10) + r * 4}, torch::kInt64);          // mean 12
    nc[r] = torch::arange(6, torch::kFloat32).view({2, 3}).t() + float(10 * r);  // non-contiguous
    c.all_reduce_mean({f[r], b[r], d[r], i[r], nc[r]});
    c.barrier();
  });
  EXPECT_EQ(ranks[0], 0);
  EXPECT_EQ(ranks[1], 1);
  EXPECT_EQ(sizes[0], 2);
  for (int r = 0; r < 2; ++r) {
    // (x + 2x) / 2 = 1.5x: exact in float32 for these values.
    EXPECT_TRUE(torch::equal(f[r], torch::tensor({1.5f, -3.0f, 0.75f}))) << f[r];
    EXPECT_EQ(b[r].scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(b[r], torch::full({4}, 2.0, torch::kBFloat16)));
    EXPECT_EQ(d[r][0].item<double>(), 0.5e-300);  // float64 travels as float64
    EXPECT_EQ(d[r][1].item<double>(), 0.5);
    EXPECT_EQ(i[r].item<int64_t>(), 12);
    EXPECT_TRUE(torch::equal(nc[r], torch::arange(6, torch::kFloat32).view({2, 3}).t() + 5.0f)) << nc[r];
  }
}

TEST(Comm, BroadcastCopiesTheRootsValues) {
  torch::Tensor w[2], k[2];
  two_ranks(lethe::testing::scratch_dir() + "/store", [&](dist::Comm& c) {
    const int r = c.rank();
    w[r] = torch::full({3, 2}, float(r + 7));
    k[r] = torch::tensor({int64_t(100 + r)});
    c.broadcast({w[r], k[r]}, 1);
  });
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(torch::equal(w[r], torch::full({3, 2}, 8.0f)));
    EXPECT_EQ(k[r].item<int64_t>(), 101);
  }
}

TEST(Comm, ManyTensorsSpanSeveralBuckets) {
  // 2^24 elements per bucket: a 17M-element tensor forces a second bucket after the small one.
  torch::Tensor small[2], big[2];
  two_ranks(lethe::testing::scratch_dir() + "/store", [&](dist::Comm& c) {
    const int r = c.rank();
    small[r] = torch::full({5}, float(2 * r));
    big[r] = torch::full({int64_t(17) << 20}, float(4 * r));
    c.all_reduce_mean({small[r], big[r]});
  });
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(torch::equal(small[r], torch::full({5}, 1.0f)));
    EXPECT_EQ(big[r].min().item<float>(), 2.0f);
    EXPECT_EQ(big[r].max().item<float>(), 2.0f);
  }
}

namespace {

// Sets the torchrun variables for one test, unsetting them afterwards.
struct Env {
  explicit Env(std::vector<std::pair<const char*, const char*>> vars) : vars_(std::move(vars)) {
    for (auto* k : kNames) unsetenv(k);
    for (auto& [k, v] : vars_) setenv(k, v, 1);
  }
  ~Env() {
    for (auto* k : kNames) unsetenv(k);
  }
  static constexpr const char* kNames[] = {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  std::vector<std::pair<const char*, const char*>> vars_;
};

}  // namespace

TEST(LaunchEnv, ReadsTorchrunVariables) {
  {
    Env e({});
    EXPECT_FALSE(dist::launch_env().has_value());
  }
  {
    Env e({{"RANK", "3"}, {"LOCAL_RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_WORLD_SIZE", "2"},
           {"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29511"}});
    auto env = dist::launch_env();
    ASSERT_TRUE(env.has_value());
    EXPECT_EQ(env->rank, 3);
    EXPECT_EQ(env->local_rank, 1);
    EXPECT_EQ(env->world_size, 4);
    EXPECT_EQ(env->local_world_size, 2);
    EXPECT_EQ(env->master_addr, "10.0.0.5");
    EXPECT_EQ(env->master_port, 29511);
  }
  {
    Env e({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "x"}, {"MASTER_PORT", "1"}});
    auto msg = lethe::testing::error_text<ConfigError>([] { dist::launch_env(); });
    EXPECT_NE(msg.find("RANK=2 but WORLD_SIZE=2"), std::string::npos) << msg;
  }
  {
    Env e({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "x"}, {"MASTER_PORT", "abc"}});
    auto msg = lethe::testing::error_text<ConfigError>([] { dist::launch_env(); });
    EXPECT_NE(msg.find("MASTER_PORT='abc'"), std::string::npos) << msg;
  }
  {
    Env e({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "29500"}});
    auto msg = lethe::testing::error_text<ConfigError>([] { dist::launch_env(); });
    EXPECT_NE(msg.find("MASTER_ADDR is not set"), std::string::npos) << msg;
  }
}

TEST(RankRows, EqualSharesOrAnError) {
  EXPECT_EQ(dist::rank_rows(8, 0, 2), std::make_pair(int64_t(0), int64_t(4)));
  EXPECT_EQ(dist::rank_rows(8, 1, 2), std::make_pair(int64_t(4), int64_t(8)));
  EXPECT_EQ(dist::rank_rows(6, 2, 3), std::make_pair(int64_t(4), int64_t(6)));
  auto msg = lethe::testing::error_text<ConfigError>([] { dist::rank_rows(5, 0, 2); });
  EXPECT_NE(msg.find("5 rows cannot be shared equally by 2 ranks"), std::string::npos) << msg;
}

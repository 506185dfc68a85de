// `lethe launch` end to end: a 2-rank unlearning run (batch_size 2 per rank) ends with the
// parameters of a 1-rank run with batch_size 4; a failing worker makes launch exit non-zero.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "lethe/core/files.h"
#include "lethe/io/safetensors.h"
#include "test_paths.h"

using namespace lethe;

namespace {

struct Run {
  int code;
  std::string out;
};

// Runs `lethe ARGS` with stderr folded into the output, one thread per worker.
Run lethe_run(const std::string& args) {
  const std::string cmd = "OMP_NUM_THREADS=1 LETHE_THREADS=1 " + std::string(LETHE_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

std::map<std::string, torch::Tensor> weights(const std::string& dir) {
  auto f = SafetensorsFile::open(dir + "/model.safetensors");
  std::map<std::string, torch::Tensor> out;
  for (auto& n : f.names()) out[n] = f.tensor(n);
  return out;
}

// A tiny qwen2-shaped model with the byte-level fixture tokenizer, forget/retain text and a recipe:
// NPO + retain NLL (a reference model, token means), 16 forget rows of exactly 8 tokens
// (token_stream cut, so every rank's share holds the same number of tokens), 3 steps of 2
// micro-batches (crossing an epoch), shuffled.
std::string setup(const std::string& dir) {
  const std::string tok_dir = lethe::testing::fixture("tokenizer/bytelevel");
  const auto vocab = read_json_file(tok_dir + "/tokenizer.json")["model"]["vocab"].size();
  json cfg = {{"model_type", "qwen2"}, {"vocab_size", vocab + 16}, {"hidden_size", 32}, {"intermediate_size", 48},
              {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
              {"tie_word_embeddings", true}};
  write_json_file(dir + "/config.json", cfg);
  auto r = lethe_run("init-model --config " + dir + "/config.json --out " + dir + "/model --seed 1 --tokenizer-from " + tok_dir);
  EXPECT_EQ(r.code, 0) << r.out;
  std::string forget, retain;
  for (int i = 0; i < 40; ++i) {
    forget += "The lighthouse keeper " + std::to_string(i) + " counted ships at dawn and wrote them down.\n\n";
    retain += "Bread number " + std::to_string(i) + " rises slowly in a warm kitchen by the river.\n\n";
  }
  write_text_file_atomic(dir + "/forget.txt", forget);
  write_text_file_atomic(dir + "/retain.txt", retain);
  const std::string recipe =
      "model: {path: " + dir + "/model}\n"
      "data:\n"
      "  forget: [" + dir + "/forget.txt]\n"
      "  retain: [" + dir + "/retain.txt]\n"
      "  cut: token_stream\n"
      "  max_length: 8\n"
      "  bos_id: 1\n"
      "  max_examples: 16\n"
      "loss: {forget: npo, retain: nll}\n"
      "optim: {lr: 0.001}\n"
      "train: {max_steps: 3, grad_accum: 2, threads: 1}\n";
  write_text_file_atomic(dir + "/recipe.yaml", recipe);
  return dir + "/recipe.yaml";
}

}  // namespace

TEST(Launch, TwoRanksEqualOneRankWithTheDoubledBatch) {
  const auto dir = lethe::testing::scratch_dir();
  const auto recipe = setup(dir);
  auto one = lethe_run("unlearn --config " + recipe + " --set train.batch_size=4 --set output.dir=" + dir + "/one");
  ASSERT_EQ(one.code, 0) << one.out;
  auto two = lethe_run("launch --nproc-per-node 2 -- unlearn --config " + recipe +
                       " --set train.batch_size=2 --set output.dir=" + dir + "/two");
  ASSERT_EQ(two.code, 0) << two.out;
  EXPECT_NE(two.out.find("[rank 0] trained 3 steps"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("[rank 1] trained 3 steps"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("global batch 2 x 2 x 2 = 8"), std::string::npos) << two.out;

  auto w1 = weights(dir + "/one/final"), w2 = weights(dir + "/two/final"), w0 = weights(dir + "/model");
  ASSERT_EQ(w1.size(), w2.size());
  // The all-reduce averages two rank means where the 1-rank run reduces one batch: float32
  // rounding differs (~1e-7 relative per gradient element). AdamW divides by sqrt(v), which turns
  // such differences in near-zero gradient elements into visible update differences, so the
  // bound is relative to what training can move a weight: |w1 - w2| <= 1e-3 x (steps x lr) =
  // 3e-6, while the runs moved weights by more than 5e-4.
  double moved = 0, worst = 0;
  for (auto& [n, t] : w1) {
    ASSERT_TRUE(w2.count(n)) << n;
    const double d = (t - w2[n]).abs().max().item<double>();
    EXPECT_LE(d, 3e-6) << n;
    worst = std::max(worst, d);
    moved = std::max(moved, (t - w0[n]).abs().max().item<double>());
  }
  std::cerr << "max |w(2 ranks) - w(1 rank)| = " << worst << ", max |w - w0| = " << moved << "\n";
  EXPECT_GT(moved, 5e-4);  // the runs trained: equality is not trivial
  // Only rank 0 wrote: one log of 3 lines, each with the global batch.
  // The logged loss is the mean over ranks: the 1-rank loss up to float32 rounding.
  std::ifstream log(dir + "/two/log.jsonl"), log1(dir + "/one/log.jsonl");
  int lines = 0;
  for (std::string l, l1; std::getline(log, l) && std::getline(log1, l1); ++lines) {
    const auto j = json::parse(l), j1 = json::parse(l1);
    EXPECT_EQ(j["global_batch"], 8);
    EXPECT_EQ(j1["global_batch"], 8);  // 4 x 2 x 1: the same global batch
    EXPECT_NEAR(j["loss"].get<double>(), j1["loss"].get<double>(), 1e-5 * std::abs(j1["loss"].get<double>())) << l;
    EXPECT_EQ(j["tokens"], j1["tokens"]);
  }
  EXPECT_EQ(lines, 3);
}

TEST(Launch, UnevenLastMicroBatchIsRejectedOnEveryRank) {
  const auto dir = lethe::testing::scratch_dir();
  const auto recipe = setup(dir);
  // 15 rows in micro-batches of 2 x 2: the last one has 3 rows, which 2 ranks cannot share.
  auto r = lethe_run("launch --nproc-per-node 2 -- unlearn --config " + recipe +
                     " --set data.max_examples=15 --set train.batch_size=2 --set output.dir=" + dir + "/out");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("15 examples end in a micro-batch of 3 rows, which 2 ranks"), std::string::npos) << r.out;
}

TEST(Launch, AFailingWorkerStopsTheOthersAndFailsTheLaunch) {
  const auto dir = lethe::testing::scratch_dir();
  const auto recipe = setup(dir);
  // The rendezvous port is held by a listener that never answers: rank 0 cannot serve its store
  // there and fails; rank 1 connects to the silent listener and would wait for 30 minutes, so
  // launch must stop it.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = lethe_run("launch --nproc-per-node 2 --master-port " + std::to_string(ntohs(a.sin_port)) +
                     " -- unlearn --config " + recipe + " --set train.batch_size=2 --set output.dir=" + dir + "/out");
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  close(fd);
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("lethe launch: rank 0 failed (exit status 1); stopping the other workers"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[rank 0] lethe: error: dist: rank 0 could not reach the rendezvous store"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("rank 1 failed"), std::string::npos) << r.out;  // stopped, not failed on its own
  EXPECT_LT(secs, 30.0);
  // A command that fails on every rank: launch exits with the worker's status.
  r = lethe_run("launch --nproc-per-node 2 -- unlearn --config " + dir + "/missing.yaml");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("[rank 1] "), std::string::npos) << r.out;
  r = lethe_run("launch --nproc-per-node 0 -- inspect x");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--nproc-per-node must be >= 1"), std::string::npos) << r.out;
}

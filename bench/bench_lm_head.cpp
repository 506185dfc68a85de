// Vocabulary head + loss, plain vs chunked (lethe::losses::sequence_nll_from_hidden), at the
// SmolLM2-135M shape: 2048 predicted tokens x 49,152 vocabulary x C = 576, fp32 and bf16.
// One step = logits/NLL forward + backward to hidden and head weight (loss = nll_mean).
//
// It first checks the two paths agree (loss and both gradients) on the full problem, then times
// each (dtype, path) in a fresh child process (re-exec of this binary) so that the peak resident
// memory (VmHWM, reset through /proc/self/clear_refs) belongs to that path alone.
// Compares against: the plain path (the same libtorch ops as HF's lm_head + cross_entropy), and
// the figures of docs PERFORMANCE.md (bf16: plain 1.24-1.29 s +1.54 GB, chunked 1.35-1.40 s
// +0.22 GB on this machine).
//
// Usage: bench_lm_head [--tokens N] [--vocab V] [--channels C] [--chunk R] [--reps K] [--threads T]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "lethe/losses/chunked_head.h"
#include "lethe/losses/sequence_nll.h"

namespace L = lethe::losses;

namespace {

struct Args {
  int64_t tokens = 2048, vocab = 49152, channels = 576, chunk = L::kDefaultChunkRows;
  int reps = 3, threads = 2;
  std::string child_dtype, child_path;  // set in a child process
};

// Resident set figures of this process in bytes, from /proc/self/status ("VmRSS", "VmHWM").
int64_t proc_status_bytes(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1)) * 1024;
  return -1;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

struct Inputs {
  torch::Tensor hidden;  // [1, tokens+1, C]
  torch::Tensor weight;  // [V, C]
  torch::Tensor labels;  // [1, tokens+1]
};

Inputs make_inputs(const Args& a, torch::ScalarType dtype) {
  torch::manual_seed(0);
  Inputs in;
  in.hidden = torch::randn({1, a.tokens + 1, a.channels}).to(dtype);
  in.weight = (torch::randn({a.vocab, a.channels}) * 0.05).to(dtype);
  in.labels = torch::randint(0, a.vocab, {1, a.tokens + 1}, torch::kInt64);
  return in;
}

struct StepResult {
  torch::Tensor loss, grad_hidden, grad_weight;
};

// One forward + backward of nll_mean through the chosen path.
StepResult step(const Inputs& in, bool chunked, int64_t chunk) {
  auto h = in.hidden.detach().requires_grad_(true);
  auto w = in.weight.detach().requires_grad_(true);
  L::SequenceNll nll = chunked ? L::sequence_nll_from_hidden(h, w, in.labels, chunk)
                               : L::sequence_nll(torch::matmul(h, w.t()), in.labels);
  auto loss = L::nll_mean(nll);
  loss.backward();
  return {loss.detach(), h.grad(), w.grad()};
}

double rel_err(const torch::Tensor& a, const torch::Tensor& b) {
  auto af = a.to(torch::kFloat64), bf = b.to(torch::kFloat64);
  return ((af - bf).norm() / bf.norm()).item<double>();
}

int run_child(const Args& a) {
  torch::set_num_threads(a.threads);
  const auto dtype = a.child_dtype == "bf16" ? torch::kBFloat16 : torch::kFloat32;
  const bool chunked = a.child_path == "chunked";
  auto in = make_inputs(a, dtype);
  step(in, chunked, a.chunk);  // warm-up (allocator, oneDNN primitives)
  std::vector<double> secs;
  int64_t peak = 0;
  for (int r = 0; r < a.reps; ++r) {
    const int64_t base = proc_status_bytes("VmRSS");
    reset_peak_rss();
    const auto t0 = std::chrono::steady_clock::now();
    auto res = step(in, chunked, a.chunk);
    const auto t1 = std::chrono::steady_clock::now();
    peak = std::max(peak, proc_status_bytes("VmHWM") - base);
    secs.push_back(std::chrono::duration<double>(t1 - t0).count());
  }
  std::sort(secs.begin(), secs.end());
  // 3 products of 2*N*V*C flops each (forward, grad hidden, grad weight); chunked adds one more
  // (the recomputation of the logits in backward).
  const double flops = 2.0 * a.tokens * a.vocab * a.channels * (chunked ? 4 : 3);
  std::printf("%-5s %-8s  median %.3f s  (min %.3f, max %.3f)  %.0f GFLOP/s  peak +%.2f GB\n",
              a.child_dtype.c_str(), a.child_path.c_str(), secs[secs.size() / 2], secs.front(),
              secs.back(), flops / secs[secs.size() / 2] / 1e9, peak / 1e9);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--tokens") a.tokens = std::stoll(v);
    else if (k == "--vocab") a.vocab = std::stoll(v);
    else if (k == "--channels") a.channels = std::stoll(v);
    else if (k == "--chunk") a.chunk = std::stoll(v);
    else if (k == "--reps") a.reps = std::stoi(v);
    else if (k == "--threads") a.threads = std::stoi(v);
    else if (k == "--child-dtype") a.child_dtype = v;
    else if (k == "--child-path") a.child_path = v;
    else {
      std::fprintf(stderr, "bench_lm_head: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (!a.child_dtype.empty()) return run_child(a);

  torch::set_num_threads(a.threads);
  std::printf("lm head + NLL: %lld tokens x %lld vocab x C %lld, chunk %lld rows, %d threads\n",
              (long long)a.tokens, (long long)a.vocab, (long long)a.channels, (long long)a.chunk,
              torch::get_num_threads());
  // Check first: both paths on the full problem. fp32 tolerance 1e-4 relative (fp32 sums over
  // 2048 x 49k terms in different orders); bf16 4e-2 (bf16's 8 significant bits).
  for (const char* dt : {"fp32", "bf16"}) {
    const auto dtype = std::string(dt) == "bf16" ? torch::kBFloat16 : torch::kFloat32;
    const double tol = dtype == torch::kBFloat16 ? 4e-2 : 1e-4;
    auto in = make_inputs(a, dtype);
    auto p = step(in, false, a.chunk);
    auto c = step(in, true, a.chunk);
    const double e_loss = rel_err(c.loss, p.loss), e_h = rel_err(c.grad_hidden, p.grad_hidden),
                 e_w = rel_err(c.grad_weight, p.grad_weight);
    std::printf("check %-5s loss %.6f vs %.6f, relative error loss %.1e, grad hidden %.1e, "
                "grad weight %.1e (tolerance %.0e)\n",
                dt, c.loss.item<double>(), p.loss.item<double>(), e_loss, e_h, e_w, tol);
    if (!(e_loss <= tol && e_h <= tol && e_w <= tol)) {
      std::fprintf(stderr, "bench_lm_head: chunked and plain paths disagree; not timing\n");
      return 1;
    }
  }
  for (const char* dt : {"fp32", "bf16"})
    for (const char* path : {"plain", "chunked"}) {
      std::string cmd = "\"" + std::string(argv[0]) + "\" --tokens " + std::to_string(a.tokens) +
                        " --vocab " + std::to_string(a.vocab) + " --channels " +
                        std::to_string(a.channels) + " --chunk " + std::to_string(a.chunk) +
                        " --reps " + std::to_string(a.reps) + " --threads " +
                        std::to_string(a.threads) + " --child-dtype " + dt + " --child-path " + path;
      std::fflush(stdout);
      if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr, "bench_lm_head: child %s %s failed\n", dt, path);
        return 1;
      }
    }
  return 0;
}

// Data-parallel communication: a small Lethe interface over torch's c10d process groups. All c10d
// calls live in src/dist/comm.cpp, so a libtorch version switch (2.x renamed ProcessGroup/Backend
// and Work) touches that one file.
//
// Workers find each other as torchrun's do: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT in the environment (set by `lethe launch` or by torchrun); rank 0
// hosts a c10d TCPStore on MASTER_ADDR:MASTER_PORT. Tests can rendezvous over a FileStore instead.
//
// Backends: Gloo (CPU tensors; built when the gloo headers are found at build time: Debian
// libgloo-dev, which scripts/setup.sh installs; see gloo_available()) and NCCL (compiled only when
// the linked libtorch is a CUDA build; see nccl_available()).
//
// Collectives copy the given tensors into flat buckets (float32, or float64 for float64 and
// integer tensors, so bf16 and int tensors travel exactly), run one c10d call per bucket and copy
// the result back in place. all_reduce_mean = (sum over ranks) / world_size, in the bucket dtype.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lethe::dist {

// What torchrun tells a worker.
struct LaunchEnv {
  int rank = 0, local_rank = 0, world_size = 1, local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

// Reads the torchrun variables. nullopt when WORLD_SIZE is unset (a plain single-process run).
// Throws ConfigError naming the variable when one is missing or malformed (RANK >= WORLD_SIZE, a
// non-number, a port outside 1..65535).
std::optional<LaunchEnv> launch_env();

enum class Backend { gloo, nccl };
// True when this build of Lethe has the Gloo process group.
bool gloo_available();
// True when this build of Lethe has the NCCL process group (a CUDA libtorch).
bool nccl_available();

class Comm {
 public:
  // Rendezvous through a TCPStore at env.master_addr:env.master_port (rank 0 serves it). Blocks
  // until all env.world_size ranks joined or `timeout` passed (then throws).
  static std::unique_ptr<Comm> over_tcp(const LaunchEnv& env, Backend backend = Backend::gloo,
                                        std::chrono::milliseconds timeout = std::chrono::minutes(30));
  // Rendezvous through a FileStore at `path` (a file on a filesystem all ranks see; tests).
  static std::unique_ptr<Comm> over_file(const std::string& path, int rank, int world_size,
                                         Backend backend = Backend::gloo,
                                         std::chrono::milliseconds timeout = std::chrono::minutes(30));
  ~Comm();
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;

  int rank() const;
  int world_size() const;
  // Every rank ends with the element-wise mean over ranks of each tensor (in place). Every rank
  // must pass tensors of the same shapes and dtypes in the same order.
  void all_reduce_mean(const std::vector<torch::Tensor>& tensors);
  // Every rank ends with rank `root`'s values (in place).
  void broadcast(const std::vector<torch::Tensor>& tensors, int root = 0);
  // Returns when every rank called it.
  void barrier();

 private:
  struct Impl;
  explicit Comm(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Rank r's rows of a global micro-batch of n rows: [r*n/W, (r+1)*n/W). Throws ConfigError when
// n is not a multiple of W (the ranks would hold unequal numbers of rows).
std::pair<int64_t, int64_t> rank_rows(int64_t n, int rank, int world_size);

}  // namespace lethe::dist

// The one file that talks to c10d (see lethe/dist/comm.h). Written against libtorch 1.13's
// c10d::ProcessGroup API; from libtorch 2.0 the Gloo and NCCL process groups are c10d::Backend
// subclasses with the same collective calls (allreduce / broadcast / barrier returning a Work to
// wait on), so only the held type differs.
#include "lethe/dist/comm.h"

#include <torch/version.h>

#include <cstdlib>

#include "lethe/core/error.h"

// ProcessGroupGloo.hpp includes gloo's headers, which Debian ships apart from libtorch
// (libgloo-dev) and PyPI's torch wheels do not ship at all. Without them Lethe builds without the
// Gloo backend and says so when a multi-rank run asks for it.
#if __has_include(<gloo/algorithm.h>)
#define LETHE_HAVE_GLOO 1
#define USE_C10D_GLOO 1  // ProcessGroupGloo.hpp declares its class only with this defined
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef LETHE_HAVE_NCCL  // set by CMake for a CUDA build of libtorch
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace lethe::dist {
namespace {

// Bucket size for the flat copies: bounds the extra memory of a collective.
constexpr int64_t kBucketElements = int64_t(1) << 24;

int env_int(const char* name, bool required, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    if (required) throw ConfigError(std::string("environment: ") + name + " is not set (WORLD_SIZE is; a torchrun-style launch sets both)");
    return fallback;
  }
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1 << 30) throw ConfigError(std::string("environment: ") + name + "='" + v + "' is not a non-negative integer");
  return int(x);
}

torch::ScalarType wire_dtype(const torch::Tensor& t) {
  return t.scalar_type() == torch::kDouble || !t.is_floating_point() ? torch::kDouble : torch::kFloat;
}

#if TORCH_VERSION_MAJOR >= 2
using GroupPtr = c10::intrusive_ptr<c10d::Backend>;
#else
using GroupPtr = c10::intrusive_ptr<c10d::ProcessGroup>;
#endif

#ifdef LETHE_HAVE_GLOO
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& addr) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (addr == "127.0.0.1" || addr == "localhost") return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

}  // namespace

std::optional<LaunchEnv> launch_env() {
  const char* ws = std::getenv("WORLD_SIZE");
  if (!ws || !*ws) return std::nullopt;
  LaunchEnv e;
  e.world_size = env_int("WORLD_SIZE", true, 1);
  if (e.world_size < 1) throw ConfigError("environment: WORLD_SIZE must be >= 1, got " + std::to_string(e.world_size));
  e.rank = env_int("RANK", e.world_size > 1, 0);
  if (e.rank >= e.world_size)
    throw ConfigError("environment: RANK=" + std::to_string(e.rank) + " but WORLD_SIZE=" + std::to_string(e.world_size));
  e.local_rank = env_int("LOCAL_RANK", false, e.rank);
  e.local_world_size = env_int("LOCAL_WORLD_SIZE", false, e.world_size);
  if (const char* a = std::getenv("MASTER_ADDR"); a && *a) e.master_addr = a;
  else if (e.world_size > 1) throw ConfigError("environment: MASTER_ADDR is not set (WORLD_SIZE > 1 needs it)");
  e.master_port = env_int("MASTER_PORT", e.world_size > 1, e.master_port);
  if (e.master_port < 1 || e.master_port > 65535)
    throw ConfigError("environment: MASTER_PORT=" + std::to_string(e.master_port) + " is not a port (1..65535)");
  return e;
}

bool gloo_available() {
#ifdef LETHE_HAVE_GLOO
  return true;
#else
  return false;
#endif
}

bool nccl_available() {
#ifdef LETHE_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

struct Comm::Impl {
  int rank = 0, world = 1;
  c10::intrusive_ptr<c10d::Store> store;
  GroupPtr pg;

  Impl(c10::intrusive_ptr<c10d::Store> s, int r, int w, Backend backend, const std::string& addr,
       std::chrono::milliseconds timeout)
      : rank(r), world(w), store(std::move(s)) {
    if (backend == Backend::nccl) {
#ifdef LETHE_HAVE_NCCL
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world, o);
      return;
#else
      throw ConfigError("dist: the NCCL backend needs a CUDA build of libtorch (this one has no ProcessGroupNCCL); use gloo");
#endif
    }
#ifdef LETHE_HAVE_GLOO
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    o->devices.push_back(gloo_device(addr));
    o->threads = 2;
    pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, o);
#else
    (void)addr;
    (void)timeout;
    throw ConfigError("dist: this Lethe was built without the Gloo backend (the gloo headers were missing at build time; "
                      "Debian: apt-get install libgloo-dev, then rebuild)");
#endif
  }

  // Runs `op` on flat buckets of `tensors` (grouped by wire dtype and device, in order), copying
  // the tensors in before and the results back after.
  template <class Op>
  void bucketed(const std::vector<torch::Tensor>& tensors, Op op) {
    torch::NoGradGuard ng;
    size_t i = 0;
    while (i < tensors.size()) {
      const auto dt = wire_dtype(tensors[i]);
      const auto dev = tensors[i].device();
      size_t j = i;
      int64_t n = 0;
      while (j < tensors.size() && wire_dtype(tensors[j]) == dt && tensors[j].device() == dev &&
             (j == i || n + tensors[j].numel() <= kBucketElements))
        n += tensors[j++].numel();
      auto flat = torch::empty({n}, torch::TensorOptions().dtype(dt).device(dev));
      int64_t off = 0;
      for (size_t k = i; k < j; ++k) {
        flat.narrow(0, off, tensors[k].numel()).copy_(tensors[k].reshape({-1}));
        off += tensors[k].numel();
      }
      std::vector<at::Tensor> v{flat};
      op(v);
      off = 0;
      for (size_t k = i; k < j; ++k) {
        auto t = tensors[k];
        t.copy_(flat.narrow(0, off, t.numel()).view(t.sizes()));
        off += t.numel();
      }
      i = j;
    }
  }
};

Comm::Comm(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Comm::~Comm() = default;

std::unique_ptr<Comm> Comm::over_tcp(const LaunchEnv& env, Backend backend, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions so;
  so.port = uint16_t(env.master_port);
  so.isServer = env.rank == 0;
  so.numWorkers = size_t(env.world_size);
  so.waitWorkers = true;
  so.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    throw Error("dist: rank " + std::to_string(env.rank) + " could not reach the rendezvous store at " + env.master_addr +
                ":" + std::to_string(env.master_port) + ": " + e.what());
  }
  return std::unique_ptr<Comm>(
      new Comm(std::make_unique<Impl>(store, env.rank, env.world_size, backend, env.master_addr, timeout)));
}

std::unique_ptr<Comm> Comm::over_file(const std::string& path, int rank, int world_size, Backend backend,
                                      std::chrono::milliseconds timeout) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw ConfigError("dist: rank " + std::to_string(rank) + " of world size " + std::to_string(world_size));
  auto store = c10::make_intrusive<c10d::FileStore>(path, world_size);
  store->setTimeout(timeout);
  return std::unique_ptr<Comm>(new Comm(std::make_unique<Impl>(store, rank, world_size, backend, "127.0.0.1", timeout)));
}

int Comm::rank() const { return impl_->rank; }
int Comm::world_size() const { return impl_->world; }

void Comm::all_reduce_mean(const std::vector<torch::Tensor>& tensors) {
  const double w = impl_->world;
  impl_->bucketed(tensors, [&](std::vector<at::Tensor>& v) {
    impl_->pg->allreduce(v)->wait();
    v[0].div_(w);
  });
}

void Comm::broadcast(const std::vector<torch::Tensor>& tensors, int root) {
  if (root < 0 || root >= impl_->world) throw ConfigError("dist: broadcast from rank " + std::to_string(root));
  c10d::BroadcastOptions o;
  o.rootRank = root;
  impl_->bucketed(tensors, [&](std::vector<at::Tensor>& v) { impl_->pg->broadcast(v, o)->wait(); });
}

void Comm::barrier() { impl_->pg->barrier()->wait(); }

std::pair<int64_t, int64_t> rank_rows(int64_t n, int rank, int world_size) {
  if (n % world_size != 0)
    throw ConfigError("dist: a micro-batch of " + std::to_string(n) + " rows cannot be shared equally by " +
                      std::to_string(world_size) + " ranks");
  const int64_t per = n / world_size;
  return {rank * per, (rank + 1) * per};
}

}  // namespace lethe::dist

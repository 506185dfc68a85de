#include "lethe/core/runtime.h"

#include <torch/torch.h>

#include <cstdlib>
#include <thread>

namespace lethe {

int init_threads(int threads) {
  if (threads <= 0) {
    if (const char* env = std::getenv("LETHE_THREADS")) threads = std::atoi(env);
  }
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

}  // namespace lethe

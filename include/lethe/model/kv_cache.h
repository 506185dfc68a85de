// A preallocated key/value cache for generation: one [B, K, capacity, D] buffer per layer,
// written in place (no concatenation per token).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "lethe/model/config.h"

namespace lethe {

class KvCache {
 public:
  KvCache(const ModelConfig& cfg, int64_t batch, int64_t capacity, torch::ScalarType dtype, torch::Device device);

  int64_t length() const { return length_; }
  int64_t capacity() const { return capacity_; }

  // Writes this step's keys/values ([B,K,T,D]) of `layer` at [length, length+T) and returns views of
  // the filled part [B,K,length+T,D]. The length moves only on advance(), after every layer ran.
  std::pair<torch::Tensor, torch::Tensor> append(int64_t layer, const torch::Tensor& k, const torch::Tensor& v);
  void advance(int64_t T) { length_ += T; }

 private:
  std::vector<torch::Tensor> keys_, values_;
  int64_t length_ = 0;
  int64_t capacity_ = 0;
};

}  // namespace lethe

#include "lethe/model/kv_cache.h"

#include "lethe/core/error.h"

namespace lethe {

KvCache::KvCache(const ModelConfig& cfg, int64_t batch, int64_t capacity, torch::ScalarType dtype, torch::Device device)
    : capacity_(capacity) {
  auto opts = torch::TensorOptions().dtype(dtype).device(device);
  for (int64_t l = 0; l < cfg.num_hidden_layers; ++l) {
    keys_.push_back(torch::empty({batch, cfg.num_key_value_heads, capacity, cfg.head_dim}, opts));
    values_.push_back(torch::empty({batch, cfg.num_key_value_heads, capacity, cfg.head_dim}, opts));
  }
}

std::pair<torch::Tensor, torch::Tensor> KvCache::append(int64_t layer, const torch::Tensor& k, const torch::Tensor& v) {
  const int64_t T = k.size(2);
  if (length_ + T > capacity_)
    throw ShapeError("KV cache full: " + std::to_string(length_) + " + " + std::to_string(T) + " tokens exceed capacity " +
                     std::to_string(capacity_));
  keys_[layer].narrow(2, length_, T).copy_(k);
  values_[layer].narrow(2, length_, T).copy_(v);
  return {keys_[layer].narrow(2, 0, length_ + T), values_[layer].narrow(2, 0, length_ + T)};
}

}  // namespace lethe

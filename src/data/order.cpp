#include "lethe/data/order.h"

#include <algorithm>

#include "lethe/core/error.h"
#include "lethe/data/random.h"

namespace lethe::data {

DataOrder::DataOrder(int64_t n, bool shuffle, uint64_t seed) : n_(n), shuffle_(shuffle), seed_(seed) {
  if (n < 0) throw ConfigError("DataOrder: negative dataset size " + std::to_string(n));
}

std::vector<int64_t> DataOrder::epoch_order(int64_t epoch) const { return cached(epoch); }

const std::vector<int64_t>& DataOrder::cached(int64_t epoch) const {
  if (epoch < 0) throw ConfigError("DataOrder: negative epoch " + std::to_string(epoch));
  if (cached_epoch_ != epoch) {
    if (shuffle_) {
      cache_ = seeded_permutation(n_, derive_seed(seed_, static_cast<uint64_t>(epoch)));
    } else {
      cache_.resize(n_);
      for (int64_t i = 0; i < n_; ++i) cache_[i] = i;
    }
    cached_epoch_ = epoch;
  }
  return cache_;
}

int64_t DataOrder::num_batches(int64_t batch_size, bool drop_last) const {
  if (batch_size < 1) throw ConfigError("batch_size: must be >= 1, got " + std::to_string(batch_size));
  return drop_last ? n_ / batch_size : (n_ + batch_size - 1) / batch_size;
}

std::vector<int64_t> DataOrder::batch_indices(int64_t epoch, int64_t batch, int64_t batch_size) const {
  const int64_t nb = num_batches(batch_size);
  if (batch < 0 || batch >= nb)
    throw ConfigError("DataOrder: batch " + std::to_string(batch) + " out of range (" +
                      std::to_string(nb) + " batches of " + std::to_string(batch_size) + ")");
  const auto& order = cached(epoch);
  const int64_t lo = batch * batch_size, hi = std::min(n_, lo + batch_size);
  return std::vector<int64_t>(order.begin() + lo, order.begin() + hi);
}

void DataOrder::seek(Position p) {
  if (p.epoch < 0 || p.index < 0 || p.index > n_)
    throw ConfigError("DataOrder: position (epoch " + std::to_string(p.epoch) + ", index " +
                      std::to_string(p.index) + ") out of range for " + std::to_string(n_) + " examples");
  pos_ = p;
  if (pos_.index == n_ && n_ > 0) pos_ = {pos_.epoch + 1, 0};
}

std::vector<int64_t> DataOrder::next_in_epoch(int64_t count) {
  std::vector<int64_t> out;
  if (n_ == 0 || count <= 0) return out;
  const auto& order = cached(pos_.epoch);
  const int64_t hi = std::min(n_, pos_.index + count);
  out.assign(order.begin() + pos_.index, order.begin() + hi);
  pos_.index = hi;
  if (pos_.index == n_) pos_ = {pos_.epoch + 1, 0};
  return out;
}

std::vector<int64_t> DataOrder::next(int64_t count) {
  if (n_ == 0 && count > 0) throw ConfigError("DataOrder: next() on an empty dataset");
  std::vector<int64_t> out;
  out.reserve(count > 0 ? count : 0);
  while (static_cast<int64_t>(out.size()) < count) {
    auto part = next_in_epoch(count - static_cast<int64_t>(out.size()));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

json DataOrder::state() const {
  return json{{"n", n_}, {"shuffle", shuffle_}, {"seed", seed_}, {"epoch", pos_.epoch}, {"index", pos_.index}};
}

void DataOrder::restore(const json& s) {
  auto need = [&](const char* key) -> const json& {
    if (!s.is_object() || !s.contains(key))
      throw ConfigError(std::string("data order state: missing key '") + key + "'");
    return s.at(key);
  };
  try {
    if (need("n").get<int64_t>() != n_)
      throw ConfigError("data order state: n = " + need("n").dump() + " but the dataset has " +
                        std::to_string(n_) + " examples (resumed on other data?)");
    if (need("shuffle").get<bool>() != shuffle_)
      throw ConfigError("data order state: shuffle = " + need("shuffle").dump() + " differs from this run's");
    if (need("seed").get<uint64_t>() != seed_)
      throw ConfigError("data order state: seed = " + need("seed").dump() + " differs from this run's " +
                        std::to_string(seed_));
    seek({need("epoch").get<int64_t>(), need("index").get<int64_t>()});
  } catch (const json::exception& e) {
    throw ConfigError(std::string("data order state: ") + e.what());
  }
}

}  // namespace lethe::data

// DataOrder: the order in which a dataset of n examples is visited, epoch by epoch.
// Shuffled orders are seeded_permutation(n, derive_seed(seed, epoch)), so epoch e's order is a
// pure function of (n, seed, e): any position can be re-read and a resumed run sees exactly the
// order an uninterrupted one would. A cursor (epoch, index) walks the orders for callers that
// prefer a stream; it is saved and restored as JSON.
#pragma once
#include <cstdint>
#include <vector>

#include "lethe/core/files.h"

namespace lethe::data {

class DataOrder {
 public:
  // Where the cursor stands: the next example is order(epoch)[index].
  struct Position {
    int64_t epoch = 0;
    int64_t index = 0;
    bool operator==(const Position& o) const { return epoch == o.epoch && index == o.index; }
  };

  DataOrder() = default;
  // n examples, shuffled per epoch (seeded) or sequential 0..n-1.
  DataOrder(int64_t n, bool shuffle, uint64_t seed);

  int64_t size() const { return n_; }
  bool shuffled() const { return shuffle_; }
  uint64_t seed() const { return seed_; }

  // The whole order of `epoch` (a permutation of 0..n-1).
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  // Batches in one epoch: ceil(n / batch_size), or floor with drop_last.
  int64_t num_batches(int64_t batch_size, bool drop_last = false) const;
  // Dataset indices of batch `batch` of `epoch`: order[b*bs, min((b+1)*bs, n)).
  std::vector<int64_t> batch_indices(int64_t epoch, int64_t batch, int64_t batch_size) const;

  // --- cursor ---------------------------------------------------------------------------------
  Position position() const { return pos_; }
  void seek(Position p);
  // The next `count` indices from the cursor, crossing into the next epoch(s) when the current
  // one ends (count may exceed n); advances the cursor.
  std::vector<int64_t> next(int64_t count);
  // Like next() but never crosses an epoch: at most what is left of the current epoch; at the
  // end of an epoch the cursor moves to (epoch + 1, 0).
  std::vector<int64_t> next_in_epoch(int64_t count);

  // {"n", "shuffle", "seed", "epoch", "index"}; restore() checks n/shuffle/seed match this
  // order's and throws ConfigError naming the differing key otherwise (a resumed run on other data).
  json state() const;
  void restore(const json& state);

 private:
  const std::vector<int64_t>& cached(int64_t epoch) const;

  int64_t n_ = 0;
  bool shuffle_ = false;
  uint64_t seed_ = 0;
  Position pos_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::vector<int64_t> cache_;
};

}  // namespace lethe::data

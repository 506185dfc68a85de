// Datasets the trainer draws batches from.
//   UnlearnDataset   forget examples, retain examples and the pairing forget i -> retain j;
//                    the forget set drives the epoch (one epoch = every forget example once).
//   FinetuneDataset  one corpus for `lethe finetune`.
// Batches are built from lists of dataset indices, so gradient accumulation is the caller
// slicing a step's indices into micro-batches: get(DataOrder::batch_indices(...)).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "lethe/data/batch.h"
#include "lethe/data/batch_plan.h"
#include "lethe/data/examples.h"
#include "lethe/data/order.h"
#include "lethe/data/pairing.h"

namespace lethe::data {

struct UnlearnDataset {
  std::vector<Example> forget;
  std::vector<Example> retain;
  std::vector<int64_t> pairing;  // pairing[i] = retain index of forget i ([n_forget], or empty
                                 // when there is no retain set)
  std::vector<int64_t> topics;   // topic (forget corpus) of each forget example, in contiguous
                                 // blocks 0, 0, ..., 1, 1, ...; empty = all topic 0
  int64_t pad_id = 0;            // used by collate for examples of different lengths
  PadSide pad_side = PadSide::right;

  // Builds the pairing: concat: pair_indices(forget.size(), retain.size(), mode, seed) over the
  // whole forget set; round_robin: within each topic t, its j-th example gets entry j of
  // pair_indices(n_t, retain.size(), mode, derive_seed(seed, t)) (modulo: j mod |retain|, as
  // WMDP's RMU loop gives topic t's batch b the retain batch b). Throws ConfigError when
  // `topics` is not [n_forget] contiguous blocks.
  UnlearnDataset(std::vector<Example> forget, std::vector<Example> retain, PairingMode mode,
                 uint64_t seed, int64_t pad_id, std::vector<int64_t> topics = {},
                 ForgetMix mix = ForgetMix::concat, PadSide pad_side = PadSide::right);
  UnlearnDataset() = default;

  int64_t size() const { return static_cast<int64_t>(forget.size()); }
  bool has_retain() const { return !retain.empty(); }
  // Examples per topic ([1 + the largest topic]; {size()} without topics).
  std::vector<int64_t> topic_sizes() const;
  // Batches per epoch: ceil(n_forget / batch_size) (floor with drop_last).
  int64_t num_steps_per_epoch(int64_t batch_size, bool drop_last = false) const;
  // (forget batch of `forget_indices`, retain batch of their paired retain examples); the
  // retain batch is undefined when there is no retain set. Batch::indices hold the forget
  // resp. retain dataset indices, the forget Batch::topics the rows' topics. Throws ConfigError
  // on an index out of range.
  std::pair<Batch, Batch> get(const std::vector<int64_t>& forget_indices) const;
  // Batch `step` of `epoch` in `order` (order.size() must equal size()).
  std::pair<Batch, Batch> batch(const DataOrder& order, int64_t epoch, int64_t step,
                                int64_t batch_size) const;
};

struct FinetuneDataset {
  std::vector<Example> examples;
  int64_t pad_id = 0;
  PadSide pad_side = PadSide::right;

  int64_t size() const { return static_cast<int64_t>(examples.size()); }
  int64_t num_steps_per_epoch(int64_t batch_size, bool drop_last = false) const;
  // Batch of the examples at `indices` (Batch::indices = indices).
  Batch get(const std::vector<int64_t>& indices) const;
  Batch batch(const DataOrder& order, int64_t epoch, int64_t step, int64_t batch_size) const;
};

}  // namespace lethe::data

#include "lethe/data/dataset.h"

#include "lethe/core/error.h"

namespace lethe::data {
namespace {

std::vector<const Example*> pick(const std::vector<Example>& set, const std::vector<int64_t>& indices,
                                 const char* what) {
  if (indices.empty()) throw ConfigError(std::string(what) + ": empty list of indices");
  std::vector<const Example*> out;
  out.reserve(indices.size());
  for (int64_t i : indices) {
    if (i < 0 || i >= static_cast<int64_t>(set.size()))
      throw ConfigError(std::string(what) + ": index " + std::to_string(i) + " out of range (" +
                        std::to_string(set.size()) + " examples)");
    out.push_back(&set[i]);
  }
  return out;
}

int64_t steps(int64_t n, int64_t batch_size, bool drop_last) {
  if (batch_size < 1) throw ConfigError("batch_size: must be >= 1, got " + std::to_string(batch_size));
  return drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
}

void check_order(const DataOrder& order, int64_t n, const char* what) {
  if (order.size() != n)
    throw ConfigError(std::string(what) + ": the data order covers " + std::to_string(order.size()) +
                      " examples but the dataset has " + std::to_string(n));
}

}  // namespace

UnlearnDataset::UnlearnDataset(std::vector<Example> forget_, std::vector<Example> retain_, PairingMode mode,
                               uint64_t seed, int64_t pad_id_)
    : forget(std::move(forget_)), retain(std::move(retain_)), pad_id(pad_id_) {
  pairing = pair_indices(static_cast<int64_t>(forget.size()), static_cast<int64_t>(retain.size()), mode, seed);
}

int64_t UnlearnDataset::num_steps_per_epoch(int64_t batch_size, bool drop_last) const {
  return steps(size(), batch_size, drop_last);
}

std::pair<Batch, Batch> UnlearnDataset::get(const std::vector<int64_t>& forget_indices) const {
  Batch f = collate(pick(forget, forget_indices, "forget set"), pad_id);
  f.indices = forget_indices;
  Batch r;
  if (has_retain()) {
    if (pairing.size() != forget.size())
      throw ConfigError("unlearn dataset: the pairing has " + std::to_string(pairing.size()) +
                        " entries for " + std::to_string(forget.size()) + " forget examples");
    std::vector<int64_t> ri;
    ri.reserve(forget_indices.size());
    for (int64_t i : forget_indices) ri.push_back(pairing[i]);  // indices already range-checked
    r = collate(pick(retain, ri, "retain set"), pad_id);
    r.indices = std::move(ri);
  }
  return {std::move(f), std::move(r)};
}

std::pair<Batch, Batch> UnlearnDataset::batch(const DataOrder& order, int64_t epoch, int64_t step,
                                              int64_t batch_size) const {
  check_order(order, size(), "unlearn dataset");
  return get(order.batch_indices(epoch, step, batch_size));
}

int64_t FinetuneDataset::num_steps_per_epoch(int64_t batch_size, bool drop_last) const {
  return steps(size(), batch_size, drop_last);
}

Batch FinetuneDataset::get(const std::vector<int64_t>& indices) const {
  Batch b = collate(pick(examples, indices, "train set"), pad_id);
  b.indices = indices;
  return b;
}

Batch FinetuneDataset::batch(const DataOrder& order, int64_t epoch, int64_t step, int64_t batch_size) const {
  check_order(order, size(), "finetune dataset");
  return get(order.batch_indices(epoch, step, batch_size));
}

}  // namespace lethe::data

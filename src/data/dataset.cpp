#include "lethe/data/dataset.h"

#include "lethe/core/error.h"
#include "lethe/data/random.h"

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
                               uint64_t seed, int64_t pad_id_, std::vector<int64_t> topics_, ForgetMix mix,
                               PadSide side)
    : forget(std::move(forget_)), retain(std::move(retain_)), topics(std::move(topics_)), pad_id(pad_id_),
      pad_side(side) {
  if (!topics.empty() && topics.size() != forget.size())
    throw ConfigError("unlearn dataset: " + std::to_string(topics.size()) + " topics for " +
                      std::to_string(forget.size()) + " forget examples");
  const auto sizes = topic_sizes();  // validates the blocks
  const auto n_retain = static_cast<int64_t>(retain.size());
  if (mix == ForgetMix::concat) {
    pairing = pair_indices(size(), n_retain, mode, seed);
    return;
  }
  for (size_t t = 0; t < sizes.size(); ++t) {
    auto part = pair_indices(sizes[t], n_retain, mode, derive_seed(seed, t));
    pairing.insert(pairing.end(), part.begin(), part.end());
  }
}

std::vector<int64_t> UnlearnDataset::topic_sizes() const {
  if (topics.empty()) return {size()};
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < topics.size(); ++i) {
    const int64_t t = topics[i];
    if (t < 0 || (i > 0 && t < topics[i - 1]))
      throw ConfigError("unlearn dataset: forget example " + std::to_string(i) + " has topic " + std::to_string(t) +
                        "; topics must be contiguous blocks 0, 1, ... in order");
    if (static_cast<int64_t>(sizes.size()) <= t) sizes.resize(t + 1, 0);
    ++sizes[t];
  }
  return sizes;
}

int64_t UnlearnDataset::num_steps_per_epoch(int64_t batch_size, bool drop_last) const {
  return steps(size(), batch_size, drop_last);
}

std::pair<Batch, Batch> UnlearnDataset::get(const std::vector<int64_t>& forget_indices) const {
  Batch f = collate(pick(forget, forget_indices, "forget set"), pad_id, pad_side);
  f.indices = forget_indices;
  f.topics.reserve(forget_indices.size());
  for (int64_t i : forget_indices) f.topics.push_back(topics.empty() ? 0 : topics[i]);  // range-checked by pick
  Batch r;
  if (has_retain()) {
    if (pairing.size() != forget.size())
      throw ConfigError("unlearn dataset: the pairing has " + std::to_string(pairing.size()) +
                        " entries for " + std::to_string(forget.size()) + " forget examples");
    std::vector<int64_t> ri;
    ri.reserve(forget_indices.size());
    for (int64_t i : forget_indices) ri.push_back(pairing[i]);  // indices already range-checked
    r = collate(pick(retain, ri, "retain set"), pad_id, pad_side);
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
  Batch b = collate(pick(examples, indices, "train set"), pad_id, pad_side);
  b.indices = indices;
  return b;
}

Batch FinetuneDataset::batch(const DataOrder& order, int64_t epoch, int64_t step, int64_t batch_size) const {
  check_order(order, size(), "finetune dataset");
  return get(order.batch_indices(epoch, step, batch_size));
}

}  // namespace lethe::data

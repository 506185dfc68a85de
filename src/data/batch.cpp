#include "lethe/data/batch.h"

#include <algorithm>

#include "lethe/core/error.h"

namespace lethe::data {

Batch collate(const std::vector<const Example*>& examples, int64_t pad_id, PadSide side) {
  if (examples.empty()) throw ShapeError("collate: no examples");
  size_t T = 0;
  for (size_t b = 0; b < examples.size(); ++b) {
    const Example* e = examples[b];
    if (!e) throw ShapeError("collate: example " + std::to_string(b) + " is null");
    if (e->labels.size() != e->input_ids.size() || e->attention_mask.size() != e->input_ids.size())
      throw ShapeError("collate: example " + std::to_string(b) + " has input_ids [" +
                       std::to_string(e->input_ids.size()) + "], labels [" + std::to_string(e->labels.size()) +
                       "], attention_mask [" + std::to_string(e->attention_mask.size()) + "]");
    T = std::max(T, e->input_ids.size());
  }
  if (T == 0) throw ShapeError("collate: every example is empty");
  const auto B = static_cast<int64_t>(examples.size());
  auto opts = torch::TensorOptions().dtype(torch::kInt64);
  Batch out;
  out.input_ids = torch::full({B, static_cast<int64_t>(T)}, pad_id, opts);          // [B,T]
  out.labels = torch::full({B, static_cast<int64_t>(T)}, kIgnoreLabel, opts);       // [B,T]
  out.attention_mask = torch::zeros({B, static_cast<int64_t>(T)}, opts);            // [B,T]
  int64_t* ids = out.input_ids.data_ptr<int64_t>();
  int64_t* lab = out.labels.data_ptr<int64_t>();
  int64_t* msk = out.attention_mask.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const Example& e = *examples[b];
    const size_t at = b * T + (side == PadSide::left ? T - e.size() : 0);  // first token's slot
    std::copy(e.input_ids.begin(), e.input_ids.end(), ids + at);
    std::copy(e.labels.begin(), e.labels.end(), lab + at);
    std::copy(e.attention_mask.begin(), e.attention_mask.end(), msk + at);
  }
  return out;
}

}  // namespace lethe::data

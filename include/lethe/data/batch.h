// Batch: examples stacked into [B,T] int64 tensors (B = batch, T = sequence).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "lethe/data/examples.h"

namespace lethe::data {

struct Batch {
  torch::Tensor input_ids;       // [B,T] int64
  torch::Tensor attention_mask;  // [B,T] int64, 1 = token, 0 = pad
  torch::Tensor labels;          // [B,T] int64, -100 ignored
  std::vector<int64_t> indices;  // dataset index of each row (set by the datasets; may be empty)
  std::vector<int64_t> topics;   // forget batches: the forget corpus (topic) of each row
  bool defined() const { return input_ids.defined(); }
  int64_t size() const { return input_ids.defined() ? input_ids.size(0) : 0; }
};

// Stacks `examples` (B >= 1) on the CPU. Examples of different lengths are padded to the longest
// (on `side`: right, or left as HF's padding_side "left") with `pad_id` (ids), -100 (labels) and
// 0 (mask). Throws ShapeError on an empty list or an example whose three vectors differ in length.
Batch collate(const std::vector<const Example*>& examples, int64_t pad_id = 0, PadSide side = PadSide::right);

}  // namespace lethe::data

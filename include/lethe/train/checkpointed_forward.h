// Activation (gradient) checkpointing per decoder layer (PERFORMANCE.md technique 7). libtorch
// 1.13 has no C++ checkpoint, so each layer runs inside a custom autograd Function: its forward
// runs without recording a graph (only the layer input is kept), and its backward reruns the
// layer's forward with grad enabled and differentiates that (the "reentrant" scheme of
// torch.utils.checkpoint). The Llama-family layers have no dropout, so the rerun is exact.
// Activation memory drops from O(layers x intermediates) to O(layers x [B,T,C]) for ~1/3 more compute.
//
// Shapes: B batch, T tokens, C hidden.
#pragma once
#include <torch/torch.h>

#include "lethe/model/causal_lm.h"

namespace lethe::train {

// The same result as model->forward_hidden(in, opts) (no KV cache), with every decoder layer
// checkpointed. Gradients flow to the embedding, every layer's parameters and the final norm.
ForwardOutput forward_hidden_checkpointed(CausalLM& model, const ForwardInput& in,
                                          const ForwardOptions& opts = {});

}  // namespace lethe::train

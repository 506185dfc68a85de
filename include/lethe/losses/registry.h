// Objective names, so recipes can say `loss: simnpo` and `retain_loss: kl`. Only names and
// their parsing live here: the trainer decides what to run and composes w_f * L_f + w_r * L_r.
#pragma once
#include <string>
#include <vector>

namespace lethe::losses {

enum class ForgetLoss {
  simnpo,        // simnpo.h (modes avg | batch_mean | logits)
  npo,           // npo.h (needs the reference model's SequenceNll, or its logits)
  grad_ascent,   // grad_ascent.h: -nll_mean(forget)
  grad_diff,     // grad_ascent.h: GA + w_r * retain NLL as one named combination
  rmu,           // rmu.h: activations of one layer, not logits
};

enum class RetainLoss {
  none,  // forget term only
  nll,   // retain.h retain_nll_loss
  kl,    // retain.h retain_kl_loss (needs the reference model's logits)
};

// Parses a forget-loss name ("simnpo", "npo", "grad_ascent" or "ga", "grad_diff", "rmu");
// throws ConfigError naming `key` and the valid names otherwise.
ForgetLoss parse_forget_loss(const std::string& name, const std::string& key = "loss");
const char* to_string(ForgetLoss loss);
// Every canonical forget-loss name, in declaration order.
std::vector<std::string> forget_loss_names();

// Parses "none" | "nll" | "kl"; ConfigError naming `key` otherwise.
RetainLoss parse_retain_loss(const std::string& name, const std::string& key = "retain_loss");
const char* to_string(RetainLoss loss);

// True when the objective needs a frozen reference model (NPO; the KL retain term).
bool needs_reference_model(ForgetLoss forget, RetainLoss retain);

}  // namespace lethe::losses

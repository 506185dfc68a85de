// Objective names (see registry.h).
#include "lethe/losses/registry.h"

#include "lethe/core/error.h"

namespace lethe::losses {

namespace {

constexpr ForgetLoss kForget[] = {ForgetLoss::simnpo, ForgetLoss::npo, ForgetLoss::grad_ascent,
                                  ForgetLoss::grad_diff, ForgetLoss::rmu};

}  // namespace

const char* to_string(ForgetLoss loss) {
  switch (loss) {
    case ForgetLoss::simnpo: return "simnpo";
    case ForgetLoss::npo: return "npo";
    case ForgetLoss::grad_ascent: return "grad_ascent";
    case ForgetLoss::grad_diff: return "grad_diff";
    case ForgetLoss::rmu: return "rmu";
  }
  return "?";
}

std::vector<std::string> forget_loss_names() {
  std::vector<std::string> names;
  for (auto l : kForget) names.emplace_back(to_string(l));
  return names;
}

ForgetLoss parse_forget_loss(const std::string& name, const std::string& key) {
  for (auto l : kForget)
    if (name == to_string(l)) return l;
  if (name == "ga") return ForgetLoss::grad_ascent;
  std::string valid;
  for (const auto& n : forget_loss_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ConfigError(key + ": unknown loss '" + name + "' (expected one of: " + valid + ")");
}

RetainLoss parse_retain_loss(const std::string& name, const std::string& key) {
  if (name == "none") return RetainLoss::none;
  if (name == "nll") return RetainLoss::nll;
  if (name == "kl") return RetainLoss::kl;
  throw ConfigError(key + ": unknown retain loss '" + name + "' (expected none, nll or kl)");
}

const char* to_string(RetainLoss loss) {
  switch (loss) {
    case RetainLoss::none: return "none";
    case RetainLoss::nll: return "nll";
    case RetainLoss::kl: return "kl";
  }
  return "?";
}

bool needs_reference_model(ForgetLoss forget, RetainLoss retain) {
  return forget == ForgetLoss::npo || retain == RetainLoss::kl;
}

}  // namespace lethe::losses

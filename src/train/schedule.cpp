#include "lethe/train/schedule.h"

#include <algorithm>
#include <cmath>

#include "lethe/core/error.h"

namespace lethe::train {

ScheduleKind parse_schedule(const std::string& s, const std::string& key) {
  if (s == "constant") return ScheduleKind::constant;
  if (s == "linear") return ScheduleKind::linear;
  if (s == "cosine") return ScheduleKind::cosine;
  throw ConfigError(key + ": unknown schedule '" + s + "' (use constant, linear or cosine)");
}

const char* to_string(ScheduleKind k) {
  switch (k) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::linear: return "linear";
    case ScheduleKind::cosine: return "cosine";
  }
  return "?";
}

double Schedule::multiplier(int64_t s) const {
  const double W = double(warmup_steps), N = double(total_steps), x = double(s);
  if (s < warmup_steps) return x / std::max(1.0, W);
  switch (kind) {
    case ScheduleKind::constant: return 1.0;
    case ScheduleKind::linear: return std::max(0.0, (N - x) / std::max(1.0, N - W));
    case ScheduleKind::cosine: {
      const double progress = (x - W) / std::max(1.0, N - W);
      return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * num_cycles * 2.0 * progress)));
    }
  }
  return 1.0;
}

}  // namespace lethe::train

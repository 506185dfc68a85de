// Learning-rate schedules with Hugging Face transformers' semantics (optimization.py).
// multiplier(s) is the factor for optimizer step s = 0, 1, ...: HF's LambdaLR is stepped after
// each optimizer step, so the first update uses multiplier(0) (0 when there is a warm-up).
//   constant: s < W ? s / max(1, W) : 1                      (get_constant_schedule_with_warmup)
//   linear:   s < W ? s / max(1, W) : max(0, (N - s) / max(1, N - W))
//                                                            (get_linear_schedule_with_warmup)
//   cosine:   s < W ? s / max(1, W) : max(0, 0.5 (1 + cos(pi * cycles * 2 * (s - W) / max(1, N - W))))
//                                                            (get_cosine_schedule_with_warmup)
// with W warm-up steps and N total optimizer steps.
#pragma once
#include <cstdint>
#include <string>

namespace lethe::train {

enum class ScheduleKind { constant, linear, cosine };
ScheduleKind parse_schedule(const std::string& s, const std::string& key = "schedule.type");
const char* to_string(ScheduleKind k);

struct Schedule {
  ScheduleKind kind = ScheduleKind::constant;
  double base_lr = 1e-5;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double num_cycles = 0.5;  // cosine only (HF default)

  // Factor for optimizer step `step` (0-based).
  double multiplier(int64_t step) const;
  // base_lr * multiplier(step).
  double lr(int64_t step) const { return base_lr * multiplier(step); }
};

}  // namespace lethe::train

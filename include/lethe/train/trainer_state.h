// What a checkpoint holds besides the model: <dir>/trainer_state/
//   trainer_state.json   {"step", "total_steps", "epoch", "micro_batch", "seed", "precision", ...}
//   optimizer.safetensors  exp_avg/<param>, exp_avg_sq/<param>, [master/<param>], step, rng/cpu
//   config.yaml          the resolved configuration
#pragma once
#include <string>

#include "lethe/core/files.h"
#include "lethe/train/optimizer.h"

namespace lethe::train {

struct TrainerState {
  int64_t step = 0;          // optimizer steps done
  int64_t total_steps = 0;
  int64_t micro_batch = 0;   // global micro-batch position of the next step (step * accumulation)
  int64_t epoch = 0;         // epoch of that position
  uint64_t seed = 0;
  json extra = json::object();
};

// Writes trainer_state/ inside `checkpoint_dir` (model files are written by save_model).
void save_trainer_state(const std::string& checkpoint_dir, const TrainerState& st, const Optimizer& opt,
                        const std::string& config_yaml);

// Reads trainer_state/ from `checkpoint_dir`, restores the optimizer and the CPU RNG state.
TrainerState load_trainer_state(const std::string& checkpoint_dir, Optimizer& opt);

}  // namespace lethe::train

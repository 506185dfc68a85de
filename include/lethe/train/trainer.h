// The training loop shared by `lethe unlearn` and `lethe finetune`.
//
// Step s (0-based) consumes micro-batches s*A .. s*A+A-1 of the global micro-batch sequence
// (A = grad_accum); micro-batch k lies in epoch k / (S*A) at position k % (S*A), with S optimizer
// steps per epoch = max(1, batches_per_epoch / A) (trailing batches that do not fill an
// accumulation group are dropped, as HF does). Everything is a function of the step, so a
// resumed run consumes exactly the batches an uninterrupted one would.
//
// Per step: zero grads; per micro-batch: loss = objective / A, backward, accumulate; clip the
// global norm; NaN/Inf guard (stops before the update, naming the step; the last checkpoint on
// disk stays good); AdamW with lr = schedule(s); one JSON line in <output>/log.jsonl; progress on
// stderr. Checkpoints <output>/checkpoint-<step>/ (every N steps and/or each epoch) and
// <output>/final/ are Hugging Face model directories plus trainer_state/ (trainer_state.json,
// optimizer.safetensors with moments and RNG state, config.yaml). <output>/config.yaml holds the
// resolved configuration.
#pragma once
#include <memory>
#include <string>
#include <utility>

#include "lethe/core/error.h"
#include "lethe/train/objective.h"
#include "lethe/train/train_config.h"

namespace lethe::train {

// The loss (or gradient norm) became NaN or Inf.
class NonFiniteError : public Error {
 public:
  using Error::Error;
};

// Where batches come from: deterministic in (epoch, index), so any position can be re-read.
class BatchProvider {
 public:
  virtual ~BatchProvider() = default;
  // Micro-batches in one epoch.
  virtual int64_t batches_per_epoch() = 0;
  // Micro-batch `index` of `epoch`: (forget, retain). Fine-tuning leaves forget undefined.
  virtual std::pair<StepBatch, StepBatch> batch(int64_t epoch, int64_t index) = 0;
};

struct TrainResult {
  int64_t steps = 0;          // optimizer steps done in total (including before a resume)
  double last_loss = 0.0;
  std::string final_dir;      // <output>/final
};

// Options that do not belong in a recipe.
struct RunOptions {
  std::string resume_dir;     // a checkpoint-<step> directory to continue from ("" = fresh)
  int64_t stop_after = 0;     // > 0: stop (saving a checkpoint) after this many steps; for tests
  bool quiet = false;         // no progress output
};

// Loads the model (and reference model when needed) and trains as `cfg` says.
TrainResult run_training(const TrainConfig& cfg, BatchProvider& data, const RunOptions& opts = {});

// Optimizer steps in the whole run for `batches_per_epoch` micro-batches per epoch.
int64_t total_steps(const TrainConfig& cfg, int64_t batches_per_epoch);

}  // namespace lethe::train

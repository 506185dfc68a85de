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
//
// Data parallel (RunOptions::comm with world size W > 1; `lethe launch` or torchrun start the
// ranks, train_from_recipe joins them):
//   - train.batch_size is the PER-RANK micro-batch (as HF/torchrun recipes); one optimizer step
//     consumes batch_size x grad_accum x W sequences (logged as global_batch). Every rank builds the
//     same global micro-batch order and takes its equal share (CorpusBatches), so a W-rank run reads
//     exactly the examples a 1-rank run with batch_size x W reads, and resume works unchanged.
//   - At start rank 0's parameters are broadcast (after a resume all ranks load the same
//     checkpoint); gradients are all-reduced (mean over ranks) after accumulation and before
//     clipping, so the clip, the NaN guard and the AdamW step are identical on every rank. The
//     logged loss, parts and tokens are all-reduced too (loss = mean of the ranks' losses).
//   - Only rank 0 writes config.yaml, log.jsonl, checkpoints, best/, final/ and progress, and runs
//     evaluation; the others are quiet and wait at a barrier until rank 0 has written.
//   - Equivalence with the 1-rank run holds when every rank's share weighs the same in the loss:
//     objectives that are means over tokens of the micro-batch (GA, GradDiff, retain NLL/KL, RMU,
//     NPO batch_mean) give the 1-rank gradient only when the ranks' shares hold equal numbers of
//     counted tokens (fixed-length rows, e.g. data.cut=token_stream); per-sequence means (SimNPO,
//     NPO sequence_*) when they hold equal numbers of rows, which CorpusBatches guarantees (it
//     rejects data whose last micro-batch would not split equally). Otherwise the W-rank gradient
//     is the mean of per-rank means, as torch DDP computes it.
#pragma once
#include <memory>
#include <string>
#include <utility>

#include "lethe/core/error.h"
#include "lethe/dist/comm.h"
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
  dist::Comm* comm = nullptr; // data-parallel ranks (see above); nullptr = a single process
};

// Loads the model (and reference model when needed) and trains as `cfg` says.
TrainResult run_training(const TrainConfig& cfg, BatchProvider& data, const RunOptions& opts = {});

// Optimizer steps in the whole run for `batches_per_epoch` micro-batches per epoch.
int64_t total_steps(const TrainConfig& cfg, int64_t batches_per_epoch);

}  // namespace lethe::train

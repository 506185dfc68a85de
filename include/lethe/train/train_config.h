// The typed configuration of a training run, read from a resolved recipe tree (recipe.h).
// recipe_defaults() is the single list of keys: it drives validation, the "did you mean"
// suggestions, the types of --set overrides and the resolved config written beside outputs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/core/files.h"
#include "lethe/data/data_config.h"
#include "lethe/losses/npo.h"
#include "lethe/losses/registry.h"
#include "lethe/losses/retain.h"
#include "lethe/losses/simnpo.h"
#include "lethe/train/optimizer.h"
#include "lethe/train/schedule.h"

namespace lethe::train {

// What a recipe trains: unlearning (forget + retain) or plain fine-tuning (NLL on one corpus).
enum class TaskKind { unlearn, finetune };

// Every recipe key with its default (types come from these values).
json recipe_defaults();

struct RmuConfig {
  int64_t layer = 7;                  // decoder layer whose output is steered
  double steering_coeff = 6.5;        // c
  double alpha = 1200.0;              // retain weight inside the RMU objective
  std::vector<std::string> params;    // trained parameter names (others frozen)
  uint64_t direction_seed = 0;        // u_t ~ U[0,1)^C: row t of torch.manual_seed(seed); torch.rand(topics, C)
  int64_t topics = 1;                 // one direction per forget corpus (data.forget entry)
};

struct LossConfig {
  losses::ForgetLoss forget = losses::ForgetLoss::simnpo;
  bool forget_none = false;           // finetune: no forget term
  losses::RetainLoss retain = losses::RetainLoss::nll;
  double forget_weight = 1.0, retain_weight = 1.0;
  losses::SimNpoOptions simnpo;
  losses::NpoOptions npo;
  losses::KlPositions kl_positions = losses::KlPositions::all;
  bool cache_reference = true;        // NPO: reference NLL per forget sample computed once
  int64_t chunk_rows = 256;           // chunked LM head rows
  RmuConfig rmu;
};

// Evaluation during training: a suite run every N steps, optionally keeping the best checkpoint.
struct EvalConfig {
  std::string suite, data, metric, mode = "max", muse_corpus = "books", retrain_model;
  int64_t every_steps = 0, limit = 0, batch_size = 8;
};

struct TrainConfig {
  TaskKind task = TaskKind::unlearn;
  std::string model_path, tokenizer_path;
  data::DataConfig data;              // the data section (data.seed -1 resolved to train.seed)
  LossConfig loss;
  std::string optim_impl = "flat";    // flat | torch
  AdamWOptions adamw;
  double lr = 1e-5;
  double max_grad_norm = 1.0;
  ScheduleKind schedule = ScheduleKind::constant;
  int64_t warmup_steps = 0;
  double warmup_ratio = 0.0;
  double num_cycles = 0.5;
  uint64_t seed = 42;
  int64_t max_steps = 0;              // > 0 wins over epochs
  int64_t epochs = 1;
  int64_t batch_size = 4;             // per device, per micro-batch
  int64_t grad_accum = 1;
  Precision precision = Precision::fp32;
  bool gradient_checkpointing = false;
  int64_t threads = 0;
  int64_t log_every = 10;             // plain progress line every N steps when stderr is no TTY
  std::string output_dir;
  int64_t save_every_steps = 0;       // 0 = never (the final model is always saved)
  bool save_each_epoch = false;
  std::string save_dtype;             // "" = the model's dtype; float32 | bfloat16
  EvalConfig eval;
  json resolved;                      // the whole tree

  // Validates and converts a resolved tree; ConfigError names the key.
  static TrainConfig from_json(const json& tree, TaskKind task);
};

// load_recipe(path, recipe_defaults(), overrides) + TrainConfig::from_json.
TrainConfig load_train_config(const std::string& path, const std::vector<std::string>& overrides, TaskKind task);

}  // namespace lethe::train

#include "lethe/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "lethe/core/runtime.h"
#include "lethe/eval/suite.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/tokenizer_loader.h"
#include "lethe/train/recipe.h"
#include "lethe/train/trainer_state.h"

namespace lethe::train {
namespace {

using Clock = std::chrono::steady_clock;

int64_t steps_per_epoch(const TrainConfig& cfg, int64_t bpe) { return std::max<int64_t>(1, bpe / cfg.grad_accum); }

// The trainable parameters: all, or for RMU only the listed names (the others are frozen).
NamedTensors select_trainable(CausalLM& model, const TrainConfig& cfg) {
  NamedTensors all;
  for (auto& np : model->named_parameters()) all.emplace_back(np.key(), np.value());
  const bool rmu = !cfg.loss.forget_none && cfg.loss.forget == losses::ForgetLoss::rmu;
  if (!rmu) return all;
  std::vector<std::string> names;
  for (auto& [n, p] : all) names.push_back(n);
  for (const auto& want : cfg.loss.rmu.params) {
    if (std::find(names.begin(), names.end(), want) != names.end()) continue;
    const auto near = closest_match(want, names);
    throw ConfigError("loss.rmu.params: the model has no parameter '" + want + "'" +
                      (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  }
  NamedTensors out;
  for (auto& [n, p] : all) {
    const bool train = std::find(cfg.loss.rmu.params.begin(), cfg.loss.rmu.params.end(), n) != cfg.loss.rmu.params.end();
    p.set_requires_grad(train);
    if (train) out.emplace_back(n, p);
  }
  return out;
}

std::string fmt(double v, const char* f = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string hms(double s) {
  const int64_t t = int64_t(s + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(t / 3600), (long long)(t / 60 % 60), (long long)(t % 60));
  return buf;
}

struct Saver {
  const TrainConfig& cfg;
  CausalLM& model;
  std::string tokenizer_dir;
  std::string config_yaml;

  void save(const std::string& dir, const TrainerState& st, const Optimizer& opt) {
    SaveOptions so;
    so.tokenizer_source_dir = tokenizer_dir;
    if (!cfg.save_dtype.empty()) so.dtype = cfg.save_dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat32;
    save_model(model, dir, so);
    save_trainer_state(dir, st, opt, config_yaml);
    write_text_file_atomic(join_path(dir, "config.yaml"), config_yaml);
  }
};

// Evaluation during training: runs the suite, logs the metrics, keeps <output>/best by the chosen
// metric. The best value survives a resume through <output>/best/eval.json.
class TrainingEvaluator {
 public:
  TrainingEvaluator(const TrainConfig& cfg, const std::string& tokenizer_path)
      : cfg_(cfg.eval), best_dir_(join_path(cfg.output_dir, "best")), tok_(load_tokenizer(tokenizer_path)) {
    eval::SuiteOptions so;
    so.data = cfg_.data;
    so.limit = cfg_.limit;
    so.batch_size = cfg_.batch_size;
    so.muse_corpus = cfg_.muse_corpus;
    so.retrain_model = cfg_.retrain_model;
    suite_ = eval::make_suite(cfg_.suite, so);
    const std::string record = join_path(best_dir_, "eval.json");
    if (file_exists(record)) best_ = read_json_file(record).value("value", best_);
  }

  bool due(int64_t step, int64_t last) const { return step % cfg_.every_steps == 0 || step == last; }

  // Returns true when this evaluation is the best so far (the caller then saves best/).
  bool run(CausalLM& model, int64_t step, std::ofstream& log, bool quiet) {
    torch::NoGradGuard ng;
    auto metrics = suite_->run_metrics(model, tok_);
    log << json{{"step", step}, {"eval", metrics}}.dump() << "\n" << std::flush;
    if (!quiet) {
      std::cerr << "eval at step " << step << ":";
      for (const auto& [k, v] : metrics) std::cerr << " " << k << " " << v;
      std::cerr << "\n";
    }
    if (cfg_.metric.empty()) return false;
    auto it = metrics.find(cfg_.metric);
    if (it == metrics.end()) {
      std::string known;
      for (const auto& [k, v] : metrics) known += (known.empty() ? "" : ", ") + k;
      throw ConfigError("eval.metric: the " + cfg_.suite + " suite has no metric '" + cfg_.metric + "' (it has: " + known + ")");
    }
    const double v = it->second;
    const bool better = std::isnan(best_) ? !std::isnan(v) : (cfg_.mode == "max" ? v > best_ : v < best_);
    if (better) {
      best_ = v;
      last_ = json{{"step", step}, {"metric", cfg_.metric}, {"mode", cfg_.mode}, {"value", v}, {"metrics", metrics}};
    }
    return better;
  }

  // After best/ was saved: the record of why.
  void write_record() const { write_json_file(join_path(best_dir_, "eval.json"), last_); }
  const std::string& best_dir() const { return best_dir_; }

 private:
  EvalConfig cfg_;
  std::string best_dir_;
  Tokenizer tok_;
  std::unique_ptr<eval::EvalSuite> suite_;
  double best_ = std::nan("");
  json last_;
};

}  // namespace

int64_t total_steps(const TrainConfig& cfg, int64_t bpe) {
  if (cfg.max_steps > 0) return cfg.max_steps;
  return cfg.epochs * steps_per_epoch(cfg, bpe);
}

TrainResult run_training(const TrainConfig& cfg, BatchProvider& data, const RunOptions& opts) {
  if (cfg.threads > 0) init_threads(int(cfg.threads));
  torch::manual_seed(cfg.seed);
  dist::Comm* comm = opts.comm && opts.comm->world_size() > 1 ? opts.comm : nullptr;
  const int64_t W = comm ? comm->world_size() : 1;
  const bool writer = !comm || comm->rank() == 0;  // only rank 0 writes files and progress
  const bool quiet = opts.quiet || !writer;
  const std::string config_yaml = to_yaml(cfg.resolved);
  if (writer) {
    std::filesystem::create_directories(cfg.output_dir);
    write_text_file_atomic(join_path(cfg.output_dir, "config.yaml"), config_yaml);
  }

  // The model to train: the start model, or the checkpoint being resumed.
  LoadOptions lo;
  lo.dtype = model_dtype(cfg.precision);
  auto loaded = load_model(opts.resume_dir.empty() ? cfg.model_path : opts.resume_dir, lo);
  CausalLM model = loaded.model;
  model->train();
  std::optional<CausalLM> reference;
  if (Objective::reference_needed(cfg.loss)) {
    auto ref = load_model(cfg.model_path, lo).model;  // always the frozen start model
    ref->eval();
    for (auto& p : ref->parameters()) p.set_requires_grad(false);
    reference = ref;
  }
  std::string tokenizer_dir = loaded.tokenizer_dir;
  if (tokenizer_dir.empty() || !opts.resume_dir.empty()) tokenizer_dir = is_directory(cfg.tokenizer_path) ? cfg.tokenizer_path : "";

  if (comm) {  // every rank starts from rank 0's weights (before the optimizer copies them)
    std::vector<torch::Tensor> all;
    for (auto& p : model->parameters()) all.push_back(p.detach());
    for (auto& b : model->buffers()) all.push_back(b);
    comm->broadcast(all, 0);
  }
  auto params = select_trainable(model, cfg);
  auto opt = cfg.optim_impl == "torch" ? make_torch_adamw(params, cfg.adamw) : make_flat_adamw(params, cfg.adamw, cfg.precision);
  Objective objective(cfg.loss, model, reference, cfg.gradient_checkpointing);

  const int64_t bpe = data.batches_per_epoch();
  if (bpe < 1) throw ConfigError("the data gives no batch (empty corpus?)");
  const int64_t S = steps_per_epoch(cfg, bpe);
  const int64_t N = total_steps(cfg, bpe);
  Schedule sched;
  sched.kind = cfg.schedule;
  sched.base_lr = cfg.lr;
  sched.total_steps = N;
  sched.warmup_steps = cfg.warmup_steps > 0 ? cfg.warmup_steps : int64_t(std::ceil(double(N) * cfg.warmup_ratio));
  sched.num_cycles = cfg.num_cycles;

  TrainerState st;
  st.total_steps = N;
  st.seed = cfg.seed;
  if (!opts.resume_dir.empty()) {
    st = load_trainer_state(opts.resume_dir, *opt);
    if (st.total_steps != N)
      throw ConfigError(opts.resume_dir + ": checkpoint was for " + std::to_string(st.total_steps) +
                        " steps, this configuration has " + std::to_string(N));
  }
  Saver saver{cfg, model, tokenizer_dir, config_yaml};
  std::unique_ptr<TrainingEvaluator> evaluator;
  if (cfg.eval.every_steps > 0 && writer)
    evaluator = std::make_unique<TrainingEvaluator>(
        cfg, !tokenizer_dir.empty() ? tokenizer_dir : (cfg.tokenizer_path.empty() ? cfg.model_path : cfg.tokenizer_path));
  std::ofstream log;
  if (writer) log.open(join_path(cfg.output_dir, "log.jsonl"), std::ios::app);
  const bool tty = isatty(fileno(stderr));
  const auto t0 = Clock::now();
  const int64_t first = st.step;
  TrainResult result;
  const int64_t A = cfg.grad_accum;
  const int64_t global_batch = cfg.batch_size * A * W;
  if (!quiet && st.step < N)
    std::cerr << "training " << N - st.step << " steps, global batch " << cfg.batch_size << " x " << A << " x " << W
              << " = " << global_batch << " sequences per step\n";

  for (int64_t s = st.step; s < N; ++s) {
    const auto ts = Clock::now();
    opt->zero_grad();
    double loss_sum = 0;
    std::map<std::string, double> parts;
    int64_t tokens = 0, epoch = 0;
    for (int64_t a = 0; a < A; ++a) {
      const int64_t k = s * A + a;
      epoch = k / (S * A);
      auto [forget, retain] = data.batch(epoch, k % (S * A));
      auto loss = objective.compute(forget, retain);
      (loss.total / double(A)).backward();
      opt->accumulate_grads();
      loss_sum += loss.total.item<double>() / double(A);
      for (auto& [n, v] : loss.parts) parts[n] += v / double(A);
      tokens += (forget.defined() ? forget.tokens() : 0) + (retain.defined() ? retain.tokens() : 0);
    }
    if (comm) {  // gradients and the logged figures: means over ranks (tokens: the sum)
      std::vector<torch::Tensor> grads;  // the optimizer's accumulated gradients, averaged in place
      for (auto& [n, g] : opt->gradients()) grads.push_back(g);
      comm->all_reduce_mean(grads);
      std::vector<double> v{loss_sum, double(tokens)};
      for (auto& [n, x] : parts) v.push_back(x);
      auto t = torch::tensor(v, torch::kFloat64);
      comm->all_reduce_mean({t});
      loss_sum = t[0].item<double>();
      tokens = int64_t(std::llround(t[1].item<double>() * double(W)));
      int64_t i = 2;
      for (auto& [n, x] : parts) x = t[i++].item<double>();
    }
    const double grad_norm = opt->clip_grad_norm(cfg.max_grad_norm);
    if (!std::isfinite(loss_sum) || !std::isfinite(grad_norm))
      throw NonFiniteError("step " + std::to_string(s + 1) + ": " + (!std::isfinite(loss_sum) ? "loss" : "gradient norm") +
                           " is " + fmt(!std::isfinite(loss_sum) ? loss_sum : grad_norm) +
                           "; stopped before the update. The last checkpoint in " + cfg.output_dir +
                           " is the last good state (lower optim.lr or check the data)");
    const double lr = sched.lr(s);
    opt->step(lr);
    st.step = s + 1;
    st.micro_batch = st.step * A;
    st.epoch = st.micro_batch / (S * A);

    const double dt = std::chrono::duration<double>(Clock::now() - ts).count();
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    json line{{"step", st.step}, {"epoch", double(st.micro_batch) / double(S * A)}, {"loss", loss_sum}, {"lr", lr},
              {"grad_norm", grad_norm}, {"tokens", tokens}, {"tokens_per_s", tokens / std::max(dt, 1e-9)},
              {"elapsed_s", elapsed}, {"global_batch", global_batch}};
    for (auto& [n, v] : parts) line["loss_" + n] = v;
    log << line.dump() << "\n" << std::flush;
    result.last_loss = loss_sum;

    if (!quiet && (tty || st.step % cfg.log_every == 0 || st.step == N)) {
      const double eta = elapsed / double(st.step - first) * double(N - st.step);
      std::string msg = "step " + std::to_string(st.step) + "/" + std::to_string(N) + " loss " + fmt(loss_sum);
      for (auto& [n, v] : parts) msg += " " + n + " " + fmt(v);
      msg += " lr " + fmt(lr, "%.3g") + " |g| " + fmt(grad_norm, "%.3g") + " " + fmt(tokens / std::max(dt, 1e-9), "%.0f") +
             " tok/s ETA " + hms(eta);
      if (tty) std::cerr << "\r" << msg << "\033[K" << (st.step == N ? "\n" : "") << std::flush;
      else std::cerr << msg << "\n";
    }

    if (evaluator && evaluator->due(st.step, N) && evaluator->run(model, st.step, log, quiet)) {
      saver.save(evaluator->best_dir(), st, *opt);
      evaluator->write_record();
    }

    const bool epoch_end = st.step % S == 0;
    if (writer && ((cfg.save_every_steps > 0 && st.step % cfg.save_every_steps == 0) || (cfg.save_each_epoch && epoch_end) ||
                   (opts.stop_after > 0 && st.step == opts.stop_after && st.step < N)))
      saver.save(join_path(cfg.output_dir, "checkpoint-" + std::to_string(st.step)), st, *opt);
    if (opts.stop_after > 0 && st.step == opts.stop_after && st.step < N) {
      if (tty && !quiet) std::cerr << "\n";
      if (comm) comm->barrier();  // no rank leaves before rank 0 has written the checkpoint
      result.steps = st.step;
      return result;
    }
  }
  result.final_dir = join_path(cfg.output_dir, "final");
  if (writer) saver.save(result.final_dir, st, *opt);
  if (comm) comm->barrier();  // no rank leaves before rank 0 has written final/
  result.steps = st.step;
  return result;
}

}  // namespace lethe::train

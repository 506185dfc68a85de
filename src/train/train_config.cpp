#include "lethe/train/train_config.h"

#include <algorithm>

#include "lethe/core/error.h"
#include "lethe/train/recipe.h"

namespace lethe::train {

json recipe_defaults() {
  return json{
      {"model", {{"path", ""}, {"tokenizer", ""}}},
      {"data",                      // the data area's DataConfig (data/data_config.h)
       {{"forget", json::array()},  // unlearn: forget corpus files, in order; an entry may also be a
                                    // mapping {path, format, text_field, max_length, min_chars}
                                    // overriding those keys for its file. Entry i is topic i
                                    // (forget_mix round_robin; RMU's direction i)
        {"retain", json::array()},  // unlearn: retain corpus files (entries as in forget)
        {"train", json::array()},   // finetune: the corpus files (entries as in forget)
        {"format", "auto"},        // auto | jsonl | json | txt | lines (one document per line, verbatim)
        {"text_field", "text"},    // JSON field holding the text
        {"split_blank_lines", false},  // txt: one document per blank-line separated block
        {"min_chars", 0},          // drop documents of fewer characters (0 = keep all)
        {"cut", "per_document"},   // per_document | token_stream
        {"max_length", 1024},      // tokens per example (token_stream: chunk length incl. BOS)
        {"pad_to_max_length", true},
        {"mask_padding", true},    // labels of pad positions = -100 (false reproduces WMDP code)
        {"add_bos", true},
        {"pad", "auto"},           // pad id: auto (pad token, else EOS) | eos | pad | a token id
        {"pad_side", "right"},     // right | left (HF padding_side; WMDP's RMU code pads left)
        {"bos_id", -1},            // token_stream: BOS id (-1 = the tokenizer's)
        {"separator", "\n\n"},     // token_stream: documents joined with this
        {"wrap_with_bos", true},   // token_stream: the short last chunk is completed with the first
                                   // chunk including its BOS (muse_bench); false: with raw tokens
        {"pairing", "random"},     // random | cyclic (forget i with retain i mod |R|)
        {"shuffle", true},
        {"seed", -1},              // shuffle and pairing seed (-1 = train.seed)
        {"forget_mix", "concat"},  // concat: the forget corpora are one set | round_robin: optimizer
                                   // step s trains on forget corpus s mod n only (WMDP's RMU loop)
        {"max_examples", 0},       // forget (finetune: train) examples kept, the first N (0 = all)
        {"max_retain_examples", 0}}},  // retain examples kept (0 = all)
      {"loss",
       {{"forget", "simnpo"},      // simnpo | npo | ga | graddiff (grad_diff) | rmu | none
        {"retain", "nll"},         // nll | kl | none
        {"forget_weight", 1.0},
        {"retain_weight", 1.0},
        {"beta", 0.1},
        {"gamma", 0.0},
        {"simnpo_mode", "avg"},    // avg | batch_mean | logits
        {"length_norm", "reference"},
        {"npo_reduction", "sequence_sum"},
        {"kl_positions", "all"},
        {"cache_reference", true},
        {"chunk_rows", 256},
        {"rmu",
         {{"layer", 7},
          {"steering_coeff", 6.5},
          {"alpha", 1200.0},
          {"params", json::array()},
          {"direction_seed", 0}}}}},
      {"optim",
       {{"impl", "flat"},          // flat (one fused loop) | torch (torch::optim::AdamW reference)
        {"lr", 1e-5},
        {"beta1", 0.9},
        {"beta2", 0.999},
        {"eps", 1e-8},
        {"weight_decay", 0.0},
        {"max_grad_norm", 1.0}}},
      {"schedule", {{"type", "constant"}, {"warmup_steps", 0}, {"warmup_ratio", 0.0}, {"num_cycles", 0.5}}},
      {"train",
       {{"seed", 42},
        {"max_steps", 0},
        {"epochs", 1},
        {"batch_size", 4},
        {"grad_accum", 1},
        {"precision", "fp32"},     // fp32 | bf16_mixed | bf16_pure
        {"gradient_checkpointing", false},
        {"threads", 0},
        {"log_every", 10}}},
      {"output",
       {{"dir", ""}, {"save_every_steps", 0}, {"save_each_epoch", false}, {"save_dtype", ""}}},
      {"eval",                     // evaluation during training (eval/suite.h), off by default
       {{"suite", ""},             // wmdp | mmlu | muse
        {"data", ""},              // the suite's data file or directory
        {"every_steps", 0},        // run every N optimizer steps and after the last one (0 = never)
        {"metric", ""},            // keep <output>/best by this metric (e.g. verbmem_f); "" = no selection
        {"mode", "max"},           // max | min: which direction is better
        {"limit", 0},              // first N items of each part (0 = all)
        {"batch_size", 8},
        {"muse_corpus", "books"},  // muse: which reference AUC_retrain PrivLeak uses
        {"retrain_model", ""}}},   // muse: compute AUC_retrain from this model instead
  };
}

namespace {

void require(bool ok, const std::string& key, const std::string& problem) {
  if (!ok) throw ConfigError(key + ": " + problem);
}

}  // namespace

TrainConfig TrainConfig::from_json(const json& t, TaskKind task) {
  TrainConfig c;
  c.task = task;
  c.resolved = t;
  c.model_path = t["model"]["path"];
  c.tokenizer_path = t["model"]["tokenizer"];
  if (c.tokenizer_path.empty()) c.tokenizer_path = c.model_path;
  require(!c.model_path.empty(), "model.path", "required (a Hugging Face model directory)");
  json data_section = t["data"];
  if (data_section["seed"].get<int64_t>() < 0) data_section["seed"] = t["train"]["seed"];  // -1: the run's seed
  c.data = data::DataConfig::from_json(data_section, "data");

  const auto& l = t["loss"];
  std::string forget = l["forget"];
  if (forget == "graddiff") forget = "grad_diff";  // recipe spelling (as "ga" for grad_ascent)
  c.loss.forget_none = forget == "none";
  if (!c.loss.forget_none) c.loss.forget = losses::parse_forget_loss(forget, "loss.forget");
  c.loss.retain = losses::parse_retain_loss(l["retain"], "loss.retain");
  c.loss.forget_weight = l["forget_weight"];
  c.loss.retain_weight = l["retain_weight"];
  const double beta = l["beta"];
  require(beta > 0, "loss.beta", "must be > 0");
  c.loss.simnpo.beta = c.loss.npo.beta = beta;
  c.loss.simnpo.gamma = l["gamma"];
  c.loss.simnpo.mode = losses::parse_simnpo_mode(l["simnpo_mode"], "loss.simnpo_mode");
  c.loss.simnpo.length_norm = losses::parse_length_norm(l["length_norm"], "loss.length_norm");
  c.loss.npo.reduction = losses::parse_npo_reduction(l["npo_reduction"], "loss.npo_reduction");
  c.loss.kl_positions = losses::parse_kl_positions(l["kl_positions"], "loss.kl_positions");
  c.loss.cache_reference = l["cache_reference"];
  c.loss.chunk_rows = l["chunk_rows"];
  require(c.loss.chunk_rows > 0, "loss.chunk_rows", "must be > 0");
  const auto& r = l["rmu"];
  c.loss.rmu.layer = r["layer"];
  c.loss.rmu.steering_coeff = r["steering_coeff"];
  c.loss.rmu.alpha = r["alpha"];
  for (const auto& p : r["params"]) require(p.is_string(), "loss.rmu.params", "expected a list of parameter names");
  c.loss.rmu.params = r["params"].get<std::vector<std::string>>();
  c.loss.rmu.direction_seed = r["direction_seed"].get<uint64_t>();
  c.loss.rmu.topics = std::max<int64_t>(1, static_cast<int64_t>(c.data.forget.size()));
  const auto& ev = t["eval"];
  c.eval.suite = ev["suite"];
  c.eval.data = ev["data"];
  c.eval.every_steps = ev["every_steps"];
  c.eval.metric = ev["metric"];
  c.eval.mode = ev["mode"];
  c.eval.limit = ev["limit"];
  c.eval.batch_size = ev["batch_size"];
  c.eval.muse_corpus = ev["muse_corpus"];
  c.eval.retrain_model = ev["retrain_model"];
  require(c.eval.every_steps >= 0, "eval.every_steps", "must be >= 0");
  require(c.eval.every_steps == 0 || !c.eval.suite.empty(), "eval.suite", "required when eval.every_steps > 0 (wmdp, mmlu or muse)");
  require(c.eval.mode == "max" || c.eval.mode == "min", "eval.mode", "must be max or min");
  require(c.eval.metric.empty() || c.eval.every_steps > 0, "eval.metric", "needs eval.every_steps > 0");
  if (task == TaskKind::finetune) {
    require(c.data.forget_mix == data::ForgetMix::concat, "data.forget_mix",
            "round_robin takes turns between forget corpora: it applies to unlearning only");
    require(c.loss.forget_none, "loss.forget", "finetune trains NLL only: set it to none");
    require(c.loss.retain == losses::RetainLoss::nll, "loss.retain", "finetune trains NLL only: set it to nll");
  } else {
    require(!c.loss.forget_none, "loss.forget", "an unlearning recipe needs a forget loss");
    if (!c.loss.forget_none && c.loss.forget == losses::ForgetLoss::rmu) {
      require(!c.loss.rmu.params.empty(), "loss.rmu.params", "list the trained parameters, e.g. "
              "[model.layers.7.mlp.down_proj.weight]");
      require(c.loss.retain == losses::RetainLoss::none, "loss.retain",
              "RMU has its own retain term (loss.rmu.alpha): set loss.retain to none");
    }
    if (c.loss.forget == losses::ForgetLoss::grad_diff)
      require(c.loss.retain == losses::RetainLoss::nll, "loss.retain", "graddiff is GA + retain NLL: set it to nll");
  }

  const auto& o = t["optim"];
  c.optim_impl = o["impl"];
  require(c.optim_impl == "flat" || c.optim_impl == "torch", "optim.impl", "use flat or torch");
  c.lr = o["lr"];
  c.adamw.beta1 = o["beta1"];
  c.adamw.beta2 = o["beta2"];
  c.adamw.eps = o["eps"];
  c.adamw.weight_decay = o["weight_decay"];
  c.max_grad_norm = o["max_grad_norm"];
  require(c.lr >= 0, "optim.lr", "must be >= 0");
  require(c.adamw.beta1 >= 0 && c.adamw.beta1 < 1, "optim.beta1", "must be in [0, 1)");
  require(c.adamw.beta2 >= 0 && c.adamw.beta2 < 1, "optim.beta2", "must be in [0, 1)");

  const auto& s = t["schedule"];
  c.schedule = parse_schedule(s["type"], "schedule.type");
  c.warmup_steps = s["warmup_steps"];
  c.warmup_ratio = s["warmup_ratio"];
  c.num_cycles = s["num_cycles"];
  require(c.warmup_steps >= 0, "schedule.warmup_steps", "must be >= 0");
  require(c.warmup_ratio >= 0 && c.warmup_ratio <= 1, "schedule.warmup_ratio", "must be in [0, 1]");

  const auto& tr = t["train"];
  c.seed = tr["seed"].get<uint64_t>();
  c.max_steps = tr["max_steps"];
  c.epochs = tr["epochs"];
  c.batch_size = tr["batch_size"];
  c.grad_accum = tr["grad_accum"];
  c.precision = parse_precision(tr["precision"]);
  c.gradient_checkpointing = tr["gradient_checkpointing"];
  c.threads = tr["threads"];
  c.log_every = tr["log_every"];
  require(c.max_steps > 0 || c.epochs > 0, "train.max_steps", "set max_steps or epochs > 0");
  require(c.batch_size > 0, "train.batch_size", "must be > 0");
  require(c.grad_accum > 0, "train.grad_accum", "must be > 0");
  require(c.log_every > 0, "train.log_every", "must be > 0");
  if (c.precision != Precision::fp32)
    require(c.optim_impl == "flat", "optim.impl", "bf16 precision modes need the flat optimizer");

  const auto& out = t["output"];
  c.output_dir = out["dir"];
  c.save_every_steps = out["save_every_steps"];
  c.save_each_epoch = out["save_each_epoch"];
  c.save_dtype = out["save_dtype"];
  require(!c.output_dir.empty(), "output.dir", "required (where checkpoints and logs go)");
  require(c.save_dtype.empty() || c.save_dtype == "float32" || c.save_dtype == "bfloat16", "output.save_dtype",
          "use float32 or bfloat16 (or leave empty for the model's dtype)");
  return c;
}

TrainConfig load_train_config(const std::string& path, const std::vector<std::string>& overrides, TaskKind task) {
  auto tree = load_recipe(path, recipe_defaults(), overrides);
  try {
    return TrainConfig::from_json(tree, task);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

}  // namespace lethe::train

// One unlearning training step (SimNPO-avg + retain NLL, and NPO + retain NLL with the cached
// reference) on a ~34M-parameter Llama (d 512, 8 layers, SwiGLU 1376, vocab 8192), forget and
// retain batches of 4 x 256 tokens, flat AdamW + clipping, fp32 and bf16_mixed. Prints tokens/s
// and GFLOP/s counted as 6 * N * tokens. bench/train_step_hf.py times the same steps in
// transformers + torch; bench/run_train_step.sh runs both and prints the ratio.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "lethe/core/runtime.h"
#include "lethe/model/checkpoint.h"
#include "lethe/train/objective.h"

using namespace lethe;
using namespace lethe::train;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const std::string out = argc > 1 ? argv[1] : "/tmp/lethe-bench-train";
  const int threads = init_threads();
  json cj = {{"model_type", "llama"}, {"vocab_size", 8192}, {"hidden_size", 512}, {"intermediate_size", 1376},
             {"num_hidden_layers", 8}, {"num_attention_heads", 8}, {"num_key_value_heads", 8},
             {"max_position_embeddings", 1024}, {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", false},
             {"bos_token_id", 1}, {"eos_token_id", 2}};
  auto cfg = ModelConfig::from_json(cj, "bench config");
  std::filesystem::create_directories(out);
  auto init = init_model(cfg, 0);
  save_model(init.model, out + "/model");
  const int64_t N = cfg.parameter_count(), B = 4, T = 256;
  torch::manual_seed(0);
  StepBatch f{torch::randint(3, 8192, {B, T}, torch::kInt64), torch::ones({B, T}, torch::kInt64), {}, {0, 1, 2, 3}};
  StepBatch r{torch::randint(3, 8192, {B, T}, torch::kInt64), torch::ones({B, T}, torch::kInt64), {}, {}};
  f.labels = f.input_ids;
  r.labels = r.input_ids;
  const int64_t tokens = 2 * B * T;
  json result = {{"parameters", N}, {"threads", threads}, {"tokens_per_step", tokens}};
  for (std::string loss : {"simnpo", "npo"}) {
    for (auto prec : {Precision::fp32, Precision::bf16_mixed}) {
      LoadOptions lo;
      lo.dtype = model_dtype(prec);
      auto m = load_model(out + "/model", lo).model;
      std::optional<CausalLM> ref;
      LossConfig lc;
      lc.forget = losses::parse_forget_loss(loss);
      lc.simnpo.beta = 2.5;
      lc.npo.beta = 0.1;
      if (loss == "npo") {
        ref = load_model(out + "/model", lo).model;
        for (auto& p : (*ref)->parameters()) p.set_requires_grad(false);
      }
      Objective obj(lc, m, ref, false);
      NamedTensors params;
      for (auto& np : m->named_parameters()) params.emplace_back(np.key(), np.value());
      auto opt = make_flat_adamw(params, {}, prec);
      double first_loss = 0, best = 1e30;
      for (int it = 0; it < 4; ++it) {  // 1 warm-up + 3 timed
        auto t0 = Clock::now();
        opt->zero_grad();
        auto l = obj.compute(f, r);
        l.total.backward();
        opt->accumulate_grads();
        opt->clip_grad_norm(1.0);
        opt->step(1e-5);
        const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
        if (it == 0) first_loss = l.total.item<double>();
        else best = std::min(best, dt);
      }
      if (!std::isfinite(first_loss)) {
        std::cerr << "non-finite loss\n";
        return 1;
      }
      const std::string key = loss + "_" + to_string(prec);
      const double tps = tokens / best;
      result[key] = {{"seconds", best}, {"tokens_per_s", tps}, {"gflops", 6.0 * N * tps / 1e9}, {"loss", first_loss}};
      std::cout << "lethe " << key << ": " << best << " s/step, " << tps << " tokens/s, " << 6.0 * N * tps / 1e9
                << " GFLOP/s (6*N*tokens, N=" << N << "), first loss " << first_loss << std::endl;
    }
  }
  write_json_file(out + "/lethe.json", result);
  return 0;
}

// Forward and generation throughput of a ~58M-parameter Llama (d 512, 8 layers, SwiGLU 1376,
// vocab 32000) in fp32 and bf16. Writes the model and a reference logits file to --out so that
// bench/forward_hf.py can check transformers computes the same logits, then time the same work.
// Run both with bench/run_forward.sh.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "lethe/core/runtime.h"
#include "lethe/io/safetensors.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/generate.h"

using namespace lethe;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

template <typename F>
double best_of(int reps, F&& f) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    f();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string out = argc > 1 ? argv[1] : "/tmp/lethe-bench-forward";
  const int threads = init_threads();
  json cfg_json = {{"model_type", "llama"}, {"vocab_size", 32000}, {"hidden_size", 512}, {"intermediate_size", 1376},
                   {"num_hidden_layers", 8}, {"num_attention_heads", 8}, {"num_key_value_heads", 8},
                   {"max_position_embeddings", 1024}, {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", false},
                   {"bos_token_id", 1}, {"eos_token_id", 2}};
  auto cfg = ModelConfig::from_json(cfg_json, "bench config");
  auto lm = init_model(cfg, 0);
  std::filesystem::create_directories(out);
  save_model(lm.model, out + "/model");
  const int64_t N = cfg.parameter_count();
  // FLOPs counted as 2 x (parameters used in matrix products) per token: the embedding lookup is
  // not a product, the lm_head is. Attention's T x T products are left out (small at T = 256).
  const int64_t N_matmul = N - cfg.vocab_size * cfg.hidden_size;
  const int64_t B = 4, T = 256;
  auto ids = torch::randint(3, cfg.vocab_size, {B, T}, torch::TensorOptions().dtype(torch::kInt64));
  json result = {{"parameters", N}, {"matmul_parameters", N_matmul}, {"threads", threads}, {"batch", B}, {"seq", T}};

  for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    const std::string name = dtype == torch::kFloat32 ? "fp32" : "bf16";
    LoadOptions lo;
    lo.dtype = dtype;
    auto m = load_model(out + "/model", lo);
    torch::InferenceMode guard;
    torch::Tensor logits;
    auto fwd = [&] { logits = m.model->forward({ids, torch::Tensor(), torch::Tensor(), nullptr}); };
    fwd();  // warm-up, and the output checked by forward_hf.py
    save_safetensors(out + "/logits_" + name + ".safetensors",
                     {{"input_ids", ids}, {"logits", logits.narrow(1, T - 4, 4).to(torch::kFloat32).contiguous()}});
    const double t_fwd = best_of(3, fwd);
    // Generation: 4 prompts of 32 tokens, 64 new tokens each, greedy.
    std::vector<std::vector<int64_t>> prompts;
    for (int64_t b = 0; b < B; ++b) {
      auto row = ids[b].narrow(0, 0, 32);
      prompts.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + 32);
    }
    GenerationConfig gc;
    gc.max_new_tokens = 64;
    const double t_gen = best_of(2, [&] { generate(m.model, prompts, gc); });
    const double fwd_tps = B * T / t_fwd, gen_tps = B * 64 / t_gen;
    result[name] = {{"forward_s", t_fwd}, {"forward_tokens_per_s", fwd_tps}, {"forward_gflops", 2.0 * N_matmul * fwd_tps / 1e9},
                    {"generate_s", t_gen}, {"generate_tokens_per_s", gen_tps}};
    std::cout << "lethe " << name << ": forward " << B << "x" << T << " in " << t_fwd << " s (" << fwd_tps << " tok/s, "
              << 2.0 * N_matmul * fwd_tps / 1e9 << " GFLOP/s); generation " << B << "x64 new tokens in " << t_gen << " s ("
              << gen_tps << " tok/s)\n";
  }
  write_json_file(out + "/lethe.json", result);
  return 0;
}

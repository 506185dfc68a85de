// lethe generate --model M --prompt TEXT [--prompt ...] [--input FILE]: batched generation.
#include <fstream>
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/generate.h"
#include "lethe/model/tokenizer_loader.h"

namespace lethe::cli {
namespace {

struct GenerateArgs {
  std::string model, input, dtype = "float32";
  std::vector<std::string> prompts, stops;
  int64_t max_new_tokens = 64, top_k = 0, batch_size = 8;
  double temperature = 0.0, top_p = 1.0;
  uint64_t seed = 0;
  bool as_json = false, no_special_tokens = false;
};

// --input: one prompt per line, as a JSON string or an object with a "prompt" field.
std::vector<std::string> read_prompt_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FormatError(path, "cannot open file for reading");
  std::vector<std::string> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      throw FormatError(path, "line " + std::to_string(n) + ": not JSON (" + e.what() + ")");
    }
    if (j.is_string()) out.push_back(j.get<std::string>());
    else if (j.is_object() && j.contains("prompt") && j["prompt"].is_string()) out.push_back(j["prompt"].get<std::string>());
    else throw FormatError(path, "line " + std::to_string(n) + ": expected a JSON string or {\"prompt\": ...}");
  }
  return out;
}

std::vector<int64_t> widen(const std::vector<int32_t>& v) { return {v.begin(), v.end()}; }
std::vector<int32_t> narrow_ids(const std::vector<int64_t>& v) { return {v.begin(), v.end()}; }

void run_generate(const GenerateArgs& a) {
  std::vector<std::string> prompts = a.prompts;
  if (!a.input.empty()) {
    auto more = read_prompt_file(a.input);
    prompts.insert(prompts.end(), more.begin(), more.end());
  }
  if (prompts.empty()) throw ConfigError("no prompt: give --prompt TEXT or --input FILE");
  LoadOptions lo;
  lo.dtype = parse_dtype(a.dtype);
  auto lm = load_model(a.model, lo);
  auto tok = load_tokenizer(a.model);

  GenerationConfig gc;
  gc.max_new_tokens = a.max_new_tokens;
  gc.do_sample = a.temperature > 0;
  gc.temperature = gc.do_sample ? a.temperature : 1.0;
  gc.top_k = a.top_k;
  gc.top_p = a.top_p;
  gc.seed = a.seed;
  gc.stop_strings = a.stops;
  gc.eos_token_ids = lm.config.eos_token_ids;
  if (auto e = tok.eos_id()) gc.eos_token_ids.push_back(*e);
  gc.pad_token_id = tok.pad_id().value_or(tok.eos_id().value_or(0));
  DecodeFn decode = [&tok](const std::vector<int64_t>& ids) { return tok.decode(narrow_ids(ids), true); };

  for (size_t start = 0; start < prompts.size(); start += a.batch_size) {
    const size_t end = std::min(prompts.size(), start + static_cast<size_t>(a.batch_size));
    std::vector<std::vector<int64_t>> ids;
    for (size_t i = start; i < end; ++i) ids.push_back(widen(tok.encode(prompts[i], !a.no_special_tokens)));
    auto out = generate(lm.model, ids, gc, decode);
    for (size_t i = start; i < end; ++i) {
      const auto& g = out[i - start];
      std::string text = decode(g.tokens);
      for (const auto& s : a.stops)
        if (auto p = text.find(s); !s.empty() && p != std::string::npos) text = text.substr(0, p);
      if (a.as_json) {
        std::cout << json{{"prompt", prompts[i]}, {"completion", text}, {"tokens", g.tokens}, {"finish_reason", g.finish_reason}}.dump()
                  << "\n";
      } else {
        std::cout << prompts[i] << text << "\n" << (i + 1 < prompts.size() ? "---\n" : "");
      }
    }
  }
}

}  // namespace

void register_generate(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Generate text from prompts (batched, KV cache)");
  cmd->add_option("--model", a->model, "Model: Hugging Face directory or .gguf file")->required();
  // allow_extra_args(false): a prompt that looks like "[a,b]" stays one string (CLI11 would split it).
  cmd->add_option("--prompt", a->prompts, "Prompt text (repeatable)")->allow_extra_args(false);
  cmd->add_option("--input", a->input, "File of prompts: one JSON string (or {\"prompt\": ...}) per line");
  cmd->add_option("--max-new-tokens", a->max_new_tokens, "Tokens to generate at most")->capture_default_str();
  cmd->add_option("--temperature", a->temperature, "0 = greedy; > 0 samples")->capture_default_str();
  cmd->add_option("--top-k", a->top_k, "Sample among the k most likely tokens (0 = off)")->capture_default_str();
  cmd->add_option("--top-p", a->top_p, "Nucleus sampling mass (1 = off)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Sampling seed")->capture_default_str();
  cmd->add_option("--stop", a->stops, "Stop when this text appears (repeatable); it is cut from the output");
  cmd->add_option("--batch-size", a->batch_size, "Prompts per batch")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "Compute dtype: float32 or bfloat16")->capture_default_str();
  cmd->add_flag("--no-special-tokens", a->no_special_tokens, "Do not add BOS/EOS to the prompt");
  cmd->add_flag("--json", a->as_json, "One JSON object per prompt: prompt, completion, tokens, finish_reason");
  cmd->callback([a] { run_generate(*a); });
}

}  // namespace lethe::cli

// lethe convert IN.gguf --out DIR [--dtype float32|bfloat16]: a GGUF file as a Hugging Face model
// directory (safetensors, config, generation config, tokenizer.json, tokenizer_config.json).
#include <chrono>
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/model/convert.h"

namespace lethe::cli {
namespace {

struct ConvertArgs {
  std::string input, out, dtype = "float32";
};

void run_convert(const ConvertArgs& a) {
  ConvertOptions co;
  co.dtype = parse_dtype(a.dtype);
  const auto t0 = std::chrono::steady_clock::now();
  const ConvertResult r = convert_gguf_to_hf(a.input, a.out, co);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "converted " << a.input << " -> " << a.out << " (" << r.config.model_type << ", "
            << r.parameters << " parameters, " << a.dtype << ") in " << s << " s\n";
  for (const auto& f : r.files) std::cout << "  " << f << "\n";
  if (!r.has_tokenizer) std::cout << "note: the GGUF file has no tokenizer vocabulary; no tokenizer files written\n";
}

}  // namespace

void register_convert(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  auto* cmd = app.add_subcommand("convert", "Convert a GGUF file into a Hugging Face model directory");
  cmd->add_option("input", a->input, "Input .gguf file")->required();
  cmd->add_option("--out", a->out, "Output directory (created; config.json is written last)")->required();
  cmd->add_option("--dtype", a->dtype, "Stored dtype: float32 or bfloat16")->capture_default_str();
  cmd->callback([a] { run_convert(*a); });
}

}  // namespace lethe::cli

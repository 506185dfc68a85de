// lethe score --model M --input TEXTS.jsonl: per text, tokens, per-token log-probs, loss, zlib,
// Min-K% (K = 0.1, 0.2, 0.4, 0.6; muse_bench's k_len = floor(n K)) and Min-K%++; JSON lines.
#include <fstream>
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/eval/report.h"
#include "lethe/eval/scoring.h"
#include "lethe/metrics/mia.h"
#include "lethe/model/checkpoint.h"
#include "lethe/model/tokenizer_loader.h"

namespace lethe::cli {
namespace {

struct ScoreArgs {
  std::string model, input, out, dtype = "float32";
  int64_t batch_size = 8;
  bool no_bos = false;
};

void run_score(const ScoreArgs& a) {
  std::vector<std::string> texts;
  const auto lines = eval::read_jsonl(a.input);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    if (l.is_string()) texts.push_back(l.get<std::string>());
    else if (l.is_object() && l.contains("text") && l["text"].is_string()) texts.push_back(l["text"].get<std::string>());
    else throw FormatError(a.input, "entry " + std::to_string(i + 1) + ": expected a JSON string or {\"text\": ...}");
  }
  LoadOptions lo;
  lo.dtype = parse_dtype(a.dtype);
  auto lm = load_model(a.model, lo);
  auto tok = load_tokenizer(a.model);
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& t : texts) {
    auto ids = tok.encode(t, false);
    if (!a.no_bos) ids.insert(ids.begin(), eval::bos_token(tok, lm.config));
    seqs.push_back(std::move(ids));
  }
  eval::ScorerOptions so;
  so.batch_size = a.batch_size;
  eval::Scorer scorer(lm.model, so);
  const auto stats = scorer.token_stats(seqs, true);
  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) throw FormatError(a.out, "cannot open for writing");
  }
  std::ostream& os = a.out.empty() ? std::cout : file;
  for (size_t i = 0; i < stats.size(); ++i) {
    const auto& s = stats[i];
    const double loss = loss_score(s.logprobs);
    json mk = json::object(), mkpp = json::object();
    for (double k : {0.1, 0.2, 0.4, 0.6}) {
      char key[8];
      std::snprintf(key, sizeof key, "%.1f", k);
      mk[key] = min_k_score(s.logprobs, k, MinKConvention::Muse);  // NaN -> null
      mkpp[key] = min_k_plus_plus_score(s.logprobs, s.mu, s.sigma, k, MinKConvention::Muse);
    }
    os << json{{"index", i}, {"tokens", s.tokens}, {"logprobs", s.logprobs}, {"loss", loss},
               {"zlib", zlib_score(loss, texts[i])}, {"min_k", mk}, {"min_k_plus_plus", mkpp},
               {"bos", !a.no_bos}, {"truncated", s.truncated}}
              .dump()
       << "\n";
  }
}

}  // namespace

void register_score(CLI::App& app) {
  auto a = std::make_shared<ScoreArgs>();
  auto* cmd = app.add_subcommand("score", "Per-token log-probs and membership-inference scores of texts (JSON lines)");
  cmd->add_option("--model", a->model, "Model: Hugging Face directory or .gguf file")->required();
  cmd->add_option("--input", a->input, "JSONL: one string or {\"text\": ...} per line")->required();
  cmd->add_option("--out", a->out, "Write the JSON lines here (default: stdout)");
  cmd->add_option("--batch-size", a->batch_size, "Texts per forward pass")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "Compute dtype")->capture_default_str();
  cmd->add_flag("--no-bos", a->no_bos, "Do not prepend BOS (MUSE prepends it)");
  cmd->callback([a] { run_score(*a); });
}

}  // namespace lethe::cli

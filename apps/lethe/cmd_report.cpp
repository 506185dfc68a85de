// lethe report RUN.json... [--out DIR] [--log TRAIN.jsonl...]: the seeds' Markdown table of eval
// results, and SVG plots (forget vs utility across runs; training curves of trainer logs).
#include <filesystem>
#include <iostream>

#include "cli_util.h"
#include "commands.h"
#include "lethe/eval/report.h"

namespace lethe::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> runs, logs;
  std::string out;
};

void run_report(const ReportArgs& a) {
  std::vector<json> results;
  for (const auto& p : a.runs) {
    json r = read_json_file(p);
    if (!r.is_object() || !r.contains("metrics")) throw FormatError(p, "not a `lethe eval` result (no 'metrics')");
    results.push_back(std::move(r));
  }
  const std::string table = eval::markdown_table(results);
  std::cout << table;
  if (a.out.empty()) return;
  std::filesystem::create_directories(a.out);
  write_text_file_atomic(join_path(a.out, "table.md"), table);
  std::string xt, yt;
  const auto pts = eval::forget_utility_points(results, xt, yt);
  if (!pts.empty()) {
    write_text_file_atomic(join_path(a.out, "forget_utility.svg"), eval::scatter_svg(pts, "Forgetting vs utility", xt, yt));
    std::cerr << "wrote " << join_path(a.out, "forget_utility.svg") << "\n";
  }
  for (const auto& log : a.logs) {
    size_t skipped = 0;
    const auto lines = eval::read_jsonl(log, &skipped);
    const std::string stem = std::filesystem::path(log).stem().string();
    const std::string path = join_path(a.out, "curves_" + stem + ".svg");
    write_text_file_atomic(path, eval::training_curves_svg(lines, "Training: " + stem));
    std::cerr << "wrote " << path << (skipped ? " (" + std::to_string(skipped) + " non-JSON lines skipped)" : "") << "\n";
  }
}

}  // namespace

void register_report(CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Markdown table and SVG plots of `lethe eval` results");
  cmd->add_option("runs", a->runs, "Result files written by `lethe eval --out`")->required();
  cmd->add_option("--out", a->out, "Directory for table.md, forget_utility.svg and curves_*.svg");
  cmd->add_option("--log", a->logs, "Trainer JSONL log (lines with \"step\" and *loss* fields) to plot (repeatable)");
  cmd->callback([a] { run_report(*a); });
}

}  // namespace lethe::cli

// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the CLI11 app.
// No ML logic here: commands parse options, call the library, print results.
#pragma once
#include <CLI/CLI.hpp>

namespace lethe::cli {

void register_inspect(CLI::App& app);
void register_init_model(CLI::App& app);
void register_generate(CLI::App& app);
void register_forward(CLI::App& app);
void register_eval(CLI::App& app);
void register_score(CLI::App& app);
void register_metrics(CLI::App& app);
void register_report(CLI::App& app);
void register_unlearn(CLI::App& app);   // cmd_unlearn.cpp
void register_finetune(CLI::App& app);  // cmd_finetune.cpp
void register_tokenize(CLI::App& app);
void register_convert(CLI::App& app);
void register_demo(CLI::App& app);
void register_launch(CLI::App& app);  // cmd_launch.cpp

}  // namespace lethe::cli

// lethe: machine unlearning for causal language models. Subcommands are in cmd_*.cpp.
#include <iostream>

#include "commands.h"
#include "lethe/core/error.h"
#include "lethe/core/runtime.h"

int main(int argc, char** argv) {
  CLI::App app{"Lethe: make language models forget (SimNPO, NPO, RMU, ...) and measure it."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  lethe::cli::register_inspect(app);
  lethe::cli::register_init_model(app);
  lethe::cli::register_generate(app);
  lethe::cli::register_forward(app);
  lethe::cli::register_eval(app);
  lethe::cli::register_score(app);
  lethe::cli::register_metrics(app);
  lethe::cli::register_report(app);
  lethe::cli::register_unlearn(app);
  lethe::cli::register_finetune(app);
  lethe::cli::register_tokenize(app);
  lethe::cli::register_convert(app);
  lethe::cli::register_demo(app);
  lethe::cli::register_launch(app);
  lethe::init_threads();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const lethe::Error& e) {
    std::cerr << "lethe: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "lethe: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}

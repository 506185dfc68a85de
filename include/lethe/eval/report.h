// Reports over `lethe eval` result files: the seeds' Markdown table and hand-written SVG plots
// (no plotting library). Pure functions of JSON values and strings.
#pragma once
#include <string>
#include <vector>

#include "lethe/core/files.h"

namespace lethe::eval {

// The row label of a result: its "label" (given at eval time), else its "model" path.
std::string result_label(const json& result);

// One Markdown table, one row per label (results of several protocols for the same label merge into
// one row), rows in first-appearance order. Columns as the seeds report them:
//   WMDP/MMLU results present: | Model | 1-AccBio | 1-AccCyber | MMLU |   (3 decimals)
//   MUSE results present:      | Model | VerbMem Df | KnowMem Df | PrivLeak | KnowMem Dr | (2 decimals)
// both groups when both kinds are present; a missing number prints as "-".
std::string markdown_table(const std::vector<json>& results);

struct ScatterPoint {
  std::string label;
  double x = 0.0, y = 0.0;
};

// Forget-vs-utility points, one per label: MUSE x = VerbMem Df, y = KnowMem Dr; WMDP x = mean of
// the 1-Acc values present, y = MMLU. `axis_x`/`axis_y` receive the axis titles. Labels lacking
// either number are skipped.
std::vector<ScatterPoint> forget_utility_points(const std::vector<json>& results, std::string& axis_x, std::string& axis_y);

// Training curves from a trainer JSONL log: every line with a numeric "step"; one series per numeric
// field whose name contains "loss". Lines that are not JSON objects are skipped. Throws
// ConfigError if no series results.
std::string training_curves_svg(const std::vector<json>& log_lines, const std::string& title);

// A labelled scatter plot.
std::string scatter_svg(const std::vector<ScatterPoint>& points, const std::string& title, const std::string& x_title,
                        const std::string& y_title);

// Reads a JSONL file (blank lines skipped; a line that is not JSON is skipped too and counted).
std::vector<json> read_jsonl(const std::string& path, size_t* skipped = nullptr);

}  // namespace lethe::eval

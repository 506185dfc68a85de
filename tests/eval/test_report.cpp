// Report rendering: the seeds' Markdown table layout, forget-vs-utility points, SVG well-formedness
// of the hand-written plots (numbers placed where the data says).
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/eval/report.h"
#include "test_paths.h"

namespace lethe::eval {
namespace {

std::vector<json> runs() {
  return {json{{"protocol", "wmdp"}, {"label", "Origin"}, {"metrics", {{"wmdp_bio/1-acc", 0.352}, {"wmdp_cyber/1-acc", 0.608}}}},
          json{{"protocol", "mmlu"}, {"label", "Origin"}, {"metrics", {{"mmlu/acc", 0.585}}}},
          json{{"protocol", "wmdp"}, {"model", "/runs/simnpo"}, {"metrics", {{"wmdp_bio/1-acc", 0.584}, {"wmdp_cyber/1-acc", 0.678}}}},
          json{{"protocol", "mmlu"}, {"model", "/runs/simnpo"}, {"metrics", {{"mmlu/acc", 0.471}}}}};
}

TEST(Report, WmdpTableMergesProtocolsPerLabel) {
  EXPECT_EQ(markdown_table(runs()),
            "| Model | 1-AccBio | 1-AccCyber | MMLU |\n|---|---:|---:|---:|\n"
            "| Origin | 0.352 | 0.608 | 0.585 |\n| /runs/simnpo | 0.584 | 0.678 | 0.471 |\n");
}

TEST(Report, MuseTableAndMissingValues) {
  std::vector<json> r = {json{{"protocol", "muse"}, {"label", "SimNPO"},
                              {"metrics", {{"verbmem_f", 0.0}, {"knowmem_f", 0.0}, {"privleak", -19.8234}, {"knowmem_r", 48.27}}}},
                         json{{"protocol", "muse"}, {"label", "Partial"}, {"metrics", {{"verbmem_f", 14.3}}}}};
  EXPECT_EQ(markdown_table(r),
            "| Model | VerbMem Df | KnowMem Df | PrivLeak | KnowMem Dr |\n|---|---:|---:|---:|---:|\n"
            "| SimNPO | 0.00 | 0.00 | -19.82 | 48.27 |\n| Partial | 14.30 | - | - | - |\n");
  std::string xt, yt;
  const auto pts = forget_utility_points(r, xt, yt);
  ASSERT_EQ(pts.size(), 1u);  // "Partial" lacks KnowMem Dr
  EXPECT_EQ(pts[0].label, "SimNPO");
  EXPECT_DOUBLE_EQ(pts[0].y, 48.27);
  EXPECT_NE(xt.find("VerbMem"), std::string::npos);
}

TEST(Report, ScatterAndCurvesSvg) {
  std::string xt, yt;
  const auto pts = forget_utility_points(runs(), xt, yt);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_DOUBLE_EQ(pts[0].x, (0.352 + 0.608) / 2);
  const std::string svg = scatter_svg(pts, "t<1>", xt, yt);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("t&lt;1&gt;"), std::string::npos);  // escaped
  EXPECT_NE(svg.find(">Origin</text>"), std::string::npos);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 5, true);
  std::vector<json> log = {json{{"step", 1}, {"loss", 2.0}, {"forget_loss", 1.0}}, json{{"step", 2}, {"loss", 1.5}},
                           json{{"event", "checkpoint"}}, json{{"step", 3}, {"loss", 1.0}, {"lr", 1e-5}}};
  const std::string c = training_curves_svg(log, "run");
  EXPECT_EQ(std::count(c.begin(), c.end(), 'p') > 0, true);
  size_t polylines = 0;
  for (size_t p = c.find("<polyline"); p != std::string::npos; p = c.find("<polyline", p + 1)) ++polylines;
  EXPECT_EQ(polylines, 2u);  // loss and forget_loss; lr is not a loss
  EXPECT_NE(c.find(">forget_loss</text>"), std::string::npos);
  EXPECT_THROW(training_curves_svg({json{{"step", 1}, {"lr", 1.0}}}, "x"), ConfigError);
  EXPECT_THROW(scatter_svg({}, "x", "a", "b"), ConfigError);
}

TEST(Report, ReadJsonlSkipsBadLines) {
  const std::string p = lethe::testing::scratch_dir() + "/log.jsonl";
  write_text_file_atomic(p, "{\"step\": 1, \"loss\": 2}\n\nnot json\n{\"step\": 2, \"loss\": 1}\n");
  size_t bad = 0;
  EXPECT_EQ(read_jsonl(p, &bad).size(), 2u);
  EXPECT_EQ(bad, 1u);
}

}  // namespace
}  // namespace lethe::eval

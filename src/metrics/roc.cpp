// ROC curve / AUC as scikit-learn computes them (see the header for the exact procedure).
#include "lethe/metrics/roc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "lethe/core/error.h"
#include "lethe/metrics/numeric.h"

namespace lethe {
namespace {

void check_inputs(const char* fn, const std::vector<int>& labels, const std::vector<double>& scores) {
  if (labels.size() != scores.size())
    throw Error(std::string(fn) + ": labels and scores differ in length (" + std::to_string(labels.size()) +
                " vs " + std::to_string(scores.size()) + ")");
  if (labels.empty()) throw Error(std::string(fn) + ": no samples");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1)
      throw Error(std::string(fn) + ": label " + std::to_string(i) + " is " + std::to_string(labels[i]) +
                  "; labels must be 0 (negative) or 1 (positive)");
    if (!std::isfinite(scores[i]))
      throw Error(std::string(fn) + ": score " + std::to_string(i) + " is not finite (" +
                  std::to_string(scores[i]) + "); sklearn rejects NaN/inf scores too");
  }
}

// AUC is undefined with one class: say which one is present.
void require_two_classes(const char* fn, const std::vector<int>& labels) {
  const size_t pos = static_cast<size_t>(std::count(labels.begin(), labels.end(), 1));
  if (pos == 0 || pos == labels.size())
    throw Error(std::string(fn) + ": only one class present in the labels (all " + std::to_string(labels.size()) +
                " are " + (pos == 0 ? "0" : "1") +
                "); ROC AUC is not defined in that case (sklearn: ValueError in <=1.5, nan + warning in >=1.6)");
}

}  // namespace

RocCurve roc_curve(const std::vector<int>& labels, const std::vector<double>& scores, bool drop_intermediate) {
  check_inputs("roc_curve", labels, scores);
  const size_t n = labels.size();
  // Descending by score; the order inside a run of ties does not change the counts at the
  // run's end, which are the only ones used.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });

  std::vector<double> tps, fps, thr;
  double cum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    cum += labels[order[i]];
    const bool run_end = (i + 1 == n) || (scores[order[i]] != scores[order[i + 1]]);
    if (run_end) {
      tps.push_back(cum);
      fps.push_back(1.0 + static_cast<double>(i) - cum);  // fps = 1 + threshold_idx - tps
      thr.push_back(scores[order[i]]);
    }
  }

  RocCurve c;
  c.fpr.push_back(0.0);  // (0, 0) at threshold +inf, counts converted below
  c.tpr.push_back(0.0);
  c.thresholds.push_back(std::numeric_limits<double>::infinity());
  const size_t m = tps.size();
  for (size_t k = 0; k < m; ++k) {
    if (drop_intermediate && m > 2 && k > 0 && k + 1 < m) {
      // np.diff(x, 2)[k-1] = (x[k+1] - x[k]) - (x[k] - x[k-1]); exact on integer counts.
      const double d2f = (fps[k + 1] - fps[k]) - (fps[k] - fps[k - 1]);
      const double d2t = (tps[k + 1] - tps[k]) - (tps[k] - tps[k - 1]);
      if (d2f == 0.0 && d2t == 0.0) continue;
    }
    c.fpr.push_back(fps[k]);
    c.tpr.push_back(tps[k]);
    c.thresholds.push_back(thr[k]);
  }
  const double fp_total = c.fpr.back(), tp_total = c.tpr.back();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double& v : c.fpr) v = fp_total > 0 ? v / fp_total : nan;
  for (double& v : c.tpr) v = tp_total > 0 ? v / tp_total : nan;
  return c;
}

double roc_auc(const std::vector<int>& labels, const std::vector<double>& scores) {
  check_inputs("roc_auc", labels, scores);
  require_two_classes("roc_auc", labels);
  const RocCurve c = roc_curve(labels, scores, /*drop_intermediate=*/true);
  // scipy.integrate.trapezoid(tpr, fpr): sum of d * (y[i+1] + y[i]) / 2.0, d = x[i+1] - x[i];
  // fpr is non-decreasing here, so sklearn's direction is +1.
  std::vector<double> terms(c.fpr.size() - 1);
  for (size_t i = 0; i + 1 < c.fpr.size(); ++i) {
    const double d = c.fpr[i + 1] - c.fpr[i];
    terms[i] = d * (c.tpr[i + 1] + c.tpr[i]) / 2.0;
  }
  return numpy_sum(terms);
}

double tpr_at_fpr(const std::vector<int>& labels, const std::vector<double>& scores, double max_fpr) {
  if (!(max_fpr > 0.0 && max_fpr <= 1.0))
    throw ConfigError("tpr_at_fpr: max_fpr must be in (0, 1], got " + std::to_string(max_fpr));
  check_inputs("tpr_at_fpr", labels, scores);
  require_two_classes("tpr_at_fpr", labels);
  const RocCurve c = roc_curve(labels, scores, /*drop_intermediate=*/true);
  double tpr = c.tpr.front();  // fpr[0] = 0 < max_fpr always
  for (size_t i = 0; i < c.fpr.size(); ++i)
    if (c.fpr[i] < max_fpr) tpr = c.tpr[i];
  return tpr;
}

}  // namespace lethe

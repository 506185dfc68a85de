// Binary ROC curve and ROC AUC exactly as scikit-learn computes them (sklearn.metrics.roc_curve,
// roc_auc_score, auc; checked against scikit-learn 1.9.1 with numpy 1.26.4 / scipy 1.17.1).
// Pure functions on labels and scores.
//
// roc_curve (sklearn/metrics/_ranking.py):
//   sort by score, descending; the thresholds are the distinct scores (ties form one point);
//   at each threshold index i (last index of a run of equal scores, plus the last index):
//     tps = number of positives among the first i+1, fps = 1 + i - tps;
//   drop_intermediate (default, and what roc_auc_score uses): when there are more than two
//     points, keep the first, the last and every point where the second difference of fps or
//     of tps is non-zero (corners);
//   prepend the point (0, 0) with threshold +inf;  fpr = fps / fps[-1],  tpr = tps / tps[-1].
// auc = trapezoid rule: sum_i (fpr[i+1] - fpr[i]) * (tpr[i+1] + tpr[i]) / 2.0, summed with
//   NumPy's pairwise summation (numeric.h), so the result is bit-identical to sklearn's.
//
// Labels are 0 (negative) or 1 (positive). Scores must be finite (sklearn raises ValueError
// "Input contains NaN/infinity"; Lethe throws lethe::Error).
#pragma once
#include <vector>

namespace lethe {

// Points of the ROC curve; all three have the same length, thresholds[0] = +inf.
struct RocCurve {
  std::vector<double> fpr;
  std::vector<double> tpr;
  std::vector<double> thresholds;
};

// sklearn.metrics.roc_curve(labels, scores, drop_intermediate=drop_intermediate).
// With one class only, the undefined rate is all NaN (sklearn warns and does the same).
RocCurve roc_curve(const std::vector<int>& labels, const std::vector<double>& scores, bool drop_intermediate = true);

// sklearn.metrics.roc_auc_score(labels, scores) for binary labels.
// Single-class input: AUC is undefined. Reference behaviour: scikit-learn up to 1.5 raises
// ValueError("Only one class present in y_true. ROC AUC score is not defined in that case.");
// 1.6+ (incl. the 1.9.1 used for the fixtures) warns UndefinedMetricWarning and returns nan
// (scikit-learn PRs #27412 and #30103).
// Lethe throws lethe::Error naming the class that is present, so a broken split is never
// reported as a number.
double roc_auc(const std::vector<int>& labels, const std::vector<double>& scores);

// TPR at a fixed low FPR, as MIA papers report it (e.g. TPR@5%FPR): the TPR of the last point
// of roc_curve (drop_intermediate=true) whose FPR is strictly below `max_fpr` — the expression
// tpr[np.where(fpr < max_fpr)[0][-1]] of the Min-K% Prob reference code (detect-pretrain-code
// `sweep`, reused by Min-K%++). max_fpr in (0, 1]. Throws lethe::Error for single-class input.
double tpr_at_fpr(const std::vector<int>& labels, const std::vector<double>& scores, double max_fpr);

}  // namespace lethe

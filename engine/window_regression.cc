#include "engine/window_regression.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace recloop {

namespace {

double RowWeight(absl::Span<const double> row_weights, size_t r) {
  return row_weights.empty() ? 1.0 : row_weights[r];
}

double TotalWeight(size_t rows, absl::Span<const double> row_weights) {
  if (row_weights.empty()) return static_cast<double>(rows);
  double total = 0;
  for (size_t r = 0; r < rows; ++r) total += row_weights[r];
  return total;
}

}  // namespace

double WindowRegressionRowWeight(size_t position, double decay) {
  return 1 + kWindowRegressionRecentBoost * std::pow(decay, static_cast<double>(position));
}

double WindowRegressionScore(absl::Span<const NeighbourList* const> rows,
                             uint32_t candidate, absl::Span<const double> row_weights) {
  if (rows.empty() || (!row_weights.empty() && row_weights.size() != rows.size())) return 0;
  const double total = TotalWeight(rows.size(), row_weights);
  if (!(total > 0)) return 0;
  double sum = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (const NeighbourList::Entry* e = rows[r]->Find(candidate)) {
      sum += RowWeight(row_weights, r) * e->learned;
    }
  }
  return sum / total;
}

void LearnWindowRegression(absl::Span<NeighbourList* const> rows, uint32_t target,
                           absl::Span<const uint32_t> negatives,
                           absl::Span<const double> row_weights) {
  if (rows.empty() || negatives.empty()) return;
  if (!row_weights.empty() && row_weights.size() != rows.size()) return;
  const double total_weight = TotalWeight(rows.size(), row_weights);
  if (!(total_weight > 0)) return;
  // Candidate 0 is the target. Each (row, candidate) entry is found once:
  // scoring and updating use the same pointers (nothing is added between).
  const size_t n = negatives.size() + 1;
  const auto candidate = [&](size_t c) { return c == 0 ? target : negatives[c - 1]; };
  std::vector<NeighbourList::Entry*> entries(rows.size() * n);
  std::vector<double> p(n, 0.0);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < n; ++c) {
      NeighbourList::Entry* e = rows[r]->Find(candidate(c));
      entries[r * n + c] = e;
      if (e != nullptr) p[c] += RowWeight(row_weights, r) * e->learned;
    }
  }
  const double scale = 1 / total_weight;
  const double max_score = *std::max_element(p.begin(), p.end()) * scale;
  double total = 0;
  for (double& v : p) {
    v = std::exp(v * scale - max_score);
    total += v;
  }
  // d log p(target) / d B[a][c] = (1[c = target] - p_c) w_a / sum(w) for
  // every window item a (w_a = 1 without row weights).
  for (size_t c = 0; c < n; ++c) {
    const double step =
        kWindowRegressionRate * ((c == 0 ? 1.0 : 0.0) - p[c] / total) * scale;
    for (size_t r = 0; r < rows.size(); ++r) {
      if (NeighbourList::Entry* e = entries[r * n + c]) {
        e->learned += static_cast<float>(step * RowWeight(row_weights, r));
      }
    }
  }
}

std::vector<double> WindowRegressionScores(absl::Span<const NeighbourList* const> rows,
                                           absl::Span<const double> row_weights,
                                           absl::Span<const uint32_t> candidates,
                                           size_t items) {
  std::vector<double> out(candidates.size(), 0.0);
  if (rows.empty() || candidates.empty() || row_weights.size() != rows.size()) return out;
  thread_local std::vector<double> sums;
  if (sums.size() < items) sums.resize(items, 0.0);
  double total_weight = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    total_weight += row_weights[r];
    for (const NeighbourList::Entry& e : rows[r]->entries()) {
      sums[e.index] += row_weights[r] * e.learned;
    }
  }
  const double scale = 1 / total_weight;
  for (size_t k = 0; k < candidates.size(); ++k) out[k] = sums[candidates[k]] * scale;
  for (const NeighbourList* row : rows) {
    for (const NeighbourList::Entry& e : row->entries()) sums[e.index] = 0;
  }
  return out;
}

}  // namespace recloop

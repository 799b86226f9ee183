#include "engine/window_regression.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace recloop {

double WindowRegressionScore(absl::Span<const NeighbourList* const> rows,
                             uint32_t candidate) {
  if (rows.empty()) return 0;
  double sum = 0;
  for (const NeighbourList* row : rows) {
    if (const NeighbourList::Entry* e = row->Find(candidate)) sum += e->learned;
  }
  return sum / static_cast<double>(rows.size());
}

void LearnWindowRegression(absl::Span<NeighbourList* const> rows, uint32_t target,
                           absl::Span<const uint32_t> negatives) {
  if (rows.empty() || negatives.empty()) return;
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
      if (e != nullptr) p[c] += e->learned;
    }
  }
  const double scale = 1 / static_cast<double>(rows.size());
  const double max_score = *std::max_element(p.begin(), p.end()) * scale;
  double total = 0;
  for (double& v : p) {
    v = std::exp(v * scale - max_score);
    total += v;
  }
  // d log p(target) / d B[a][c] = (1[c = target] - p_c) / |W| for every
  // window item a.
  for (size_t c = 0; c < n; ++c) {
    const double step =
        kWindowRegressionRate * ((c == 0 ? 1.0 : 0.0) - p[c] / total) * scale;
    for (size_t r = 0; r < rows.size(); ++r) {
      if (NeighbourList::Entry* e = entries[r * n + c]) e->learned += static_cast<float>(step);
    }
  }
}

}  // namespace recloop

#include "engine/tenure_popularity.h"

#include <cmath>

namespace recloop {

TenurePopularity::TenurePopularity(size_t pool) : top_(kStages, TopPool(pool)) {}

size_t TenurePopularity::StageOf(size_t earlier_items) {
  // floor(log2(1 + n)): the number of bits below the top one of n + 1.
  size_t stage = 0;
  for (size_t v = earlier_items + 1; v > 1 && stage + 1 < kStages; v >>= 1) ++stage;
  return stage;
}

void TenurePopularity::Resize(size_t n) {
  weights_.resize(n, std::array<float, kStages>{});
}

void TenurePopularity::Add(uint32_t item, size_t stage, double weight) {
  float& w = weights_[item][stage];
  w += static_cast<float>(weight);
  totals_[stage] += weight;
  top_[stage].Update(item, w);
}

void TenurePopularity::Scale(double factor) {
  for (auto& weights : weights_) {
    for (float& w : weights) w = static_cast<float>(w * factor);
  }
  for (double& total : totals_) total *= factor;
  for (TopPool& pool : top_) pool.Scale(factor);
}

void TenurePopularity::RestoreTotals(absl::Span<const double> totals) {
  if (totals.size() != kStages) return;
  for (double v : totals) {
    if (!(std::isfinite(v) && v >= 0)) return;
  }
  for (size_t stage = 0; stage < kStages; ++stage) totals_[stage] = totals[stage];
}

void TenurePopularity::Restore(uint32_t item, absl::Span<const float> weights) {
  if (weights.size() != kStages) return;
  for (float v : weights) {
    if (!(std::isfinite(v) && v >= 0)) return;
  }
  for (size_t stage = 0; stage < kStages; ++stage) {
    const float old = weights_[item][stage];
    weights_[item][stage] = weights[stage];
    totals_[stage] += weights[stage] - old;
    if (weights[stage] > 0) top_[stage].Update(item, weights[stage]);
  }
}

}  // namespace recloop

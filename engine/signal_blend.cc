#include "engine/signal_blend.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace recloop {
namespace {

// The initial collaborative weight: features are in [0, 1], so the best
// candidate starts e^5 (about 150) times likelier than one scoring 0 — the
// plain collaborative ranking, with room for learning in both directions.
constexpr double kInitialCollaborativeWeight = 5;
// Step size of each learning step. Small: the weights summarize the whole
// stream, and one interaction should barely move them.
constexpr double kLearningRate = 0.01;
// Keeps a long stream of one kind of evidence from running a weight away.
constexpr double kMaxWeight = 50;

}  // namespace

SignalBlend::SignalBlend() : weights_{} {
  weights_[kCollaborative] = kInitialCollaborativeWeight;
}

double SignalBlend::Score(const BlendFeatures& features) const {
  double score = 0;
  for (size_t k = 0; k < kBlendSignals; ++k) score += weights_[k] * features[k];
  return score;
}

void SignalBlend::Learn(absl::Span<const BlendFeatures> candidates, size_t chosen) {
  if (chosen >= candidates.size() || candidates.size() < 2) return;
  // Gradient of log softmax(chosen): its features minus their expectation
  // under the current scores.
  std::vector<double> p(candidates.size());
  double max_score = -INFINITY;
  for (size_t c = 0; c < candidates.size(); ++c) {
    p[c] = Score(candidates[c]);
    max_score = std::max(max_score, p[c]);
  }
  double total = 0;
  for (double& v : p) {
    v = std::exp(v - max_score);
    total += v;
  }
  BlendFeatures gradient = candidates[chosen];
  for (size_t c = 0; c < candidates.size(); ++c) {
    for (size_t k = 0; k < kBlendSignals; ++k) {
      gradient[k] -= p[c] / total * candidates[c][k];
    }
  }
  for (size_t k = 0; k < kBlendSignals; ++k) {
    weights_[k] = std::clamp(weights_[k] + kLearningRate * gradient[k], 0.0, kMaxWeight);
  }
}

void SignalBlend::Restore(absl::Span<const double> weights) {
  if (weights.size() != kBlendSignals) return;
  for (double w : weights) {
    if (!(w >= 0 && w <= kMaxWeight)) return;
  }
  std::copy(weights.begin(), weights.end(), weights_.begin());
}

}  // namespace recloop

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
// Demotion starts as given (d^1) and can sharpen up to d^kMaxDemotionExponent
// or fade to d^0 = 1.
constexpr double kInitialDemotionExponent = 1;
constexpr double kMaxDemotionExponent = 4;
// Checkpoints hold the weights of the signals that existed before the
// demotion exponent, then the exponent, then the weights of later signals.
constexpr size_t kFirstSignals = 3;
// ImpressionDemotion's prior: one click in this many impressions.
constexpr double kPriorImpressions = 10;
constexpr double kMinDemotion = 0.05;

}  // namespace

SignalBlend::SignalBlend() : weights_{}, demotion_exponent_(kInitialDemotionExponent) {
  weights_[kCollaborative] = kInitialCollaborativeWeight;
}

double SignalBlend::Score(const BlendFeatures& features) const {
  double score = 0;
  for (size_t k = 0; k < kBlendSignals; ++k) score += weights_[k] * features[k];
  return score;
}

double SignalBlend::DemotionFactor(double log_demotion) const {
  return log_demotion == 0 ? 1.0 : std::exp(demotion_exponent_ * log_demotion);
}

double SignalBlend::Score(const BlendFeatures& features, double log_demotion) const {
  return Score(features) * DemotionFactor(log_demotion);
}

void SignalBlend::Learn(absl::Span<const BlendFeatures> candidates, size_t chosen) {
  Learn(candidates, {}, chosen);
}

namespace {

// Softmax probabilities of `scores`.
std::vector<double> Softmax(std::vector<double> scores) {
  const double max_score = *std::max_element(scores.begin(), scores.end());
  double total = 0;
  for (double& v : scores) {
    v = std::exp(v - max_score);
    total += v;
  }
  for (double& v : scores) v /= total;
  return scores;
}

}  // namespace

void SignalBlend::Learn(absl::Span<const BlendFeatures> candidates,
                        absl::Span<const double> log_demotions, size_t chosen) {
  if (chosen >= candidates.size() || candidates.size() < 2) return;
  // The weights: gradient of the log softmax likelihood of the chosen item
  // over the undemoted scores w . f_c (its features minus their
  // expectation). Demotion is left out of this step on purpose: with it,
  // items shown often weigh less in the step and the weights drift (MIND:
  // click-through 0.00358 -> 0.00234).
  std::vector<double> score(candidates.size());
  for (size_t c = 0; c < candidates.size(); ++c) score[c] = Score(candidates[c]);
  const std::vector<double> p = Softmax(score);
  BlendFeatures gradient = candidates[chosen];
  for (size_t c = 0; c < candidates.size(); ++c) {
    for (size_t k = 0; k < kBlendSignals; ++k) gradient[k] -= p[c] * candidates[c][k];
  }
  // The demotion exponent, with the weights held: the same likelihood over
  // the demoted scores s_c = (w . f_c) d_c^e, whose derivative in e is
  // s_c log d_c.
  double exponent_gradient = 0;
  const bool demoted = std::any_of(log_demotions.begin(), log_demotions.end(),
                                   [](double d) { return d != 0; });
  if (demoted && log_demotions.size() == candidates.size()) {
    std::vector<double> demoted_score(candidates.size());
    for (size_t c = 0; c < candidates.size(); ++c) {
      demoted_score[c] = score[c] * DemotionFactor(log_demotions[c]);
    }
    const std::vector<double> q = Softmax(demoted_score);
    exponent_gradient = demoted_score[chosen] * log_demotions[chosen];
    for (size_t c = 0; c < candidates.size(); ++c) {
      exponent_gradient -= q[c] * demoted_score[c] * log_demotions[c];
    }
  }
  for (size_t k = 0; k < kBlendSignals; ++k) {
    weights_[k] = std::clamp(weights_[k] + kLearningRate * gradient[k], 0.0, kMaxWeight);
  }
  demotion_exponent_ = std::clamp(demotion_exponent_ + kLearningRate * exponent_gradient,
                                  0.0, kMaxDemotionExponent);
}

std::vector<double> SignalBlend::Checkpoint() const {
  std::vector<double> values(weights_.begin(), weights_.begin() + kFirstSignals);
  values.push_back(demotion_exponent_);
  values.insert(values.end(), weights_.begin() + kFirstSignals, weights_.end());
  return values;
}

void SignalBlend::Restore(absl::Span<const double> values) {
  // Every checkpoint holds the first signals; later ones may lack the
  // exponent and the weights of signals added after it.
  if (values.size() < kFirstSignals || values.size() > kBlendSignals + 1) return;
  std::array<double, kBlendSignals> weights = weights_;
  double exponent = kInitialDemotionExponent;
  for (size_t k = 0; k < values.size(); ++k) {
    const double v = values[k];
    if (k == kFirstSignals) {
      if (!(v >= 0 && v <= kMaxDemotionExponent)) return;
      exponent = v;
      continue;
    }
    if (!(v >= 0 && v <= kMaxWeight)) return;
    weights[k < kFirstSignals ? k : k - 1] = v;
  }
  weights_ = weights;
  demotion_exponent_ = exponent;
}

double ImpressionDemotion(double impressions, double clicks) {
  if (impressions <= 0) return 1;
  const double prior_rate = 1 / kPriorImpressions;
  const double rate = (clicks + 1) / (impressions + kPriorImpressions);
  return std::clamp(rate / prior_rate, kMinDemotion, 1.0);
}

}  // namespace recloop

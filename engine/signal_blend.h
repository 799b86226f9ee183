// SignalBlend: how much each serving signal counts, learned online.
//
// A user-personalization list mixes six signals per candidate item: the
// collaborative score from the user's recent items, the item's trending
// score, its overall popularity, what the user's recent items predict next
// by learned item vectors (SequenceEmbedding), its popularity among users
// at the same stage of their history (TenurePopularity), and what the
// user's whole window predicts by learned pair weights (WindowRegression).
// Which mix predicts the next
// interaction depends on the data: on movie ratings the collaborative score
// dominates, on news what is trending now does. Rather than fix the mix per
// dataset, the model learns it from its own stream: before an interaction
// is learned, a set of items it was chosen over is scored (the items shown
// with it when it came from an impression, else the candidates the user
// would have been offered), and one step of gradient ascent on the softmax
// likelihood of the item the user actually chose moves the weights.
//
// Features are normalized to [0, 1] within each candidate list, and weights
// stay non-negative (every signal is evidence for an item, never against
// it), so scores are non-negative and demotions can scale them.
//
// How much impressions demote is learned the same way. An item's demotion
// d in (0, 1] (its click-through over what was shown, ImpressionDemotion)
// scales its score as d^exponent. The exponent starts at 1 and moves with
// the same likelihood: on a stream where items shown and skipped are
// indeed chosen less, it stays or grows; where being shown predicts being
// chosen later (measured on MovieLens, with clients citing their
// recommendation ids: demotion cost HR@10 0.2055 -> 0.1857), it shrinks
// toward 0 and demotion fades.
#ifndef RECLOOP_ENGINE_SIGNAL_BLEND_H_
#define RECLOOP_ENGINE_SIGNAL_BLEND_H_

#include <array>
#include <cstddef>
#include <vector>

#include "absl/types/span.h"

namespace recloop {

// kSequence (the SequenceEmbedding score of the user's recent items),
// kTenure (popularity at the user's stage) and kRegression (the
// WindowRegression score of the user's window) start at weight 0 and earn
// weight only where they predict choices.
enum BlendSignal {
  kCollaborative = 0,
  kTrending = 1,
  kPopularity = 2,
  kSequence = 3,
  kTenure = 4,
  kRegression = 5,
};
constexpr size_t kBlendSignals = 6;
using BlendFeatures = std::array<double, kBlendSignals>;

// Not thread-safe; the owning model locks.
class SignalBlend {
 public:
  // Starts as the collaborative score alone.
  SignalBlend();

  // The score of undemoted candidates.
  double Score(const BlendFeatures& features) const;
  // The score of a candidate whose demotion is exp(log_demotion).
  double Score(const BlendFeatures& features, double log_demotion) const;
  // exp(log_demotion * exponent): what demotion multiplies a score by.
  double DemotionFactor(double log_demotion) const;

  // One learning step: `candidates` is every item the user chose among,
  // `log_demotions` their log demotions (empty: none demoted), and `chosen`
  // the position of the one they interacted with.
  void Learn(absl::Span<const BlendFeatures> candidates, size_t chosen);
  void Learn(absl::Span<const BlendFeatures> candidates,
             absl::Span<const double> log_demotions, size_t chosen);

  const std::array<double, kBlendSignals>& weights() const { return weights_; }
  double demotion_exponent() const { return demotion_exponent_; }
  // What Restore takes: the weights of the first three signals, the
  // demotion exponent, then the weights of signals added after it (the
  // order in which they were added, so that older checkpoints restore).
  std::vector<double> Checkpoint() const;
  // Restores checkpointed values: 3 weights (checkpoints from before the
  // demotion exponent), 3 weights and the exponent (from before the
  // sequence signal), those and the sequence weight (from before the tenure
  // signal), those and the tenure weight (from before the regression
  // signal), or all of Checkpoint(). What a checkpoint lacks keeps its
  // default. Ignored unless each is finite and in range.
  void Restore(absl::Span<const double> values);

 private:
  std::array<double, kBlendSignals> weights_;
  double demotion_exponent_;
};

// An item's demotion by impressions: its click-through estimate (a prior of
// one click in 10 impressions) relative to that prior, in [0.05, 1]; 1 for
// an item never shown. Items shown often and seldom chosen score below 1.
double ImpressionDemotion(double impressions, double clicks);

}  // namespace recloop

#endif  // RECLOOP_ENGINE_SIGNAL_BLEND_H_

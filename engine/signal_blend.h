// SignalBlend: how much each serving signal counts, learned online.
//
// A user-personalization list mixes three signals per candidate item: the
// collaborative score from the user's recent items, the item's trending
// score, and its overall popularity. Which mix predicts the next
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
#ifndef RECLOOP_ENGINE_SIGNAL_BLEND_H_
#define RECLOOP_ENGINE_SIGNAL_BLEND_H_

#include <array>
#include <cstddef>

#include "absl/types/span.h"

namespace recloop {

enum BlendSignal { kCollaborative = 0, kTrending = 1, kPopularity = 2 };
constexpr size_t kBlendSignals = 3;
using BlendFeatures = std::array<double, kBlendSignals>;

// Not thread-safe; the owning model locks.
class SignalBlend {
 public:
  // Starts as the collaborative score alone.
  SignalBlend();

  double Score(const BlendFeatures& features) const;

  // One learning step: `candidates` is every item the user could have been
  // offered, and `chosen` the position of the one they interacted with.
  void Learn(absl::Span<const BlendFeatures> candidates, size_t chosen);

  const std::array<double, kBlendSignals>& weights() const { return weights_; }
  // Restores checkpointed weights (ignored unless there are kBlendSignals,
  // each finite and non-negative: an older checkpoint keeps the defaults).
  void Restore(absl::Span<const double> weights);

 private:
  std::array<double, kBlendSignals> weights_;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_SIGNAL_BLEND_H_

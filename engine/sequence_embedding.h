// SequenceEmbedding: what a user's recent items say comes next, as learned
// vectors.
//
// The item-to-item co-occurrence model scores a candidate only through
// direct pairs with the user's recent items. This model gives every item two
// small vectors, one for when it is in a user's recent items (input) and one
// for when it is chosen next (output), and scores a candidate by the dot
// product of its output vector with the recency-weighted average of the
// recent items' input vectors (a continuous bag of words over the user's
// sequence). Items that are followed by the same things end up with similar
// input vectors, so a candidate can score from recent items it was never
// paired with.
//
// Learning is online, one step per interaction, and costs O(recent items +
// negatives) times the vector size, never O(catalog): one gradient step on
// the softmax likelihood of the chosen item against a handful of other items
// (sampled by the caller). Vectors are initialized from the item's index by
// a fixed hash, so replaying the same events from the same state gives the
// same vectors (recovery replays the journal into a restored model).
//
// In the replay protocol's simulator on MovieLens 100K, blending this score
// with the co-occurrence score lifted HR@10 from 0.2050 to 0.2099 with 50
// uniformly sampled negatives (0.2105 with the full softmax, which would
// cost O(catalog) per event). Alone it is far weaker than co-occurrence.
#ifndef RECLOOP_ENGINE_SEQUENCE_EMBEDDING_H_
#define RECLOOP_ENGINE_SEQUENCE_EMBEDDING_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace recloop {

// Not thread-safe; the owning model locks.
class SequenceEmbedding {
 public:
  static constexpr size_t kDims = 32;
  // A user's recent items, each with its weight (newest most).
  using Sources = absl::Span<const std::pair<uint32_t, double>>;
  // The weighted average of the sources' input vectors.
  using Context = std::array<float, kDims>;

  // Grows (or shrinks) to n items; new items get their initial vectors.
  void Resize(size_t n);
  size_t size() const { return bias_.size(); }

  // The context of `sources`; false (and no context) when they weigh nothing.
  bool MakeContext(Sources sources, Context* context) const;
  // How strongly `context` predicts `item` next (a logit; any sign).
  double Score(const Context& context, uint32_t item) const;

  // One learning step: a user whose recent items are `sources` chose
  // `target` over `negatives` (which must not contain it). Does nothing
  // without sources.
  void Learn(Sources sources, uint32_t target, absl::Span<const uint32_t> negatives);

  // The item's state, for checkpoints: input vector, output vector, bias.
  absl::Span<const float> input(uint32_t item) const;
  absl::Span<const float> output(uint32_t item) const;
  float bias(uint32_t item) const { return bias_[item]; }
  // Restores an item's checkpointed state; ignored unless both vectors have
  // kDims finite values (the initial vectors stay).
  void Restore(uint32_t item, absl::Span<const float> input, absl::Span<const float> output,
               float bias);

 private:
  std::vector<float> input_;   // kDims per item
  std::vector<float> output_;  // kDims per item
  std::vector<float> bias_;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_SEQUENCE_EMBEDDING_H_

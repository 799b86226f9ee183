// Candidate generation and the serving signals of each candidate.
//
// A personalized list is chosen from the neighbours of the user's sources
// (co-occurrence) plus the most trending, the most popular and the most
// popular at the user's stage, so that the blend can rank those in too.
// Every candidate carries one feature per blend signal, each normalized to
// [0, 1] over the list (SignalBlend's weights are comparable across lists
// that way), and its log demotion by impressions.
#ifndef RECLOOP_ENGINE_CANDIDATES_H_
#define RECLOOP_ENGINE_CANDIDATES_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "engine/co_occurrence.h"
#include "engine/item_catalog.h"
#include "engine/model_options.h"
#include "engine/popularity.h"
#include "engine/sequence_embedding.h"
#include "engine/signal_blend.h"
#include "engine/tenure_popularity.h"
#include "engine/user_window.h"

namespace recloop {

// An item the user could be offered, with its serving signals.
struct Candidate {
  uint32_t index;
  BlendFeatures features;
  double log_demotion = 0;
};

// Computes candidates and their signals from the model's components, which
// it borrows for one call (under the model's lock).
class CandidateSignals {
 public:
  struct Components {
    const ModelOptions& options;
    const ItemCatalog& catalog;
    const CoOccurrence& co_occurrence;
    const Popularity& popularity;
    const TrendingScores& trending;
    const TenurePopularity& tenure;
    const SequenceEmbedding& sequence;
  };
  explicit CandidateSignals(const Components& components) : c_(components) {}

  // The candidates of a personalized list for `window`, minus `excluded`,
  // with their signals. Empty when the window's sources score nothing.
  std::vector<Candidate> Gather(const UserWindow& window,
                                const absl::flat_hash_set<uint32_t>& excluded) const;
  // The items of an impression (`shown`, distinct), minus `excluded`, with
  // their signals over the impression, in index order.
  std::vector<Candidate> Shown(const UserWindow& window, absl::Span<const uint32_t> shown,
                               const absl::flat_hash_set<uint32_t>& excluded) const;
  // Sets every signal but the collaborative one (given) and the log
  // demotion, then normalizes each signal to [0, 1] over the candidates.
  void Fill(const UserWindow& window, std::vector<Candidate>* candidates) const;

 private:
  // The window regression's score of each candidate.
  std::vector<double> RegressionScores(const UserWindow& window,
                                       const std::vector<Candidate>& candidates) const;

  Components c_;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_CANDIDATES_H_

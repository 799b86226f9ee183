// ListFiller: turns scores into a list, and fills lists up with what is
// popular.
//
// Every list recloop serves has n items when the model knows that many: a
// personalized list that runs out of candidates continues with what is
// popular at the user's stage and in the request's contexts, then with what
// is popular overall; fill-ins always rank below the items chosen for their
// own reason.
#ifndef RECLOOP_ENGINE_LIST_FILLER_H_
#define RECLOOP_ENGINE_LIST_FILLER_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "engine/item_catalog.h"
#include "engine/model_types.h"
#include "engine/popularity.h"
#include "engine/signal_blend.h"
#include "engine/tenure_popularity.h"

namespace recloop {

// Borrows the model's components for one call (under the model's lock).
class ListFiller {
 public:
  struct Components {
    const ItemCatalog& catalog;
    const Popularity& popularity;
    const ContextPopularity& contexts;
    const TenurePopularity& tenure;
    const SignalBlend& blend;
  };
  explicit ListFiller(const Components& components) : c_(components) {}

  // Appends to `out` the best of `scores` (pairs of index and score; only
  // positive scores) not in `taken`, until `out` holds n, best first (ties:
  // the smaller index), and adds them to `taken`.
  template <typename ScorePairs>
  void TakeBest(const ScorePairs& scores, int n, absl::flat_hash_set<uint32_t>* taken,
                std::vector<ScoredItem>* out) const;

  // Appends popular items not in `taken` until `out` holds n, scored below
  // everything already in `out`: each of `contexts`' most popular items by
  // their share of its weight, then the most popular overall. With
  // `user_stage` (the fill-in of a user's list), the stage's most popular
  // count as a context too, and scores are demoted by impressions.
  void FillPopular(int n, absl::Span<const std::string> contexts,
                   absl::optional<size_t> user_stage,
                   absl::flat_hash_set<uint32_t>* taken,
                   std::vector<ScoredItem>* out) const;

 private:
  Components c_;
};

template <typename ScorePairs>
void ListFiller::TakeBest(const ScorePairs& scores, int n,
                          absl::flat_hash_set<uint32_t>* taken,
                          std::vector<ScoredItem>* out) const {
  const size_t room =
      n > static_cast<int>(out->size()) ? static_cast<size_t>(n) - out->size() : 0;
  if (room == 0) return;
  // One pass with a heap of the `room` best so far, worst on top: most
  // candidates lose to the worst kept and cost one comparison, and only
  // those that would enter it are looked up in `taken`. (Sorting every
  // candidate and probing `taken` for each was a tenth of a
  // recommendation's CPU.)
  const auto better = [](const std::pair<uint32_t, double>& a,
                         const std::pair<uint32_t, double>& b) {
    if (a.second != b.second) return a.second > b.second;
    return a.first < b.first;
  };
  std::vector<std::pair<uint32_t, double>> best;
  best.reserve(room);
  for (const auto& [i, s] : scores) {
    if (!(s > 0)) continue;
    const std::pair<uint32_t, double> candidate(i, s);
    if (best.size() == room && !better(candidate, best.front())) continue;
    if (taken->contains(i)) continue;
    if (best.size() == room) {
      std::pop_heap(best.begin(), best.end(), better);
      best.back() = candidate;
    } else {
      best.push_back(candidate);
    }
    std::push_heap(best.begin(), best.end(), better);
  }
  std::sort_heap(best.begin(), best.end(), better);
  for (const auto& [i, s] : best) {
    out->push_back({c_.catalog.item(i).id, s});
    taken->insert(i);
  }
}

}  // namespace recloop

#endif  // RECLOOP_ENGINE_LIST_FILLER_H_

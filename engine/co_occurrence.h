// CoOccurrence: item-to-item neighbours from users' sequences, and the
// collaborative score built on them.
//
// Each interaction pairs its item with the same user's earlier items (the
// user's window), both ways, weighted by the two events' weights and by how
// far apart the two are in the sequence (pair_decay per distinct item in
// between). Each item keeps its strongest max_neighbours neighbours.
//
// The collaborative score of a candidate c for a user whose recent items a
// carry history weights h_a is cosine-normalized, so that popular items do
// not drown specific ones:
//
//   score(c) = sum over a of h_a * co(a, c) / sqrt(weight(a) * weight(c))
//
// where weight is an item's summed interaction weight (ItemCatalog).
#ifndef RECLOOP_ENGINE_CO_OCCURRENCE_H_
#define RECLOOP_ENGINE_CO_OCCURRENCE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "engine/item_catalog.h"
#include "engine/model_types.h"
#include "engine/neighbour_list.h"

namespace recloop {

// Not thread-safe; the owning model locks.
class CoOccurrence {
 public:
  explicit CoOccurrence(size_t max_neighbours) : max_neighbours_(max_neighbours) {}

  void Resize(size_t n) { lists_.resize(n); }
  // Adds `w` to the pair (a, b) in a's list. A list grows to twice the cap,
  // then keeps its strongest `max_neighbours` (amortized pruning).
  void Add(uint32_t a, uint32_t b, float w);

  const NeighbourList& neighbours(uint32_t i) const { return lists_[i]; }
  NeighbourList* mutable_neighbours(uint32_t i) { return &lists_[i]; }
  size_t neighbour_count() const;

  // The part of score(c) that depends on the source a alone:
  // h_a / sqrt(weight(a)), 0 for an item without weight.
  static double SourceScale(double history_weight, double item_weight);
  // score(c) of every neighbour of `sources` (index, h_a), in the order
  // they were first reached.
  ScoreList Score(const ScoreList& sources, const ItemCatalog& catalog) const;
  // score(c) of one candidate.
  double ScoreOf(const ScoreList& sources, uint32_t candidate,
                 const ItemCatalog& catalog) const;
  // The neighbours of item i with their cosine similarity (score(c) for a
  // history of i alone, with weight 1).
  ScoreList Similar(uint32_t i, const ItemCatalog& catalog) const;

 private:
  const size_t max_neighbours_;
  std::vector<NeighbourList> lists_;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_CO_OCCURRENCE_H_

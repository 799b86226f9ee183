// NeighbourList: one item's co-occurrence weights, by neighbour index, each
// with the pair's learned weight (WindowRegression).
//
// Scoring walks every neighbour of a user's recent items for each
// recommendation, so the entries sit in one flat array (12 bytes each, no
// empty slots to skip), kept in index order: lookups are a binary search,
// and an insert moves at most the list's tail (a few kilobytes at the
// neighbour cap). The order also makes the layout a function of which
// indexes are present, so a list restored from a checkpoint is laid out
// exactly as the live one was, and a draw by position picks the same entry
// in both.
#ifndef RECLOOP_ENGINE_NEIGHBOUR_LIST_H_
#define RECLOOP_ENGINE_NEIGHBOUR_LIST_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace recloop {

// Not thread-safe; the owning model locks.
class NeighbourList {
 public:
  struct Entry {
    uint32_t index;
    float weight;       // Co-occurrence.
    float learned = 0;  // WindowRegression's weight of the pair.
  };

  // Adds `w` to the weight of `index` (and `learned` to its learned
  // weight), inserting it when absent.
  void Add(uint32_t index, float w, float learned = 0);
  // Keeps the `cap` heaviest entries by co-occurrence (on equal weight, the
  // lower index); an entry's learned weight goes with it.
  void KeepStrongest(size_t cap);
  // The entry of `index`, null when absent. Valid until the next Add or
  // KeepStrongest.
  Entry* Find(uint32_t index);
  const Entry* Find(uint32_t index) const;
  // The weight of `index`, 0 when absent.
  float Weight(uint32_t index) const;

  size_t size() const { return entries_.size(); }
  void reserve(size_t n) { entries_.reserve(n); }
  // Every entry once, in ascending index order.
  absl::Span<const Entry> entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;  // Ascending by index.
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_NEIGHBOUR_LIST_H_

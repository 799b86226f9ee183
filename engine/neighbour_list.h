// NeighbourList: one item's co-occurrence weights, by neighbour index.
//
// Scoring walks every neighbour of a user's recent items for each
// recommendation, so the entries sit in one flat array (8 bytes each, no
// empty slots to skip, half the memory of a hash map). Updates find an entry
// by binary search in the sorted front of the array or by a scan of a short
// unsorted tail; when the tail fills it is sorted and merged into the front.
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
    float weight;
  };

  // Adds `w` to the weight of `index`, inserting it when absent.
  void Add(uint32_t index, float w);
  // Keeps the `cap` heaviest entries (on equal weight, the lower index).
  void KeepStrongest(size_t cap);
  // The weight of `index`, 0 when absent.
  float Weight(uint32_t index) const;

  size_t size() const { return entries_.size(); }
  void reserve(size_t n) { entries_.reserve(n); }
  // Every entry once, in no particular order.
  absl::Span<const Entry> entries() const { return entries_; }

 private:
  // Unsorted entries allowed at the back before they are merged in.
  static constexpr size_t kMaxTail = 32;

  Entry* Find(uint32_t index);
  const Entry* Find(uint32_t index) const;
  void MergeTail();

  std::vector<Entry> entries_;  // [0, sorted_) ascending by index; then the tail.
  size_t sorted_ = 0;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_NEIGHBOUR_LIST_H_

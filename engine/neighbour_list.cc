#include "engine/neighbour_list.h"

#include <algorithm>

namespace recloop {
namespace {

bool ByIndex(const NeighbourList::Entry& a, const NeighbourList::Entry& b) {
  return a.index < b.index;
}

}  // namespace

const NeighbourList::Entry* NeighbourList::Find(uint32_t index) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), Entry{index, 0, 0}, ByIndex);
  return it != entries_.end() && it->index == index ? &*it : nullptr;
}

NeighbourList::Entry* NeighbourList::Find(uint32_t index) {
  return const_cast<Entry*>(static_cast<const NeighbourList*>(this)->Find(index));
}

void NeighbourList::Add(uint32_t index, float w, float learned) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), Entry{index, 0, 0}, ByIndex);
  if (it != entries_.end() && it->index == index) {
    it->weight += w;
    it->learned += learned;
    return;
  }
  entries_.insert(it, Entry{index, w, learned});
}

float NeighbourList::Weight(uint32_t index) const {
  const Entry* e = Find(index);
  return e == nullptr ? 0.0f : e->weight;
}

void NeighbourList::KeepStrongest(size_t cap) {
  if (entries_.size() <= cap) return;
  std::nth_element(entries_.begin(), entries_.begin() + cap, entries_.end(),
                   [](const Entry& a, const Entry& b) {
                     if (a.weight != b.weight) return a.weight > b.weight;
                     return a.index < b.index;
                   });
  entries_.resize(cap);
  std::sort(entries_.begin(), entries_.end(), ByIndex);
}

}  // namespace recloop

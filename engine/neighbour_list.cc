#include "engine/neighbour_list.h"

#include <algorithm>

namespace recloop {
namespace {

bool ByIndex(const NeighbourList::Entry& a, const NeighbourList::Entry& b) {
  return a.index < b.index;
}

}  // namespace

const NeighbourList::Entry* NeighbourList::Find(uint32_t index) const {
  const auto sorted_end = entries_.begin() + sorted_;
  auto it = std::lower_bound(entries_.begin(), sorted_end, Entry{index, 0}, ByIndex);
  if (it != sorted_end && it->index == index) return &*it;
  for (auto t = sorted_end; t != entries_.end(); ++t) {
    if (t->index == index) return &*t;
  }
  return nullptr;
}

NeighbourList::Entry* NeighbourList::Find(uint32_t index) {
  return const_cast<Entry*>(static_cast<const NeighbourList*>(this)->Find(index));
}

void NeighbourList::Add(uint32_t index, float w) {
  if (Entry* e = Find(index)) {
    e->weight += w;
    return;
  }
  entries_.push_back({index, w});
  if (entries_.size() - sorted_ > kMaxTail) MergeTail();
}

float NeighbourList::Weight(uint32_t index) const {
  const Entry* e = Find(index);
  return e == nullptr ? 0.0f : e->weight;
}

void NeighbourList::MergeTail() {
  const auto middle = entries_.begin() + sorted_;
  std::sort(middle, entries_.end(), ByIndex);
  std::inplace_merge(entries_.begin(), middle, entries_.end(), ByIndex);
  sorted_ = entries_.size();
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
  sorted_ = entries_.size();
}

}  // namespace recloop

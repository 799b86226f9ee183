#include "engine/co_occurrence.h"

#include <cmath>

namespace recloop {

void CoOccurrence::Add(uint32_t a, uint32_t b, float w) {
  NeighbourList& list = lists_[a];
  list.Add(b, w);
  if (list.size() > 2 * max_neighbours_) list.KeepStrongest(max_neighbours_);
}

size_t CoOccurrence::neighbour_count() const {
  size_t n = 0;
  for (const NeighbourList& list : lists_) n += list.size();
  return n;
}

double CoOccurrence::SourceScale(double history_weight, double item_weight) {
  return item_weight > 0 ? history_weight / std::sqrt(item_weight) : 0;
}

ScoreList CoOccurrence::Score(const ScoreList& sources,
                              const ItemCatalog& catalog) const {
  size_t candidates = 0;
  for (const auto& [a, h] : sources) candidates += lists_[a].size();
  // Scores add up in a dense per-thread array indexed by item (a hash map
  // insert per neighbour was most of a recommendation's cost); the touched
  // entries are then collected and the array reset.
  struct Scratch {
    std::vector<double> score;
    std::vector<uint8_t> touched;
  };
  thread_local Scratch scratch;
  if (scratch.score.size() < catalog.size()) {
    scratch.score.resize(catalog.size(), 0.0);
    scratch.touched.resize(catalog.size(), 0);
  }
  std::vector<uint32_t> order;
  order.reserve(candidates);
  for (const auto& [a, h] : sources) {
    const double scale = SourceScale(h, catalog.item(a).weight);
    for (const NeighbourList::Entry& e : lists_[a].entries()) {
      if (!scratch.touched[e.index]) {
        scratch.touched[e.index] = 1;
        order.push_back(e.index);
      }
      scratch.score[e.index] += scale * e.weight * catalog.inverse_norm(e.index);
    }
  }
  ScoreList scores;
  scores.reserve(order.size());
  for (uint32_t i : order) {
    scores.emplace_back(i, scratch.score[i]);
    scratch.score[i] = 0;
    scratch.touched[i] = 0;
  }
  return scores;
}

double CoOccurrence::ScoreOf(const ScoreList& sources, uint32_t candidate,
                             const ItemCatalog& catalog) const {
  double score = 0;
  for (const auto& [a, h] : sources) {
    const double scale = SourceScale(h, catalog.item(a).weight);
    if (scale == 0) continue;
    score += scale * lists_[a].Weight(candidate) * catalog.inverse_norm(candidate);
  }
  return score;
}

ScoreList CoOccurrence::Similar(uint32_t i, const ItemCatalog& catalog) const {
  const double scale = SourceScale(1, catalog.item(i).weight);
  ScoreList out;
  out.reserve(lists_[i].size());
  for (const NeighbourList::Entry& e : lists_[i].entries()) {
    out.emplace_back(e.index, scale * e.weight * catalog.inverse_norm(e.index));
  }
  return out;
}

}  // namespace recloop

#include "engine/list_filler.h"

#include "absl/container/flat_hash_map.h"

namespace recloop {

void ListFiller::FillPopular(int n, absl::Span<const std::string> contexts,
                             absl::optional<size_t> user_stage,
                             absl::flat_hash_set<uint32_t>* taken,
                             std::vector<ScoredItem>* out) const {
  if (static_cast<int>(out->size()) >= n) return;
  const size_t needed = static_cast<size_t>(n) - out->size();
  const double total = c_.catalog.total_weight();
  // With demotion, 4x what is needed, since demotion can only lower a score.
  const size_t enough = user_stage ? 4 * needed + 50 : needed;
  // Contextual popularity first, each scored by its share of its context's
  // (stage's) interactions.
  absl::flat_hash_map<uint32_t, double> scores;
  c_.contexts.AddShares(contexts, &scores);
  if (user_stage) {
    const double stage_total = c_.tenure.Total(*user_stage);
    if (stage_total > 0) {
      for (const auto& [i, w] : c_.tenure.Top(*user_stage, enough + taken->size())) {
        scores[i] += w / stage_total;
      }
    }
  }
  // Then global popularity, below any contextual score. Walking the sorted
  // pool stops once it has enough candidates.
  const double global_scale = scores.empty() ? 1.0 : 1e-3;
  size_t usable = 0;
  for (const auto& [i, s] : scores) usable += !taken->contains(i);
  const auto sorted = c_.popularity.Sorted();
  for (const auto& [i, w] : *sorted) {
    if (usable >= enough) break;
    if (total <= 0) break;
    if (scores.contains(i)) {
      scores[i] += global_scale * w / total;
      continue;
    }
    if (taken->contains(i)) continue;
    scores[i] = global_scale * w / total;
    ++usable;
  }
  // The pool normally suffices; when exclusions eat it, rank everything.
  if (usable < needed && c_.popularity.pool().size() < c_.catalog.size() && total > 0) {
    for (uint32_t i = 0; i < c_.catalog.size(); ++i) {
      const double weight = c_.catalog.item(i).weight;
      if (weight > 0 && !scores.contains(i)) scores[i] = global_scale * weight / total;
    }
  }
  if (user_stage) {
    for (auto& [i, s] : scores) s *= c_.blend.DemotionFactor(c_.catalog.log_demotion(i));
  }
  // Fill-ins rank below every item already chosen for its own reason. A
  // user's fill-in sums shares of several populations (contexts, stage), so
  // it is squashed by s / (1 + s) below 1 first.
  const double cap = out->empty() ? 1.0 : std::min(1.0, out->back().score);
  std::vector<ScoredItem> fill;
  TakeBest(scores, static_cast<int>(needed), taken, &fill);
  for (ScoredItem& item : fill) {
    if (user_stage) item.score /= 1 + item.score;
    item.score *= cap;
    out->push_back(std::move(item));
  }
}

}  // namespace recloop

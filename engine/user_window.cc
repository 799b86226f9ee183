#include "engine/user_window.h"

#include <algorithm>

#include "engine/tenure_popularity.h"

namespace recloop {
namespace {

// Event weights above this count as this much in scores, so that one
// heavily weighted event cannot stand for the whole history.
constexpr double kMaxScoredWeight = 10;

bool Counts(const HistoryItem& h) { return h.weight > 0; }

}  // namespace

UserWindow UserWindow::Of(absl::Span<const HistoryItem> history,
                          const ItemCatalog& catalog, const ModelOptions& options) {
  UserWindow window;
  const size_t max_sources = static_cast<size_t>(std::max(options.history_length, 0));
  absl::flat_hash_set<uint32_t> seen;
  size_t counted = 0;
  double recency = 1.0;
  int position = 0;
  for (const HistoryItem& h : history) {
    const bool in_window = position++ < options.window;
    const bool sources_full = window.sources.size() >= max_sources;
    if (!in_window && sources_full) break;
    if (!Counts(h)) continue;
    if (in_window) ++counted;
    const uint32_t i = catalog.Find(h.item_id);
    if (i == ItemCatalog::kNone || !seen.insert(i).second) continue;
    const double weight = std::min(h.weight, kMaxScoredWeight);
    if (in_window) {
      window.items.emplace_back(i, weight);
      window.event_weights.push_back(h.weight);
    }
    if (!sources_full) {
      window.sources.emplace_back(i, recency * weight);
      recency *= options.recency_decay;
    }
  }
  window.stage = TenurePopularity::StageOf(counted);
  return window;
}

size_t UserWindow::StageOf(absl::Span<const HistoryItem> history,
                           const ModelOptions& options) {
  size_t counted = 0;
  int position = 0;
  for (const HistoryItem& h : history) {
    if (position++ >= options.window) break;
    if (Counts(h)) ++counted;
  }
  return TenurePopularity::StageOf(counted);
}

absl::flat_hash_set<uint32_t> UserWindow::Interacted(
    absl::Span<const HistoryItem> history, const ItemCatalog& catalog,
    const ModelOptions& options) {
  absl::flat_hash_set<uint32_t> interacted;
  int position = 0;
  for (const HistoryItem& h : history) {
    if (position++ >= options.window) break;
    const uint32_t i = catalog.Find(h.item_id);
    if (i != ItemCatalog::kNone) interacted.insert(i);
  }
  return interacted;
}

}  // namespace recloop

// Helpers shared by the ItemModel tests.
#ifndef RECLOOP_ENGINE_ITEM_MODEL_TESTING_H_
#define RECLOOP_ENGINE_ITEM_MODEL_TESTING_H_

#include <algorithm>
#include <string>
#include <vector>

#include "engine/item_model.h"

namespace recloop {
namespace testing {

inline std::vector<std::string> Ids(const std::vector<ScoredItem>& items) {
  std::vector<std::string> ids;
  for (const auto& i : items) ids.push_back(i.item_id);
  return ids;
}

// Feeds one user's sequence the way the event log would: each item with the
// user's earlier items, most recent first.
inline void Feed(ItemModel* model, const std::vector<std::string>& sequence,
                 absl::Time time = absl::FromUnixSeconds(1700000000),
                 std::vector<std::string> contexts = {}) {
  std::vector<HistoryItem> window;
  for (const std::string& item : sequence) {
    Interaction interaction;
    interaction.item_id = item;
    interaction.time = time;
    interaction.contexts = contexts;
    model->Observe(interaction, window);
    window.insert(window.begin(), HistoryItem{item, 1});
  }
}

inline std::vector<HistoryItem> History(const std::vector<std::string>& newest_first) {
  std::vector<HistoryItem> h;
  for (const auto& id : newest_first) h.push_back({id, 1});
  return h;
}

inline ServeQuery Query(const std::vector<HistoryItem>& history, int n,
                        const absl::flat_hash_set<std::string>* exclude = nullptr) {
  ServeQuery q;
  q.history = history;
  q.n = n;
  q.exclude = exclude;
  return q;
}

// Restores into `restored` what a checkpoint of `model` holds (its header
// and every changed item, in index order as a store reads them back), as a
// restart would.
inline void RoundTrip(ItemModel* model, ItemModel* restored) {
  std::vector<uint32_t> items = model->TakeDirty();
  std::sort(items.begin(), items.end());
  model->ReadItems(items, [&](uint32_t index, const ItemState& state) {
    restored->RestoreItem(index, state);
  });
  if (auto header = model->Header()) restored->RestoreHeader(*header);
}

}  // namespace testing
}  // namespace recloop

#endif  // RECLOOP_ENGINE_ITEM_MODEL_TESTING_H_

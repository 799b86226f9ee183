// UserWindow: what a user's history gives every signal, computed once per
// event learned and per list served.
//
// The history is the user's items, most recent first, each with its event
// weight. One definition holds for every signal:
//  - an entry counts when its weight is positive; entries that do not count
//    still take their position;
//  - the window is the first `ModelOptions::window` positions;
//  - an item appears once, at its most recent counted position, and only
//    when the catalog knows it.
#ifndef RECLOOP_ENGINE_USER_WINDOW_H_
#define RECLOOP_ENGINE_USER_WINDOW_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "engine/item_catalog.h"
#include "engine/model_options.h"
#include "engine/model_types.h"

namespace recloop {

struct UserWindow {
  // The items scores start from: the first history_length distinct counted
  // items (inside the window or not), each weighted by
  // recency_decay^(its rank) * min(event weight, 10).
  ScoreList sources;
  // The distinct counted items of the window, most recent first, each with
  // min(event weight, 10): the sequence model's longer context and the
  // window regression's rows.
  ScoreList items;
  // The same items' event weights, uncapped: what their pairs weigh.
  std::vector<double> event_weights;
  // The TenurePopularity stage: how many entries of the window count.
  size_t stage = 0;

  static UserWindow Of(absl::Span<const HistoryItem> history, const ItemCatalog& catalog,
                       const ModelOptions& options);
  // The stage Of() gives, without looking items up.
  static size_t StageOf(absl::Span<const HistoryItem> history,
                        const ModelOptions& options);
  // Every known item in the window, counted or not: what serving would
  // exclude as already interacted with.
  static absl::flat_hash_set<uint32_t> Interacted(absl::Span<const HistoryItem> history,
                                                  const ItemCatalog& catalog,
                                                  const ModelOptions& options);
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_USER_WINDOW_H_

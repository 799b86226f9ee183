// The values that pass between a recommender, its model and the model's
// components: what is learned, what is asked for, what is served.
#ifndef RECLOOP_ENGINE_MODEL_TYPES_H_
#define RECLOOP_ENGINE_MODEL_TYPES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace recloop {

struct ScoredItem {
  std::string item_id;
  double score;
};

// One of a user's earlier items, with the weight of its event (0: the
// recommender ignores that event type or value).
struct HistoryItem {
  std::string item_id;
  double weight = 1;
};

// What one stored event teaches the model.
struct Interaction {
  std::string item_id;  // May be empty (an event about no item).
  absl::Time time;
  double weight = 1;  // ModelOptions::EventWeight; 0 learns no interaction.
  std::vector<std::string> contexts;     // "FIELD=value" of categorical fields.
  std::vector<std::string> impressions;  // The effective impression.
};

// What a list is asked for.
struct ServeQuery {
  // The user's items, most recent first.
  absl::Span<const HistoryItem> history;
  // Items never to return (may be null).
  const absl::flat_hash_set<std::string>* exclude = nullptr;
  // "FIELD=value" of the request's context.
  absl::Span<const std::string> contexts;
  int n = 25;
};

// Items by catalog index, each with a score or a weight.
using ScoreList = std::vector<std::pair<uint32_t, double>>;

}  // namespace recloop

#endif  // RECLOOP_ENGINE_MODEL_TYPES_H_

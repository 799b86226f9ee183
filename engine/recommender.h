// Recommender: a recipe and its options over one dataset group's events,
// with the model it learns.
#ifndef RECLOOP_ENGINE_RECOMMENDER_H_
#define RECLOOP_ENGINE_RECOMMENDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "engine/exploration.h"
#include "engine/item_model.h"
#include "engine/model_options.h"

namespace recloop {

// One of a user's stored events, as a recommender weighs it.
struct PastEvent {
  std::string item_id;
  std::string event_type;
  absl::optional<float> event_value;
};

// One event to learn.
struct LearnedEvent {
  std::string item_id;  // May be empty.
  std::string event_type;
  absl::optional<float> event_value;
  absl::Time sent_at;
  // "FIELD=value" of its categorical properties.
  std::vector<std::string> contexts;
  // What the user was shown with it (its effective impression).
  std::vector<std::string> impressions;
};

// What GetRecommendations asks of a recommender.
struct RecommendInput {
  // The user's events, most recent first (empty without a user).
  absl::Span<const PastEvent> history;
  std::string item_id;
  std::vector<std::string> contexts;
  int n = 25;
};

// Thread-safe.
class Recommender {
 public:
  // `name` is what errors call it.
  Recommender(std::string name, Recipe recipe, const ModelOptions& options);
  Recommender(const Recommender&) = delete;
  Recommender& operator=(const Recommender&) = delete;

  const std::string& name() const { return name_; }
  Recipe recipe() const { return recipe_; }
  const ModelOptions& options() const { return options_; }
  ItemModel& model() { return model_; }
  const ItemModel& model() const { return model_; }

  // Learns `event`; `window` holds the same user's earlier events, most
  // recent first.
  void Learn(const LearnedEvent& event, absl::Span<const PastEvent> window);

  // The list GetRecommendations serves, as the recipe says. INVALID_ARGUMENT
  // when the recipe cannot serve the input (similar-items without item_id,
  // personalized-ranking).
  absl::StatusOr<std::vector<ScoredItem>> Recommend(const RecommendInput& input);
  // GetPersonalizedRanking: exactly `items`, reordered.
  std::vector<ScoredItem> Rank(const RecommendInput& input,
                               absl::Span<const std::string> items) const;

 private:
  std::vector<HistoryItem> Weigh(absl::Span<const PastEvent> events) const;
  // Gives list positions to new items (see Explorer).
  void Explore(const absl::flat_hash_set<std::string>& interacted, int n,
               std::vector<ScoredItem>* list);

  const std::string name_;
  const Recipe recipe_;
  const ModelOptions options_;
  ItemModel model_;
  Explorer explorer_;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_RECOMMENDER_H_

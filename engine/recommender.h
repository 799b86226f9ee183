// Recommender: a recipe and its configuration over one dataset group's
// events, with the model it learns.
#ifndef RECLOOP_ENGINE_RECOMMENDER_H_
#define RECLOOP_ENGINE_RECOMMENDER_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "engine/item_model.h"
#include "engine/model_options.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop {

// One of a user's stored events, as a recommender weighs it.
struct PastEvent {
  std::string item_id;
  std::string event_type;
  absl::optional<float> event_value;

  static PastEvent Of(const v1::Event& event) {
    return {event.item_id(), event.event_type(), ValueOf(event)};
  }
  static absl::optional<float> ValueOf(const v1::Event& event) {
    return event.has_event_value() ? absl::optional<float>(event.event_value())
                                   : absl::nullopt;
  }
};

// One event to learn, with what the event log and schema derived for it.
struct LearnedEvent {
  const v1::StoredEvent* event;
  absl::Time sent_at;
  // "FIELD=value" of its categorical properties.
  std::vector<std::string> contexts;
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
  // `description` names the recipe and holds the configuration; both are
  // validated (INVALID_ARGUMENT naming recipe or config.<field>).
  static absl::StatusOr<std::unique_ptr<Recommender>> Create(
      const v1::Recommender& description, uint32_t id);

  const v1::Recommender& description() const { return description_; }
  const std::string& name() const { return description_.name(); }
  uint32_t id() const { return id_; }
  Recipe recipe() const { return recipe_; }
  const ModelOptions& options() const { return options_; }
  ItemModel& model() { return model_; }
  const ItemModel& model() const { return model_; }

  // Every journaled event up to this sequence was learned when the
  // recommender was created (from the event log); replay skips them. Set
  // once, before the recommender is shared.
  uint64_t trained_through() const { return trained_through_; }
  void set_trained_through(uint64_t seq) { trained_through_ = seq; }

  // Learns `learned`; `window` holds the same user's earlier events, most
  // recent first.
  void Learn(const LearnedEvent& learned, absl::Span<const PastEvent> window);

  // The list GetRecommendations serves, as the recipe says. INVALID_ARGUMENT
  // when the recipe cannot serve the input (similar-items without item_id,
  // personalized-ranking).
  absl::StatusOr<std::vector<ScoredItem>> Recommend(const RecommendInput& input);
  // GetPersonalizedRanking: exactly `items`, reordered.
  std::vector<ScoredItem> Rank(const RecommendInput& input,
                               absl::Span<const std::string> items) const;

 private:
  Recommender(const v1::Recommender& description, uint32_t id, Recipe recipe,
              const ModelOptions& options);

  std::vector<HistoryItem> Weigh(absl::Span<const PastEvent> events) const;
  // Gives each list position, with probability exploration_weight, to a new
  // item (younger than the age cut-off), chosen by Thompson sampling of its
  // click-through rate: items with few impressions are uncertain and often
  // win, items shown often and seldom chosen rarely do.
  void Explore(const absl::flat_hash_set<std::string>& interacted, int n,
               std::vector<ScoredItem>* list);

  const v1::Recommender description_;
  const uint32_t id_;
  const Recipe recipe_;
  const ModelOptions options_;
  uint64_t trained_through_ = 0;
  ItemModel model_;
  absl::Mutex rng_mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(rng_mu_);
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_RECOMMENDER_H_

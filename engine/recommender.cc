#include "engine/recommender.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace recloop {
namespace {

// How many new items exploration considers per list.
constexpr size_t kExplorationPool = 500;

}  // namespace

Recommender::Recommender(std::string name, Recipe recipe, const ModelOptions& options)
    : name_(std::move(name)),
      recipe_(recipe),
      options_(options),
      model_(options),
      explorer_(options.exploration_weight, options.exploration_seed) {}

std::vector<HistoryItem> Recommender::Weigh(absl::Span<const PastEvent> events) const {
  std::vector<HistoryItem> items;
  items.reserve(events.size());
  for (const PastEvent& e : events) {
    if (e.item_id.empty()) continue;
    items.push_back({e.item_id, options_.EventWeight(e.event_type, e.event_value)});
  }
  return items;
}

void Recommender::Learn(const LearnedEvent& event, absl::Span<const PastEvent> window) {
  Interaction interaction;
  interaction.item_id = event.item_id;
  interaction.time = event.sent_at;
  interaction.weight = options_.EventWeight(event.event_type, event.event_value);
  interaction.contexts = event.contexts;
  interaction.impressions = event.impressions;
  const std::vector<HistoryItem> weighted = Weigh(window);
  model_.Observe(interaction, weighted);
}

absl::StatusOr<std::vector<ScoredItem>> Recommender::Recommend(
    const RecommendInput& input) {
  const std::vector<HistoryItem> history = Weigh(input.history);
  absl::flat_hash_set<std::string> interacted;
  if (options_.exclude_interacted) {
    for (const HistoryItem& h : history) interacted.insert(h.item_id);
  }
  ServeQuery query;
  query.history = history;
  query.exclude = &interacted;
  query.contexts = input.contexts;
  query.n = input.n;

  switch (recipe_) {
    case Recipe::kUserPersonalization: {
      std::vector<ScoredItem> list;
      if (!input.item_id.empty()) {
        list = model_.Related(input.item_id, query);
      } else if (!history.empty()) {
        list = model_.Personalized(query);
      } else {
        list = model_.PopularForUser(query);
      }
      Explore(interacted, input.n, &list);
      return list;
    }
    case Recipe::kSimilarItems:
      if (input.item_id.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "item_id: required by recommender ", name_, " (recipe similar-items)"));
      }
      return model_.Related(input.item_id, query);
    case Recipe::kPopularityCount:
      return model_.Popular(query);
    case Recipe::kTrendingNow:
      return model_.Trending(query);
    case Recipe::kPersonalizedRanking:
      return absl::InvalidArgumentError(
          absl::StrCat("recommender: ", name_,
                       " has recipe personalized-ranking; call GetPersonalizedRanking"));
  }
  return absl::InternalError("unknown recipe");
}

std::vector<ScoredItem> Recommender::Rank(const RecommendInput& input,
                                          absl::Span<const std::string> items) const {
  const std::vector<HistoryItem> history = Weigh(input.history);
  ServeQuery query;
  query.history = history;
  query.contexts = input.contexts;
  query.n = static_cast<int>(items.size());
  return model_.Rank(query, items);
}

void Recommender::Explore(const absl::flat_hash_set<std::string>& interacted, int n,
                          std::vector<ScoredItem>* list) {
  if (options_.exploration_weight <= 0 || n <= 0) return;
  const absl::Duration cut_off =
      absl::Hours(24) * options_.exploration_item_age_cut_off_days;
  explorer_.Explore(model_.NewItems(cut_off, &interacted, kExplorationPool), n, list);
}

}  // namespace recloop

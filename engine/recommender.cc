#include "engine/recommender.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace recloop {
namespace {

// How many new items exploration considers per list.
constexpr size_t kExplorationPool = 500;

uint64_t SeedFrom(uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Recommender>> Recommender::Create(
    const v1::Recommender& description, uint32_t id) {
  absl::StatusOr<Recipe> recipe = ParseRecipe(description.recipe());
  if (!recipe.ok()) return recipe.status();
  absl::StatusOr<ModelOptions> options = ModelOptionsFromConfig(description.config());
  if (!options.ok()) return options.status();
  return std::unique_ptr<Recommender>(
      new Recommender(description, id, *recipe, *options));
}

Recommender::Recommender(const v1::Recommender& description, uint32_t id,
                         Recipe recipe, const ModelOptions& options)
    : description_(description),
      id_(id),
      recipe_(recipe),
      options_(options),
      model_(options),
      rng_(SeedFrom(options.exploration_seed)) {}

std::vector<HistoryItem> Recommender::Weigh(absl::Span<const PastEvent> events) const {
  std::vector<HistoryItem> items;
  items.reserve(events.size());
  for (const PastEvent& e : events) {
    if (e.item_id.empty()) continue;
    items.push_back({e.item_id, options_.EventWeight(e.event_type, e.event_value)});
  }
  return items;
}

void Recommender::Learn(const LearnedEvent& learned, absl::Span<const PastEvent> window) {
  const v1::Event& event = learned.event->event();
  Interaction interaction;
  interaction.item_id = event.item_id();
  interaction.time = learned.sent_at;
  interaction.weight = options_.EventWeight(
      event.event_type(),
      event.has_event_value() ? absl::optional<float>(event.event_value())
                              : absl::nullopt);
  interaction.contexts = learned.contexts;
  interaction.impressions.assign(learned.event->effective_impression().begin(),
                                 learned.event->effective_impression().end());
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
        list = model_.Popular(query, /*demote=*/true);
      }
      Explore(interacted, input.n, &list);
      return list;
    }
    case Recipe::kSimilarItems:
      if (input.item_id.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("item_id: required by recommender ", name(),
                         " (recipe similar-items)"));
      }
      return model_.Related(input.item_id, query);
    case Recipe::kPopularityCount:
      return model_.Popular(query);
    case Recipe::kTrendingNow:
      return model_.Trending(query);
    case Recipe::kPersonalizedRanking:
      return absl::InvalidArgumentError(
          absl::StrCat("recommender: ", name(),
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
  std::vector<ItemModel::NewItem> pool =
      model_.NewItems(cut_off, &interacted, kExplorationPool);
  if (pool.empty()) return;

  absl::MutexLock lock(&rng_mu_);
  std::bernoulli_distribution explore(options_.exploration_weight);
  std::vector<bool> slots(static_cast<size_t>(n));
  bool any = false;
  for (int p = 0; p < n; ++p) any |= (slots[p] = explore(rng_));
  if (!any) return;

  absl::flat_hash_set<std::string> listed;
  for (const ScoredItem& item : *list) listed.insert(item.item_id);
  // Fewer impressions, more chance: weight 1 / (1 + impressions).
  std::vector<double> weights;
  weights.reserve(pool.size());
  for (const auto& candidate : pool) {
    weights.push_back(listed.contains(candidate.item_id)
                          ? 0.0
                          : 1.0 / (1.0 + candidate.impressions));
  }
  std::vector<ScoredItem> ranked = std::move(*list);
  list->clear();
  size_t next_ranked = 0;
  for (int p = 0; p < n; ++p) {
    const double score = next_ranked < ranked.size()
                             ? ranked[next_ranked].score
                             : (list->empty() ? 0 : list->back().score);
    bool explored = false;
    if (slots[p]) {
      double total = 0;
      for (double w : weights) total += w;
      if (total > 0) {
        std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
        const size_t k = pick(rng_);
        weights[k] = 0;
        list->push_back({pool[k].item_id, score});
        explored = true;
      }
    }
    if (!explored) {
      if (next_ranked >= ranked.size()) break;
      list->push_back(std::move(ranked[next_ranked++]));
    }
  }
}

}  // namespace recloop

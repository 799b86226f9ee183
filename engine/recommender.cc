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
  interaction.weight = options_.EventWeight(event.event_type(), PastEvent::ValueOf(event));
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
        list = model_.PopularForUser(query);
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
  int wanted = 0;
  for (int p = 0; p < n; ++p) wanted += (slots[p] = explore(rng_));
  if (wanted == 0) return;

  // Thompson sampling: each candidate's click-through rate is drawn from
  // Beta(1 + clicks, prior + impressions - clicks), where the prior makes an
  // unseen item's expected rate the pool's average. Items with few
  // impressions are uncertain, so they often draw high and get shown;
  // items shown often and seldom chosen draw low.
  double pool_clicks = 0, pool_impressions = 0;
  for (const auto& c : pool) {
    pool_clicks += c.clicks;
    pool_impressions += c.impressions;
  }
  // Optimistic: at least 10%, so that unseen items get their chance.
  const double rate = std::clamp((pool_clicks + 1) / (pool_impressions + 10), 0.1, 0.5);
  const double prior_misses = 1 / rate - 1;
  absl::flat_hash_set<std::string> listed;
  for (const ScoredItem& item : *list) listed.insert(item.item_id);
  std::vector<std::pair<double, size_t>> draws;
  draws.reserve(pool.size());
  for (size_t k = 0; k < pool.size(); ++k) {
    if (listed.contains(pool[k].item_id)) continue;
    const double misses = std::max(0.0, pool[k].impressions - pool[k].clicks);
    std::gamma_distribution<double> hits_draw(1 + pool[k].clicks, 1);
    std::gamma_distribution<double> misses_draw(prior_misses + misses, 1);
    const double x = hits_draw(rng_), y = misses_draw(rng_);
    draws.emplace_back(x + y > 0 ? x / (x + y) : 0, k);
  }
  const size_t take = std::min(draws.size(), static_cast<size_t>(wanted));
  std::partial_sort(draws.begin(), draws.begin() + take, draws.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });

  std::vector<ScoredItem> ranked = std::move(*list);
  list->clear();
  size_t next_ranked = 0, next_draw = 0;
  for (int p = 0; p < n; ++p) {
    const double score = next_ranked < ranked.size()
                             ? ranked[next_ranked].score
                             : (list->empty() ? 0 : list->back().score);
    if (slots[p] && next_draw < take) {
      list->push_back({pool[draws[next_draw++].second].item_id, score});
      continue;
    }
    if (next_ranked >= ranked.size()) break;
    list->push_back(std::move(ranked[next_ranked++]));
  }
}

}  // namespace recloop

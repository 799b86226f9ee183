#include "engine/exploration.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace recloop {
namespace {

uint64_t SeedFrom(uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

Explorer::Explorer(double exploration_weight, uint64_t seed)
    : weight_(exploration_weight), rng_(SeedFrom(seed)) {}

void Explorer::Explore(const std::vector<NewItem>& pool, int n,
                       std::vector<ScoredItem>* list) {
  if (weight_ <= 0 || n <= 0 || pool.empty()) return;
  absl::MutexLock lock(&mu_);
  std::bernoulli_distribution explore(weight_);
  std::vector<bool> slots(static_cast<size_t>(n));
  int wanted = 0;
  for (int p = 0; p < n; ++p) wanted += (slots[p] = explore(rng_));
  if (wanted == 0) return;

  // Each candidate's click-through rate is drawn from
  // Beta(1 + clicks, prior + impressions - clicks), where the prior makes an
  // unseen item's expected rate the pool's average (optimistic: at least
  // 10%, so that unseen items get their chance).
  double pool_clicks = 0, pool_impressions = 0;
  for (const NewItem& c : pool) {
    pool_clicks += c.clicks;
    pool_impressions += c.impressions;
  }
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

#include "engine/popularity.h"

#include <cmath>

namespace recloop {
namespace {

// Trend scores are rescaled before their exponent leaves a safe range.
constexpr double kMaxTrendExponent = 64;

}  // namespace

std::shared_ptr<const ScoreList> Popularity::Sorted() const {
  absl::MutexLock lock(&cache_mu_);
  if (cache_ == nullptr || cache_version_ != pool_.version()) {
    cache_ = std::make_shared<const ScoreList>(pool_.Sorted());
    cache_version_ = pool_.version();
  }
  return cache_;
}

TrendingScores::TrendingScores(size_t pool, double half_life_hours)
    : half_life_hours_(half_life_hours), pool_(pool) {}

void TrendingScores::Observe(int64_t micros) {
  if (!has_events_) {
    has_events_ = true;
    origin_micros_ = micros;
    latest_event_micros_ = micros;
  }
  latest_event_micros_ = std::max(latest_event_micros_, micros);
}

double TrendingScores::Scaled(double weight, int64_t micros, double* rescale,
                              absl::flat_hash_set<uint32_t>* rescaled) {
  *rescale = 1;
  double exponent = (micros - origin_micros_) / HalfLifeMicros();
  if (exponent > kMaxTrendExponent) {
    const double factor = std::exp2(-exponent);
    for (uint32_t i = 0; i < trends_.size(); ++i) {
      if (trends_[i] != 0) {
        trends_[i] *= factor;
        rescaled->insert(i);
      }
    }
    pool_.Scale(factor);
    *rescale = factor;
    origin_micros_ = micros;
    exponent = 0;
  }
  return weight * std::exp2(exponent);
}

void TrendingScores::Add(uint32_t i, double scaled) {
  trends_[i] += scaled;
  pool_.Update(i, trends_[i]);
}

double TrendingScores::Unit() const {
  return std::exp2((latest_event_micros_ - origin_micros_) / HalfLifeMicros());
}

void TrendingScores::RestoreClock(int64_t origin_micros, int64_t latest_event_micros) {
  has_events_ = true;
  origin_micros_ = origin_micros;
  latest_event_micros_ = latest_event_micros;
}

void TrendingScores::Restore(uint32_t i, double trend, bool in_pool) {
  trends_[i] = trend;
  if (in_pool) pool_.Update(i, trend);
}

void ContextPopularity::Add(absl::Span<const std::string> contexts, uint32_t i,
                            double weight) {
  for (const std::string& context : contexts) {
    Stats& stats = contexts_.try_emplace(context, pool_).first->second;
    stats.total += weight;
    double& w = stats.weights[i];
    w += weight;
    stats.top.Update(i, w);
  }
}

double ContextPopularity::Boost(uint32_t i, double item_weight,
                                absl::Span<const std::string> contexts) const {
  if (contexts.empty() || item_weight <= 0) return 1;
  double share = 0;
  for (const std::string& context : contexts) {
    auto it = contexts_.find(context);
    if (it == contexts_.end()) continue;
    auto w = it->second.weights.find(i);
    if (w != it->second.weights.end()) share += w->second / item_weight;
  }
  return 1 + share / contexts.size();
}

void ContextPopularity::AddShares(absl::Span<const std::string> contexts,
                                  absl::flat_hash_map<uint32_t, double>* scores) const {
  for (const std::string& context : contexts) {
    auto it = contexts_.find(context);
    if (it == contexts_.end() || it->second.total <= 0) continue;
    for (const auto& [i, w] : it->second.top.Sorted()) {
      (*scores)[i] += w / it->second.total;
    }
  }
}

absl::flat_hash_map<uint32_t, std::vector<std::pair<absl::string_view, double>>>
ContextPopularity::Of(absl::Span<const uint32_t> items) const {
  absl::flat_hash_map<uint32_t, std::vector<std::pair<absl::string_view, double>>> out;
  if (contexts_.empty()) return out;
  const absl::flat_hash_set<uint32_t> wanted(items.begin(), items.end());
  for (const auto& [context, stats] : contexts_) {
    for (const auto& [i, weight] : stats.weights) {
      if (wanted.contains(i)) out[i].emplace_back(context, weight);
    }
  }
  return out;
}

std::vector<std::pair<std::string, double>> ContextPopularity::Totals() const {
  std::vector<std::pair<std::string, double>> totals;
  totals.reserve(contexts_.size());
  for (const auto& [context, stats] : contexts_)
    totals.emplace_back(context, stats.total);
  return totals;
}

void ContextPopularity::RestoreTotal(absl::string_view context, double total) {
  auto it = contexts_.find(context);
  if (it != contexts_.end() && std::isfinite(total)) it->second.total = total;
}

void ContextPopularity::Restore(uint32_t i, absl::string_view context, double weight) {
  Stats& stats = contexts_.try_emplace(context, pool_).first->second;
  stats.weights[i] = weight;
  stats.total += weight;
  stats.top.Update(i, weight);
}

}  // namespace recloop

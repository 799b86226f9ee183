// Popularity signals: the most popular items overall, trending (popularity
// decayed with a half-life), and popularity per context value.
#ifndef RECLOOP_ENGINE_POPULARITY_H_
#define RECLOOP_ENGINE_POPULARITY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/model_types.h"
#include "engine/top_pool.h"

namespace recloop {

// The most popular items by interaction weight, kept incrementally.
// Not thread-safe for writes; Sorted() may be called by concurrent readers.
class Popularity {
 public:
  explicit Popularity(size_t pool) : pool_(pool) {}

  // Item i's interaction weight is now `weight` (it only grows).
  void Update(uint32_t i, double weight) { pool_.Update(i, weight); }
  const TopPool& pool() const { return pool_; }
  // The pool, best first; sorted again only after it changed (serving
  // reads it for every list).
  std::shared_ptr<const ScoreList> Sorted() const;

 private:
  TopPool pool_;
  mutable absl::Mutex cache_mu_;
  mutable std::shared_ptr<const ScoreList> cache_ ABSL_GUARDED_BY(cache_mu_);
  mutable uint64_t cache_version_ ABSL_GUARDED_BY(cache_mu_) = 0;
};

// TrendingScores: each item's interactions decayed by a half-life, and the
// model's clock (the latest event time it has seen).
//
// A score is the sum of weight * 2^((t - origin) / half-life) over the
// item's interactions: scores never decay in place, newer interactions
// weigh more. When the exponent leaves a safe range the origin moves to the
// present and every score shrinks by the same factor, so the order is
// unchanged.
//
// Not thread-safe; the owning model locks.
class TrendingScores {
 public:
  TrendingScores(size_t pool, double half_life_hours);

  void Resize(size_t n) { trends_.resize(n, 0); }
  // Notes an event at `micros`: the first sets the origin; the latest is the
  // model's "now".
  void Observe(int64_t micros);
  // `weight` scaled for an interaction at `micros`. When the origin has to
  // move first, every trend score is rescaled (their items are added to
  // `rescaled`) and the factor is returned in `rescale` (else 1), for
  // scores decayed with the same origin elsewhere.
  double Scaled(double weight, int64_t micros, double* rescale,
                absl::flat_hash_set<uint32_t>* rescaled);
  // Adds a Scaled weight to item i's score.
  void Add(uint32_t i, double scaled);

  double trend(uint32_t i) const { return trends_[i]; }
  // What one interaction at the latest event time adds: trend / unit reads
  // in "interactions now".
  double Unit() const;
  const TopPool& pool() const { return pool_; }
  bool has_events() const { return has_events_; }
  int64_t origin_micros() const { return origin_micros_; }
  int64_t latest_event_micros() const { return latest_event_micros_; }

  // Restores checkpointed state.
  void RestoreClock(int64_t origin_micros, int64_t latest_event_micros);
  // Restores item i's score; `in_pool` when it may rank among the most
  // trending (it has interactions).
  void Restore(uint32_t i, double trend, bool in_pool);

 private:
  double HalfLifeMicros() const { return half_life_hours_ * 3600e6; }

  const double half_life_hours_;
  std::vector<double> trends_;
  TopPool pool_;
  bool has_events_ = false;
  int64_t origin_micros_ = 0;
  int64_t latest_event_micros_ = 0;
};

// Popularity per context value ("DEVICE=mobile"): each item's interaction
// weight among the events carrying it.
//
// Not thread-safe; the owning model locks.
class ContextPopularity {
 public:
  explicit ContextPopularity(size_t pool) : pool_(pool) {}

  // An interaction of `weight` with item i in each of `contexts`.
  void Add(absl::Span<const std::string> contexts, uint32_t i, double weight);
  // 1 plus the mean share of the item's weight (`item_weight`) that falls
  // in `contexts`: the boost of a candidate for a request in them.
  double Boost(uint32_t i, double item_weight,
               absl::Span<const std::string> contexts) const;
  // Adds to `scores` each known context's most popular items, scored by
  // their share of the context's weight.
  void AddShares(absl::Span<const std::string> contexts,
                 absl::flat_hash_map<uint32_t, double>* scores) const;

  // The (context, weight) pairs of each of `items` that has any, for
  // checkpoints.
  absl::flat_hash_map<uint32_t, std::vector<std::pair<absl::string_view, double>>> Of(
      absl::Span<const uint32_t> items) const;
  // Every context's total weight, for checkpoints.
  std::vector<std::pair<std::string, double>> Totals() const;
  // Restores one checkpointed weight.
  void Restore(uint32_t i, absl::string_view context, double weight);
  // Replaces the total the restored weights of `context` added up to with
  // the exact one.
  void RestoreTotal(absl::string_view context, double total);

 private:
  struct Stats {
    explicit Stats(size_t pool) : top(pool) {}
    double total = 0;
    absl::flat_hash_map<uint32_t, double> weights;
    TopPool top;
  };
  const size_t pool_;
  absl::flat_hash_map<std::string, Stats> contexts_;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_POPULARITY_H_

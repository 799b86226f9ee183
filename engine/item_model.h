// ItemModel: the real-time item-to-item model of one dataset group.
//
// Every interaction updates co-occurrence weights between its item and the
// items in the same user's recent window (O(window) work, never O(catalog)),
// weighted by how close in the user's sequence the two items are. Similarity
// is the co-occurrence normalized by both items' interaction weights
// (cosine), so popular items don't drown everything else. Neighbour lists are
// capped per item; the weakest fall out.
//
// The state lives in memory. Checkpoints write the items changed since the
// previous checkpoint to the model column family, and Load() reads them back
// at start-up; events newer than the checkpoint are replayed from the journal
// by the caller.
#ifndef RECLOOP_ENGINE_ITEM_MODEL_H_
#define RECLOOP_ENGINE_ITEM_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage/store.h"

namespace recloop {

struct ItemModelOptions {
  // How many of the user's previous items a new interaction pairs with.
  int window = 50;
  // A pair k positions apart in the user's sequence counts pair_decay^k.
  double pair_decay = 0.95;
  // Neighbours kept per item.
  int max_neighbours = 200;
  // How many of the user's most recent distinct items a recommendation is
  // built from, and how much each older one counts relative to the next.
  int scoring_history = 10;
  double history_decay = 0.8;
  // Size of the incrementally maintained most-popular set.
  int popular_pool = 1000;
};

struct ScoredItem {
  std::string item_id;
  double score;
};

// Thread-safe.
class ItemModel {
 public:
  explicit ItemModel(const ItemModelOptions& options);
  ItemModel(const ItemModel&) = delete;
  ItemModel& operator=(const ItemModel&) = delete;

  const ItemModelOptions& options() const { return options_; }

  // Restores the checkpointed state of group `group_id`. Call once, before
  // any Observe.
  absl::Status Load(const Store& store, uint32_t group_id);
  // Adds to `batch` the records of the items changed since the last call,
  // and forgets that they changed. Returns their indexes, for MarkDirty if
  // the batch cannot be written.
  std::vector<uint32_t> TakeDirty(uint32_t group_id, WriteBatch* batch);
  void MarkDirty(const std::vector<uint32_t>& indexes);

  // Learns one interaction with `item_id`, of importance `weight`, at
  // `time`. `window` holds the same user's earlier items, most recent first
  // (duplicates are counted once, at their nearest position).
  void Observe(absl::string_view item_id, absl::Time time, double weight,
               absl::Span<const std::string> window);

  // The n best items for a user whose items, most recent first, are
  // `history`, excluding `exclude`. Falls back to popularity when the
  // history gives fewer than n candidates.
  std::vector<ScoredItem> RecommendForHistory(
      absl::Span<const std::string> history, int n,
      const absl::flat_hash_set<std::string>& exclude) const;
  // Items most similar to `item_id`, then popular ones, excluding `exclude`
  // and the item itself.
  std::vector<ScoredItem> RelatedItems(
      absl::string_view item_id, int n,
      const absl::flat_hash_set<std::string>& exclude) const;
  // Exactly `items`, best first for a user with `history`. Items the model
  // has never seen come last, in input order.
  std::vector<ScoredItem> Rank(absl::Span<const std::string> history,
                               absl::Span<const std::string> items) const;
  // The most popular items, excluding `exclude`.
  std::vector<ScoredItem> Popular(int n,
                                  const absl::flat_hash_set<std::string>& exclude) const;

  size_t item_count() const;
  // Sum of every item's neighbour count (for memory reports).
  size_t neighbour_count() const;

 private:
  struct Item {
    std::string id;
    int64_t first_seen_micros = 0;
    double weight = 0;   // Sum of interaction weights.
    uint64_t events = 0;
    absl::flat_hash_map<uint32_t, float> neighbours;  // Co-occurrence weight.
  };

  uint32_t IndexOrAdd(absl::string_view item_id, absl::Time time)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddPair(uint32_t a, uint32_t b, float w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdatePopular(uint32_t index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RebuildPopular() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  double Similarity(const Item& a, uint32_t b, float co) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Collaborative scores of candidate items for `history`, by index.
  absl::flat_hash_map<uint32_t, double> ScoreHistory(
      absl::Span<const std::string> history) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Popular items not in `exclude` or `taken`, best first, appended to out.
  void FillPopular(int n, const absl::flat_hash_set<std::string>& exclude,
                   absl::flat_hash_set<uint32_t>* taken,
                   std::vector<ScoredItem>* out) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const ItemModelOptions options_;
  mutable absl::Mutex mu_;
  std::vector<Item> items_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> index_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint32_t> dirty_ ABSL_GUARDED_BY(mu_);
  double total_weight_ ABSL_GUARDED_BY(mu_) = 0;
  // The popular_pool items of largest weight. Weights only grow, so an item
  // enters the pool when it passes the pool's smallest weight.
  absl::flat_hash_set<uint32_t> popular_ ABSL_GUARDED_BY(mu_);
  uint32_t popular_min_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_ITEM_MODEL_H_

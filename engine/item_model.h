// ItemModel: the real-time model of one recommender.
//
// It owns the model's components and calls them in order. Learning
// (Observe) is incremental and costs O(window), never O(catalog); serving
// gathers candidates, computes their signals, blends them with learned
// weights, demotes by impressions, boosts by context and fills the list up
// with what is popular. docs/engine.md explains each component.
//
//   ItemCatalog        ids, indexes, counts, impressions
//   CoOccurrence       item-to-item neighbours, the collaborative score
//   Popularity, TrendingScores, ContextPopularity
//   TenurePopularity   popularity by the user's stage of history
//   SequenceEmbedding  item vectors that predict what follows
//   WindowRegression   learned pair weights over the user's whole window
//   CandidateSignals   candidates and their normalized signals
//   SignalBlend        the learned mix of signals and of demotion
//   ListFiller         lists from scores, filled with what is popular
//
// The state lives in memory. Checkpoints read the items changed since the
// last one (TakeDirty, ReadItems); start-up restores them (Restore*) and
// replays the journal. The encoding is the caller's (domain/model_codec).
#ifndef RECLOOP_ENGINE_ITEM_MODEL_H_
#define RECLOOP_ENGINE_ITEM_MODEL_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "engine/candidates.h"
#include "engine/co_occurrence.h"
#include "engine/exploration.h"
#include "engine/item_catalog.h"
#include "engine/list_filler.h"
#include "engine/model_options.h"
#include "engine/model_types.h"
#include "engine/neighbour_list.h"
#include "engine/popularity.h"
#include "engine/sequence_embedding.h"
#include "engine/signal_blend.h"
#include "engine/tenure_popularity.h"
#include "engine/user_window.h"

namespace recloop {

// The model-wide part of a checkpoint.
struct ModelHeader {
  int64_t trend_origin_micros = 0;
  int64_t latest_event_micros = 0;
  std::vector<double> blend;  // SignalBlend::Checkpoint()
  // Sums over items, exact (re-adding the items' values would round
  // differently); absent in older checkpoints.
  absl::optional<double> total_weight;
  std::vector<double> tenure_totals;  // TenurePopularity::kStages values
  std::vector<std::pair<std::string, double>> context_totals;
  uint64_t blend_interactions = 0;
};

// One item's learned state, as a checkpoint holds it. The spans point into
// the model (ReadItems) or into a decoded record (RestoreItem).
struct ItemState {
  absl::string_view item_id;
  int64_t first_seen_micros = 0;
  double weight = 0;
  uint64_t events = 0;
  double trend = 0;
  double impressions = 0;
  double clicks = 0;
  absl::Span<const float> sequence_input;
  absl::Span<const float> sequence_output;
  float sequence_bias = 0;
  absl::Span<const float> tenure_weights;
  absl::Span<const NeighbourList::Entry> neighbours;
  std::vector<std::pair<absl::string_view, double>> contexts;
};

// An ItemState that owns its data: a copy taken while learning is paused,
// encoded after it resumes.
struct ItemCopy {
  uint32_t index = 0;
  std::string item_id;
  int64_t first_seen_micros = 0;
  double weight = 0;
  uint64_t events = 0;
  double trend = 0;
  double impressions = 0;
  double clicks = 0;
  std::vector<float> sequence_input;
  std::vector<float> sequence_output;
  float sequence_bias = 0;
  std::vector<float> tenure_weights;
  std::vector<NeighbourList::Entry> neighbours;
  std::vector<std::pair<std::string, double>> contexts;

  // A view of the copy, valid while it lives unchanged.
  ItemState view() const;
};

// Thread-safe.
class ItemModel {
 public:
  explicit ItemModel(const ModelOptions& options);
  ItemModel(const ItemModel&) = delete;
  ItemModel& operator=(const ItemModel&) = delete;

  const ModelOptions& options() const { return options_; }

  // Learns one event. `window` holds the same user's earlier items, most
  // recent first (see UserWindow).
  void Observe(const Interaction& interaction, absl::Span<const HistoryItem> window);

  // The n best items for the query's history: the blended candidates,
  // demoted by impressions and boosted by context, then as PopularForUser.
  std::vector<ScoredItem> Personalized(const ServeQuery& query) const;
  // What a personalized list falls back to: the items most popular among
  // users at the query's stage of history (for an empty history, what users
  // start with) and in its contexts, demoted by impressions, then the most
  // popular items.
  std::vector<ScoredItem> PopularForUser(const ServeQuery& query) const;
  // Items most similar to `item_id` (never the item itself), then popular.
  std::vector<ScoredItem> Related(absl::string_view item_id,
                                  const ServeQuery& query) const;
  // The most popular items; conditioned on the query's contexts when the
  // model has seen them.
  std::vector<ScoredItem> Popular(const ServeQuery& query) const;
  // The most popular items with popularity decayed by the trending
  // half-life.
  std::vector<ScoredItem> Trending(const ServeQuery& query) const;
  // Exactly `items`, best first for the query's history; items the model
  // has never seen come last, in input order.
  std::vector<ScoredItem> Rank(const ServeQuery& query,
                               absl::Span<const std::string> items) const;
  // Items first seen at most `max_age` before the latest event the model
  // saw, newest first, skipping `exclude`; at most `limit`.
  std::vector<NewItem> NewItems(absl::Duration max_age,
                                const absl::flat_hash_set<std::string>* exclude,
                                size_t limit) const;

  struct ItemStats {
    double weight;
    double impressions;
    double clicks;
  };
  absl::optional<ItemStats> Stats(absl::string_view item_id) const;
  size_t item_count() const;
  // The learned weights of the serving signals (see SignalBlend).
  std::array<double, kBlendSignals> blend_weights() const;
  // How strongly impressions demote: a score is scaled by demotion^this.
  double demotion_exponent() const;
  // Sum of every item's neighbour count (for memory reports).
  size_t neighbour_count() const;

  // --- Checkpoints ---
  // The indexes of the items changed since the last call; they count as
  // unchanged from now on. Call with no Observe running or starting until
  // ReadItems returns, so that the state read is of one point of the stream.
  std::vector<uint32_t> TakeDirty();
  // Counts `indexes` as changed again (their checkpoint was not written).
  void MarkDirty(absl::Span<const uint32_t> indexes);
  // Calls `read` with the state of each of `indexes`, under a shared lock:
  // lists are served meanwhile.
  void ReadItems(absl::Span<const uint32_t> indexes,
                 absl::FunctionRef<void(uint32_t, const ItemState&)> read) const;
  // Copies of the state of each of `indexes` (a plain copy costs a fraction
  // of encoding it, so learning pauses less).
  std::vector<ItemCopy> CopyItems(absl::Span<const uint32_t> indexes) const;
  // Null before the first event.
  absl::optional<ModelHeader> Header() const;
  // Restore checkpointed state; call before any Observe: every item (each
  // once), then the header (the order a store returns them in: the
  // header's key sorts last).
  void RestoreItem(uint32_t index, const ItemState& state);
  void RestoreHeader(const ModelHeader& header);

 private:
  // Appends an item first seen at `micros` to the catalog and every
  // component's per-item state.
  uint32_t AddItem(absl::string_view item_id, int64_t micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Resize(size_t n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The catalog indexes of an impression's distinct items, in its order,
  // adding those seen for the first time.
  std::vector<uint32_t> IndexShown(const Interaction& interaction, int64_t micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One SignalBlend step for an interaction with `target` (known, not yet
  // learned): over the items shown with it when it was chosen from an
  // impression of 2 or more, else, for one interaction in kBlendLearnEvery,
  // over the candidates the user would have been offered.
  void LearnBlend(uint32_t target, absl::Span<const HistoryItem> history,
                  const UserWindow& window, absl::Span<const uint32_t> shown)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The interaction's counts: weight, popularity, trend, stage popularity
  // and contexts.
  void Count(uint32_t target, const Interaction& interaction, const UserWindow& window,
             int64_t micros) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pairs `target` with each window item, decayed by distinct position.
  void AddPairs(uint32_t target, double weight, const UserWindow& window)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One SequenceEmbedding step for `target` against draws from the
  // window's neighbour lists and from the whole catalog.
  void LearnSequence(uint32_t target, const UserWindow& window, int64_t micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One WindowRegression step for `target` against draws from the window's
  // neighbour lists. The pairs must be added first: the lists then hold the
  // target.
  void LearnRegression(uint32_t target, const UserWindow& window, int64_t micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // The indices of the query's excluded items.
  absl::flat_hash_set<uint32_t> ExcludedIndices(const ServeQuery& query) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Popular (for_user false) and PopularForUser (true).
  std::vector<ScoredItem> PopularList(const ServeQuery& query, bool for_user) const;
  CandidateSignals Signals() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  ListFiller Filler() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const ModelOptions options_;
  mutable absl::Mutex mu_;
  ItemCatalog catalog_ ABSL_GUARDED_BY(mu_);
  CoOccurrence co_occurrence_ ABSL_GUARDED_BY(mu_);
  Popularity popularity_ ABSL_GUARDED_BY(mu_);
  TrendingScores trending_ ABSL_GUARDED_BY(mu_);
  ContextPopularity contexts_ ABSL_GUARDED_BY(mu_);
  TenurePopularity tenure_ ABSL_GUARDED_BY(mu_);
  SequenceEmbedding sequence_ ABSL_GUARDED_BY(mu_);
  SignalBlend blend_ ABSL_GUARDED_BY(mu_);
  // Items changed since the last checkpoint.
  absl::flat_hash_set<uint32_t> dirty_ ABSL_GUARDED_BY(mu_);
  // Interactions with known items not chosen from an impression (paces
  // blend learning).
  uint64_t interactions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_ITEM_MODEL_H_

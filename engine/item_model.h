// ItemModel: the real-time model of one recommender.
//
// Learning (Observe) is incremental and costs O(window), never O(catalog):
//  - item-to-item co-occurrence between the new interaction's item and the
//    same user's earlier items, weighted by event type and by how close the
//    two are in the user's sequence; neighbour lists are capped per item;
//  - popularity (weighted counts), trending (popularity decayed with a
//    half-life), and popularity per context value ("DEVICE=mobile");
//  - impressions and clicks per item, from each event's effective
//    impression, so that items shown often and seldom chosen are demoted;
//  - item vectors that predict what follows a user's recent items
//    (SequenceEmbedding), one step against sampled other items per event;
//  - popularity per stage of the user's history (TenurePopularity), decayed
//    like trending;
//  - learned weights of the co-occurring pairs, so that the user's whole
//    window predicts what comes next (WindowRegression), one step against
//    other neighbours of the window per event.
//
// Serving combines them: collaborative scores from the user's most recent
// items (cosine-normalized, so popular items don't drown specific ones),
// blended with trending, popularity, the sequence score, popularity at the
// user's stage and the window's regression score by weights learned from
// the stream (SignalBlend),
// demoted by impressions and boosted by context, filled with what is popular
// at the user's stage and overall. A user with no history gets what users
// start with.
//
// The state lives in memory and is checkpointed per item (TakeDirty) to the
// model column family; Load() reads it back at start-up.
#ifndef RECLOOP_ENGINE_ITEM_MODEL_H_
#define RECLOOP_ENGINE_ITEM_MODEL_H_

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "engine/model_options.h"
#include "engine/neighbour_list.h"
#include "engine/sequence_embedding.h"
#include "engine/signal_blend.h"
#include "engine/tenure_popularity.h"
#include "engine/top_pool.h"
#include "storage/store.h"

namespace recloop {

struct ScoredItem {
  std::string item_id;
  double score;
};

// One of a user's earlier items, with the weight of its event (0: the
// recommender ignores that event type or value).
struct HistoryItem {
  std::string item_id;
  double weight = 1;
};

// What one stored event teaches the model.
struct Interaction {
  std::string item_id;  // May be empty (an event about no item).
  absl::Time time;
  double weight = 1;    // ModelOptions::EventWeight; 0 learns no interaction.
  std::vector<std::string> contexts;     // "FIELD=value" of categorical fields.
  std::vector<std::string> impressions;  // The effective impression.
};

// What a list is asked for.
struct ServeQuery {
  // The user's items, most recent first.
  absl::Span<const HistoryItem> history;
  // Items never to return (may be null).
  const absl::flat_hash_set<std::string>* exclude = nullptr;
  // "FIELD=value" of the request's context.
  absl::Span<const std::string> contexts;
  int n = 25;
};

// Thread-safe.
class ItemModel {
 public:
  explicit ItemModel(const ModelOptions& options);
  ItemModel(const ItemModel&) = delete;
  ItemModel& operator=(const ItemModel&) = delete;

  const ModelOptions& options() const { return options_; }

  // Restores the checkpointed state. Call once, before any Observe.
  absl::Status Load(const Store& store, uint32_t group_id, uint32_t recommender_id);
  // Adds to `batch` the records of the items changed since the last call
  // (and the model header), and forgets that they changed. Returns their
  // indexes, for MarkDirty if the batch cannot be written. Call with no
  // Observe running or starting until it returns (the records are then of
  // one point of the stream); lists can be served meanwhile.
  std::vector<uint32_t> TakeDirty(uint32_t group_id, uint32_t recommender_id,
                                  WriteBatch* batch);
  void MarkDirty(const std::vector<uint32_t>& indexes);

  // Learns one event. `window` holds the same user's earlier items, most
  // recent first; duplicates count once, at their nearest position.
  void Observe(const Interaction& interaction, absl::Span<const HistoryItem> window);

  // The n best items for the query's history: collaborative scores, demoted
  // by impressions and boosted by context, then as PopularForUser.
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

  struct NewItem {
    std::string item_id;
    double impressions;
    double clicks;
  };
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

 private:
  struct Item {
    std::string id;
    int64_t first_seen_micros = 0;
    double weight = 0;  // Sum of interaction weights.
    uint64_t events = 0;
    double impressions = 0;
    double clicks = 0;
    NeighbourList neighbours;  // Co-occurrence weights.
  };
  struct ContextStats {
    explicit ContextStats(size_t pool) : top(pool) {}
    double total = 0;
    absl::flat_hash_map<uint32_t, double> weights;
    TopPool top;
  };
  // An item the user could be offered, with its serving signals.
  struct Candidate {
    uint32_t index;
    BlendFeatures features;
    double log_demotion = 0;  // set by FillSignals
  };
  using Scores = absl::flat_hash_map<uint32_t, double>;
  using ScoreList = std::vector<std::pair<uint32_t, double>>;

  uint32_t IndexOrAdd(absl::string_view item_id, absl::Time time)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Grows (or shrinks) items_ and the dense per-item arrays beside it to n
  // items; new items have no weight, trend or impressions.
  void Resize(size_t n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets item `index`'s weight and the dense values derived from it.
  void SetWeight(uint32_t index, double weight) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddPair(uint32_t a, uint32_t b, float w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds an interaction at `micros` to the decayed scores: the item's trend
  // and its popularity at the user's `stage`.
  void AddTrend(uint32_t index, size_t stage, double weight, int64_t micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  double Similarity(const Item& a, uint32_t b, float co) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Below 1 for items shown often and seldom chosen.
  double Demotion(const Item& item) const;
  // 1 plus the share of the item's interactions in the query's contexts.
  double ContextBoost(uint32_t index, absl::Span<const std::string> contexts) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The TenurePopularity stage of a user whose items are `history` (most
  // recent first): counted items among the last `window`.
  size_t StageOf(absl::Span<const HistoryItem> history) const;
  // Each neighbour of the `sources` items (HistoryView::sources) with its
  // summed score, in first touched order.
  ScoreList ScoreHistory(const ScoreList& sources) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // What a user's history (most recent first) gives the signals of every
  // candidate.
  struct HistoryView {
    // The distinct known items that scores start from (at most
    // history_length), each with its recency and event weight.
    ScoreList sources;
    // The distinct known items among the last `window`, each with its event
    // weight (no recency): the longer-term part of the sequence context.
    ScoreList longer;
    size_t stage = 0;  // StageOf
  };
  HistoryView ViewOf(absl::Span<const HistoryItem> history) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The neighbours of the history's items and the most trending, popular
  // and popular-at-the-user's-stage items, minus `excluded`, with their
  // signals normalized to [0, 1] over the list. Empty when the history
  // scores nothing.
  std::vector<Candidate> BlendCandidates(absl::Span<const HistoryItem> history,
                                         const absl::flat_hash_set<uint32_t>& excluded) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Sets each candidate's trending, popularity, sequence, tenure and
  // regression signals for a user whose history is `view`, and normalizes
  // all of them to [0, 1] over the list (the collaborative score is given);
  // sets its log demotion.
  void FillSignals(const HistoryView& view, std::vector<Candidate>* candidates) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // One SequenceEmbedding step for `target` chosen by a user whose history
  // is `view`, against items drawn uniformly from those with interactions
  // (deterministically, from the event, so that a replay after restart
  // repeats it).
  void LearnSequence(uint32_t target, const HistoryView& view, int64_t micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends up to `count` draws of a uniformly drawn entry of a uniformly
  // drawn one of `lists`, skipping `target`; `state` is the SplitMix64
  // state the draws advance (so that a replay repeats them).
  static void DrawNeighbours(absl::Span<const NeighbourList* const> lists, uint32_t target,
                             int count, uint64_t* state, std::vector<uint32_t>* out);
  // One WindowRegression step for `target` chosen by a user whose history
  // is `view` (its `longer` items are the window), against neighbours of
  // the window drawn deterministically from the event. Call after the
  // event's pairs are added.
  void LearnRegression(uint32_t target, const HistoryView& view, int64_t micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // WindowRegressionScore of each of `candidates` for the window of `view`.
  std::vector<double> RegressionScores(const HistoryView& view,
                                       const std::vector<Candidate>& candidates) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The items of the impression `shown`, minus `excluded`, with their
  // signals for a user whose recent items are `history`, normalized over
  // the impression.
  std::vector<Candidate> ShownCandidates(const absl::flat_hash_set<absl::string_view>& shown,
                                         absl::Span<const HistoryItem> history,
                                         const absl::flat_hash_set<uint32_t>& excluded) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // One SignalBlend step for an interaction with `target` by a user whose
  // earlier items are `window`, before the model learns it: over the items
  // shown with it when it was chosen from an impression (`shown`), else
  // over the candidates the user would have been offered.
  void LearnBlend(uint32_t target, absl::Span<const HistoryItem> window,
                  const absl::flat_hash_set<absl::string_view>* shown)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The indices of the query's excluded items, to seed the set of items
  // not to take (one lookup per excluded item, not per candidate).
  absl::flat_hash_set<uint32_t> ExcludedIndices(const ServeQuery& query) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Sorts `scores` best first and appends the n best not excluded to `out`.
  // (Scores or ScoreList.)
  template <typename ScorePairs>
  void TakeBest(const ScorePairs& scores, const ServeQuery& query,
                absl::flat_hash_set<uint32_t>* taken, std::vector<ScoredItem>* out) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Appends popular items (contextual when possible) until `out` holds n,
  // scored below everything already in `out`. `for_user`: as the fallback
  // of a list for a user, conditioned on the user's stage too and demoted
  // by impressions.
  void FillPopular(const ServeQuery& query, bool for_user,
                   absl::flat_hash_set<uint32_t>* taken, std::vector<ScoredItem>* out) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // Popular (for_user false) and PopularForUser (true).
  std::vector<ScoredItem> PopularList(const ServeQuery& query, bool for_user) const;

  // popular_, sorted; rebuilt when it changed.
  std::shared_ptr<const std::vector<std::pair<uint32_t, double>>> SortedPopular() const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const ModelOptions options_;
  mutable absl::Mutex popular_cache_mu_ ABSL_ACQUIRED_AFTER(mu_);
  mutable std::shared_ptr<const std::vector<std::pair<uint32_t, double>>> popular_cache_
      ABSL_GUARDED_BY(popular_cache_mu_);
  mutable uint64_t popular_cache_version_ ABSL_GUARDED_BY(popular_cache_mu_) = 0;
  mutable absl::Mutex mu_;
  std::vector<Item> items_ ABSL_GUARDED_BY(mu_);
  // 1 / sqrt(items_[i].weight), 0 for weight 0 (kept by SetWeight): read by
  // Similarity.
  std::vector<double> inverse_norms_ ABSL_GUARDED_BY(mu_);
  // log(Demotion(items_[i])), kept dense for the same reason; a score is
  // multiplied by blend_.DemotionFactor of it.
  std::vector<double> log_demotions_ ABSL_GUARDED_BY(mu_);
  // The blend's per-candidate inputs, dense too: a list can have thousands
  // of candidates, and reading them from items_ (a cache miss each) tripled
  // GetRecommendations' latency at 10M events.
  // Item i's trend score: sum of weight * 2^((t - trend_origin) / half-life).
  std::vector<double> trends_ ABSL_GUARDED_BY(mu_);
  // log1p(items_[i].weight) (kept by SetWeight): the popularity signal.
  std::vector<double> log_weights_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> index_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint32_t> dirty_ ABSL_GUARDED_BY(mu_);
  double total_weight_ ABSL_GUARDED_BY(mu_) = 0;
  TopPool popular_ ABSL_GUARDED_BY(mu_);
  TopPool trending_ ABSL_GUARDED_BY(mu_);
  SignalBlend blend_ ABSL_GUARDED_BY(mu_);
  SequenceEmbedding sequence_ ABSL_GUARDED_BY(mu_);
  TenurePopularity tenure_ ABSL_GUARDED_BY(mu_);
  // Interactions observed since start-up (paces blend learning).
  uint64_t interactions_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, ContextStats> contexts_ ABSL_GUARDED_BY(mu_);
  int64_t trend_origin_micros_ ABSL_GUARDED_BY(mu_) = 0;
  bool has_events_ ABSL_GUARDED_BY(mu_) = false;
  int64_t latest_event_micros_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_ITEM_MODEL_H_

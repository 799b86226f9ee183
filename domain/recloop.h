// Recloop: the whole system on one store, as the gRPC services see it.
//
// It wires the control plane (Registry), the event log, the served lists,
// ingestion (EventIngest), learning (Learner), checkpoints (Checkpointer)
// and recovery (ReplayJournal) together. Consistency across crashes: every
// stored event is journaled in the same atomic write, the models are
// checkpointed periodically, and Open() replays the journal past the last
// checkpoint.
#ifndef RECLOOP_DOMAIN_RECLOOP_H_
#define RECLOOP_DOMAIN_RECLOOP_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "domain/catalog.h"
#include "domain/checkpointer.h"
#include "domain/event_log.h"
#include "domain/ingest.h"
#include "domain/learner.h"
#include "domain/learning_windows.h"
#include "domain/recommender_builds.h"
#include "domain/recommender_resource.h"
#include "domain/registry.h"
#include "domain/served_lists.h"
#include "recloop/v1/recloop.pb.h"
#include "storage/store.h"

namespace recloop {

struct RecloopOptions {
  // Where the store lives and how it writes; its clock and retention are
  // taken from the fields below.
  StoreOptions store;
  // How long served lists (recommendation ids) are remembered.
  absl::Duration recommendation_retention = absl::Hours(24 * 7);
  // Models are checkpointed this often, or after this many events,
  // whichever comes first; start-up replays at most that much.
  absl::Duration checkpoint_interval = absl::Seconds(30);
  // Replay after a crash learns at most this many events (plus what arrives
  // while a checkpoint is written): about 10k events/s at a 100k-item
  // catalog, so start-up stays within seconds.
  uint64_t checkpoint_after_events = 50000;
  // Write a final checkpoint on close. Tests turn it off to leave a journal
  // behind, as a crash would.
  bool checkpoint_on_close = true;
  // How many of a user's most recent events are read to exclude
  // already-interacted items from recommendations.
  size_t exclusion_history = 1000;
  // How many identities' recent events are kept in memory for learning
  // (each up to the learning window, 50 events); others are read from the
  // store when their next event arrives.
  size_t learning_window_cache = 16384;
  const Clock* clock = Clock::Real();
  // How far ahead of `clock` an event's sent_at may count for learning
  // (not negative). Events are stored and returned with sent_at as given,
  // but the models learn each at most its received_at plus this, so that a
  // client clock far in the future cannot move their notion of "now".
  absl::Duration max_clock_skew = absl::Hours(1);
};

struct RecoveryStats {
  bool created_store = false;
  int dataset_groups = 0;
  uint64_t checkpoint_sequence = 0;
  // Journaled events applied to the models at start-up.
  uint64_t replayed_events = 0;
};

// Size of the in-memory models, summed over every recommender.
struct RecloopStats {
  size_t items = 0;
  size_t neighbours = 0;
};

// Thread-safe.
class Recloop {
 public:
  static absl::StatusOr<std::unique_ptr<Recloop>> Open(const RecloopOptions& options);
  // Stops the checkpointer, writes a final checkpoint (unless disabled) and
  // closes the store.
  ~Recloop();
  Recloop(const Recloop&) = delete;
  Recloop& operator=(const Recloop&) = delete;

  const RecoveryStats& recovery_stats() const { return recovery_; }
  // False while the store refuses writes (a full disk): PutEvents and
  // control-plane changes answer UNAVAILABLE, reads work. See
  // Store::writable().
  bool writable() const { return store_->writable(); }
  RecloopStats Stats() const;

  // Control plane.
  absl::StatusOr<v1::DatasetGroup> CreateDatasetGroup(
      const v1::CreateDatasetGroupRequest& request);
  absl::StatusOr<v1::DatasetGroup> DescribeDatasetGroup(
      const v1::DescribeDatasetGroupRequest& request);
  absl::StatusOr<v1::ListDatasetGroupsResponse> ListDatasetGroups(
      const v1::ListDatasetGroupsRequest& request);
  absl::Status DeleteDatasetGroup(const v1::DeleteDatasetGroupRequest& request);
  absl::StatusOr<v1::EventTracker> CreateEventTracker(
      const v1::CreateEventTrackerRequest& request);
  absl::StatusOr<v1::EventTracker> DescribeEventTracker(
      const v1::DescribeEventTrackerRequest& request);
  absl::StatusOr<v1::ListEventTrackersResponse> ListEventTrackers(
      const v1::ListEventTrackersRequest& request);
  absl::Status DeleteEventTracker(const v1::DeleteEventTrackerRequest& request);

  // Recommenders. CreateRecommender returns the new recommender at once,
  // CREATE_IN_PROGRESS: it learns every event its group stored before it in
  // the background while writes go on, then turns ACTIVE (see
  // RecommenderBuilds). Its names are unique within its dataset group.
  absl::StatusOr<v1::Recommender> CreateRecommender(
      const v1::CreateRecommenderRequest& request);
  absl::StatusOr<v1::Recommender> DescribeRecommender(
      const v1::DescribeRecommenderRequest& request);
  absl::StatusOr<v1::ListRecommendersResponse> ListRecommenders(
      const v1::ListRecommendersRequest& request);
  absl::Status DeleteRecommender(const v1::DeleteRecommenderRequest& request);

  // Data plane. When PutEvents returns OK the events are durable and every
  // later call sees them.
  absl::StatusOr<v1::PutEventsResponse> PutEvents(const v1::PutEventsRequest& request);
  absl::StatusOr<v1::GetUserHistoryResponse> GetUserHistory(
      const v1::GetUserHistoryRequest& request);
  // Item and user metadata (see Catalog).
  absl::StatusOr<v1::PutItemsResponse> PutItems(const v1::PutItemsRequest& request);
  absl::StatusOr<v1::PutUsersResponse> PutUsers(const v1::PutUsersRequest& request);
  absl::StatusOr<v1::Item> GetItem(const v1::GetItemRequest& request);
  absl::StatusOr<v1::User> GetUser(const v1::GetUserRequest& request);
  absl::StatusOr<v1::GetRecommendationsResponse> GetRecommendations(
      const v1::GetRecommendationsRequest& request);
  absl::StatusOr<v1::GetPersonalizedRankingResponse> GetPersonalizedRanking(
      const v1::GetPersonalizedRankingRequest& request);

  // Writes every model change since the last checkpoint and trims the
  // journal. Runs on its own periodically.
  absl::Status Checkpoint();
  // The journal sequence the latest checkpoint reflects.
  uint64_t checkpointed_sequence() const { return checkpointer_->checkpointed_sequence(); }

 private:
  explicit Recloop(const RecloopOptions& options) : options_(options) {}

  absl::Status Recover();
  // The group a metadata request names (INVALID_ARGUMENT when it names none).
  absl::StatusOr<std::shared_ptr<DatasetGroupState>> CatalogGroup(
      absl::string_view name) const;
  // The group's recommender of that name (empty: the default); NOT_FOUND
  // otherwise, FAILED_PRECONDITION unless it is ACTIVE.
  absl::StatusOr<std::shared_ptr<RecommenderResource>> FindRecommender(
      const DatasetGroupState& group, absl::string_view name) const;
  // The user's history for a request, newest first (empty without a user).
  absl::StatusOr<std::vector<PastEvent>> HistoryOf(const DatasetGroupState& group,
                                                   absl::string_view user_id,
                                                   size_t limit) const;
  absl::Status RecordServed(const DatasetGroupState& group,
                            const std::string& recommender, absl::string_view user_id,
                            const std::vector<ScoredItem>& items,
                            std::string* recommendation_id);

  const RecloopOptions options_;
  RecoveryStats recovery_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<ServedLists> served_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<LearningWindows> windows_;
  std::unique_ptr<Learner> learner_;
  std::unique_ptr<RecommenderBuilds> builds_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<EventIngest> ingest_;

  // True once Open() recovered everything; only then may the destructor
  // checkpoint.
  bool recovered_ = false;
  // Set when a stored event could not be taught to its model.
  std::atomic<bool> learn_failed_{false};
  // PutEvents holds it shared from its write to its model update;
  // checkpoint snapshots, the start and the end of a recommender's build,
  // and deletions hold it exclusively, so they see no half-applied call.
  // Taken after the checkpointer's mutex.
  absl::Mutex ingest_mu_;
  // Held by each checkpoint, by deletions and by a new recommender's
  // activation, which must not interleave (see Checkpointer). Taken before
  // `ingest_mu_`.
  absl::Mutex checkpoint_mu_;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECLOOP_H_

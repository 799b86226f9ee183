// The control plane: dataset groups, their event trackers and their
// recommenders.
#ifndef RECLOOP_DOMAIN_REGISTRY_H_
#define RECLOOP_DOMAIN_REGISTRY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "domain/model_codec.h"
#include "domain/schema.h"
#include "domain/recommender_resource.h"
#include "recloop/v1/recloop.pb.h"
#include "storage/store.h"

namespace recloop {

// Name of the recommender every dataset group has. It is the attribution
// source of the recommendation ids it serves.
inline constexpr char kDefaultRecommender[] = "default";

// A dataset group as the data plane sees it. The id, description and schema
// never change; the set of recommenders does.
struct DatasetGroupState {
  uint32_t id = 0;
  v1::DatasetGroup description;
  InteractionsSchema schema;
  // The Items and Users schemas; absent when the group has none.
  absl::optional<MetadataSchema> items_schema;
  absl::optional<MetadataSchema> users_schema;

  // Null when the group has no recommender of that name.
  std::shared_ptr<RecommenderResource> FindRecommender(absl::string_view name) const;
  std::vector<std::shared_ptr<RecommenderResource>> Recommenders() const;

  mutable absl::Mutex mu;
  std::map<std::string, std::shared_ptr<RecommenderResource>> recommenders ABSL_GUARDED_BY(mu);
  uint32_t next_recommender_id ABSL_GUARDED_BY(mu) = 1;
};

// Thread-safe. Metadata is cached in memory and written through to the meta
// column family.
class Registry {
 public:
  // Loads every dataset group, tracker and recommender from the store, with
  // each recommender's checkpointed model.
  static absl::StatusOr<std::unique_ptr<Registry>> Load(Store* store,
                                                        const Clock* clock);

  absl::StatusOr<v1::DatasetGroup> CreateDatasetGroup(
      const v1::CreateDatasetGroupRequest& request);
  absl::StatusOr<v1::DatasetGroup> DescribeDatasetGroup(absl::string_view name) const;
  absl::StatusOr<v1::ListDatasetGroupsResponse> ListDatasetGroups(
      const v1::ListDatasetGroupsRequest& request) const;
  // Deletes the group, its tracker, its recommenders and all of its data;
  // returns the deleted group. The caller makes sure no write to the group
  // is in flight.
  absl::StatusOr<std::shared_ptr<DatasetGroupState>> DeleteDatasetGroup(
      absl::string_view name);

  absl::StatusOr<v1::EventTracker> CreateEventTracker(
      const v1::CreateEventTrackerRequest& request);
  absl::StatusOr<v1::EventTracker> DescribeEventTracker(absl::string_view name) const;
  absl::StatusOr<v1::ListEventTrackersResponse> ListEventTrackers(
      const v1::ListEventTrackersRequest& request) const;
  absl::Status DeleteEventTracker(absl::string_view name);

  // A validated, not yet registered recommender for `request`, with a fresh
  // id and status CREATE_IN_PROGRESS. The caller registers it with
  // AddRecommender, teaches it the group's events, then activates it.
  absl::StatusOr<std::pair<std::shared_ptr<DatasetGroupState>,
                           std::unique_ptr<RecommenderResource>>>
  NewRecommender(const v1::CreateRecommenderRequest& request);
  // Registers and persists `recommender` (CREATE_IN_PROGRESS, without a
  // model: a restart builds it again). ALREADY_EXISTS if its group has a
  // recommender of that name; NOT_FOUND if the group was deleted.
  absl::Status AddRecommender(DatasetGroupState* group,
                              std::shared_ptr<RecommenderResource> recommender);
  // Writes `batch` of model records of `recommender`, which is being
  // created, unless it (or its group) was deleted: NOT_FOUND, nothing
  // written.
  absl::Status WriteModelRecords(const DatasetGroupState& group,
                                 const RecommenderResource& recommender,
                                 WriteBatch* batch);
  // Persists `recommender`, activated trained through `trained_through`,
  // as ACTIVE with `changed` (its model records changed since the last
  // WriteModelRecords) in one write. NOT_FOUND when it (or its group) was
  // deleted meanwhile: nothing is written then. The caller holds the
  // checkpoint mutex, so that no checkpoint writes newer records first.
  absl::Status PersistActivation(const DatasetGroupState& group,
                                 const RecommenderResource& recommender,
                                 uint64_t trained_through, const ModelSnapshot& changed);
  // Marks `recommender` CREATE_FAILED for `reason`, persisted (when it is
  // still registered and the store takes the write) so that a restart
  // leaves it failed rather than building it again.
  void FailRecommender(const DatasetGroupState& group, RecommenderResource* recommender,
                       const std::string& reason);
  // Describe and Delete name the recommender by dataset group and name.
  absl::StatusOr<v1::Recommender> DescribeRecommender(
      const v1::DescribeRecommenderRequest& request) const;
  absl::StatusOr<v1::ListRecommendersResponse> ListRecommenders(
      const v1::ListRecommendersRequest& request) const;
  // Returns the deleted recommender. The caller makes sure no write to the
  // group is in flight.
  absl::StatusOr<std::shared_ptr<RecommenderResource>> DeleteRecommender(
      const v1::DeleteRecommenderRequest& request);

  // NOT_FOUND unless the group exists.
  absl::StatusOr<std::shared_ptr<DatasetGroupState>> FindGroup(
      absl::string_view name) const;
  // Null when no group has this id (it was deleted).
  std::shared_ptr<DatasetGroupState> FindGroupById(uint32_t id) const;
  // NOT_FOUND unless an active tracker has this tracking id.
  absl::StatusOr<std::shared_ptr<DatasetGroupState>> FindGroupByTrackingId(
      absl::string_view tracking_id) const;
  std::vector<std::shared_ptr<DatasetGroupState>> AllGroups() const;

 private:
  Registry(Store* store, const Clock* clock) : store_(store), clock_(clock) {}

  // Load's parts, in this order: a tracker or recommender belongs to a
  // loaded group.
  absl::Status LoadGroups() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadTrackers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadRecommenders() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // The group's record as stored (id, description, next recommender id).
  std::string GroupRecord(const DatasetGroupState& group) const;
  // True when `recommender` is registered in a registered `group`.
  bool IsRegistered(const DatasetGroupState& group,
                    const RecommenderResource& recommender) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Finds the group and recommender a Describe/Delete request names.
  absl::StatusOr<std::pair<std::shared_ptr<DatasetGroupState>,
                           std::shared_ptr<RecommenderResource>>>
  FindRecommender(absl::string_view group, absl::string_view name) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  Store* const store_;
  const Clock* const clock_;

  mutable absl::Mutex mu_;
  // Ordered by name, for paginated listing.
  std::map<std::string, std::shared_ptr<DatasetGroupState>> groups_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint32_t, std::shared_ptr<DatasetGroupState>> groups_by_id_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::EventTracker> trackers_ ABSL_GUARDED_BY(mu_);
  // tracking id -> group id.
  absl::flat_hash_map<std::string, uint32_t> tracking_ids_ ABSL_GUARDED_BY(mu_);
  uint32_t next_group_id_ ABSL_GUARDED_BY(mu_) = 1;
};

// Valid names: 1-63 characters of [A-Za-z0-9_-], starting with a letter or
// digit (Personalize's rule).
absl::Status ValidateResourceName(absl::string_view field, absl::string_view name);

// The description of a group's default recommender: user-personalization
// with default configuration except exploration_weight 0.
v1::Recommender DefaultRecommenderDescription(const v1::DatasetGroup& group);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_REGISTRY_H_

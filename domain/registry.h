// The control plane: dataset groups and their event trackers.
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
#include "domain/schema.h"
#include "engine/item_model.h"
#include "recloop/v1/recloop.pb.h"
#include "storage/store.h"

namespace recloop {

// Name of the recommender every dataset group has. It is the attribution
// source of the recommendation ids it serves.
inline constexpr char kDefaultRecommender[] = "default";

// A dataset group as the data plane sees it. The id, description and schema
// never change; the model is internally synchronized.
struct DatasetGroupState {
  uint32_t id = 0;
  v1::DatasetGroup description;
  InteractionsSchema schema;
  std::unique_ptr<ItemModel> model;
};

// Thread-safe. Metadata is cached in memory and written through to the meta
// column family.
class Registry {
 public:
  // Loads every dataset group and tracker from the store, and each group's
  // checkpointed model.
  static absl::StatusOr<std::unique_ptr<Registry>> Load(
      Store* store, const Clock* clock, const ItemModelOptions& model_options);

  absl::StatusOr<v1::DatasetGroup> CreateDatasetGroup(
      const v1::CreateDatasetGroupRequest& request);
  absl::StatusOr<v1::DatasetGroup> DescribeDatasetGroup(absl::string_view name) const;
  absl::StatusOr<v1::ListDatasetGroupsResponse> ListDatasetGroups(
      const v1::ListDatasetGroupsRequest& request) const;
  // Deletes the group, its tracker and all of its data. The caller makes
  // sure no write to the group is in flight.
  absl::Status DeleteDatasetGroup(absl::string_view name);

  absl::StatusOr<v1::EventTracker> CreateEventTracker(
      const v1::CreateEventTrackerRequest& request);
  absl::StatusOr<v1::EventTracker> DescribeEventTracker(absl::string_view name) const;
  absl::StatusOr<v1::ListEventTrackersResponse> ListEventTrackers(
      const v1::ListEventTrackersRequest& request) const;
  absl::Status DeleteEventTracker(absl::string_view name);

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
  Registry(Store* store, const Clock* clock, const ItemModelOptions& model_options)
      : store_(store), clock_(clock), model_options_(model_options) {}

  Store* const store_;
  const Clock* const clock_;
  const ItemModelOptions model_options_;

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

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_REGISTRY_H_

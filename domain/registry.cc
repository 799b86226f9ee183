#include "domain/registry.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "domain/model_codec.h"
#include "domain/pagination.h"
#include "recloop/internal/records.pb.h"
#include "storage/keys.h"

namespace recloop {
namespace {

constexpr int kMaxNameLength = 63;

// Parses the description's Items and Users schemas (none when empty) into
// `group`.
absl::Status ParseMetadataSchemas(const v1::DatasetGroup& description,
                                  DatasetGroupState* group) {
  if (!description.items_schema().empty()) {
    ASSIGN_OR_RETURN(group->items_schema, MetadataSchema::Parse(description.items_schema(),
                                                                MetadataKind::kItems));
  }
  if (!description.users_schema().empty()) {
    ASSIGN_OR_RETURN(group->users_schema, MetadataSchema::Parse(description.users_schema(),
                                                                MetadataKind::kUsers));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateResourceName(absl::string_view field, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", kMaxNameLength, " characters"));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool ok = std::isalnum(c) || (i > 0 && (c == '-' || c == '_'));
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": must match [a-zA-Z0-9][a-zA-Z0-9_-]* (got \"", name, "\")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Registry>> Registry::Load(Store* store,
                                                         const Clock* clock) {
  auto registry = std::unique_ptr<Registry>(new Registry(store, clock));
  absl::MutexLock lock(&registry->mu_);
  std::string next_id;
  ASSIGN_OR_RETURN(bool has_next,
                   store->Get(Cf::kMeta, meta_key::NextGroupId(), &next_id));
  if (has_next) {
    if (absl::optional<uint32_t> id = DecodeNextGroupId(next_id))
      registry->next_group_id_ = *id;
  }
  RETURN_IF_ERROR(registry->LoadGroups());
  RETURN_IF_ERROR(registry->LoadTrackers());
  RETURN_IF_ERROR(registry->LoadRecommenders());
  return registry;
}

absl::Status Registry::LoadGroups() {
  auto groups = store_->NewPrefixCursor(Cf::kMeta, meta_key::DatasetGroupPrefix());
  for (groups->SeekToFirst(); groups->Valid(); groups->Next()) {
    internal::DatasetGroupRecord record;
    if (!record.ParseFromArray(groups->value().data(),
                               static_cast<int>(groups->value().size()))) {
      return absl::DataLossError(absl::StrCat(
          "metadata of dataset group ", meta_key::NameOf(groups->key()), " is corrupt"));
    }
    auto state = std::make_shared<DatasetGroupState>();
    state->id = record.id();
    state->description = record.group();
    absl::StatusOr<InteractionsSchema> schema =
        InteractionsSchema::Parse(record.group().schema());
    if (!schema.ok()) {
      return absl::DataLossError(absl::StrCat("stored schema of dataset group ",
                                              record.group().name(), ": ",
                                              schema.status().message()));
    }
    state->schema = *std::move(schema);
    absl::Status metadata = ParseMetadataSchemas(state->description, state.get());
    if (!metadata.ok()) {
      return absl::DataLossError(absl::StrCat("stored schema of dataset group ",
                                              record.group().name(), ": ",
                                              metadata.message()));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<RecommenderResource> default_recommender,
                     RecommenderResource::Create(
                         DefaultRecommenderDescription(state->description), 0));
    RETURN_IF_ERROR(LoadModel(*store_, state->id, 0, &default_recommender->model()));
    {
      absl::MutexLock group_lock(&state->mu);
      state->next_recommender_id = std::max<uint32_t>(1, record.next_recommender_id());
      state->recommenders[kDefaultRecommender] = std::move(default_recommender);
    }
    groups_by_id_[state->id] = state;
    groups_[state->description.name()] = std::move(state);
  }
  return groups->status();
}

absl::Status Registry::LoadTrackers() {
  auto trackers = store_->NewPrefixCursor(Cf::kMeta, meta_key::EventTrackerPrefix());
  for (trackers->SeekToFirst(); trackers->Valid(); trackers->Next()) {
    internal::EventTrackerRecord record;
    if (!record.ParseFromArray(trackers->value().data(),
                               static_cast<int>(trackers->value().size()))) {
      return absl::DataLossError(absl::StrCat("metadata of event tracker ",
                                              meta_key::NameOf(trackers->key()),
                                              " is corrupt"));
    }
    const v1::EventTracker& tracker = record.tracker();
    auto group = groups_.find(tracker.dataset_group());
    if (group == groups_.end()) continue;  // Orphan; never written.
    tracking_ids_[tracker.tracking_id()] = group->second->id;
    trackers_[tracker.name()] = tracker;
  }
  return trackers->status();
}

absl::Status Registry::LoadRecommenders() {
  auto recommenders =
      store_->NewPrefixCursor(Cf::kMeta, meta_key::AllRecommendersPrefix());
  for (recommenders->SeekToFirst(); recommenders->Valid(); recommenders->Next()) {
    internal::RecommenderRecord record;
    if (!record.ParseFromArray(recommenders->value().data(),
                               static_cast<int>(recommenders->value().size()))) {
      return absl::DataLossError("a recommender's metadata is corrupt");
    }
    auto group = groups_.find(record.recommender().dataset_group());
    if (group == groups_.end()) continue;  // Orphan; never written.
    auto recommender = RecommenderResource::Create(record.recommender(), record.id());
    if (!recommender.ok()) {
      return absl::DataLossError(absl::StrCat("stored recommender ",
                                              record.recommender().name(), ": ",
                                              recommender.status().message()));
    }
    (*recommender)->set_trained_through(record.trained_through_sequence());
    // Only an ACTIVE recommender has a complete stored model; one still in
    // progress is built again from the events.
    if ((*recommender)->active()) {
      RETURN_IF_ERROR(
          LoadModel(*store_, group->second->id, record.id(), &(*recommender)->model()));
    }
    absl::MutexLock group_lock(&group->second->mu);
    group->second->recommenders[record.recommender().name()] = *std::move(recommender);
  }
  return recommenders->status();
}

v1::Recommender DefaultRecommenderDescription(const v1::DatasetGroup& group) {
  v1::Recommender recommender;
  recommender.set_name(kDefaultRecommender);
  recommender.set_dataset_group(group.name());
  recommender.set_recipe(RecipeName(Recipe::kUserPersonalization));
  // Deterministic: without a recommender of their own, users get exactly
  // what v1 promises (for example the most popular items for a new user).
  // Created recommenders explore by default (weight 0.3).
  recommender.mutable_config()->set_exploration_weight(0);
  recommender.set_status(kActive);
  *recommender.mutable_creation_time() = group.creation_time();
  return recommender;
}

std::shared_ptr<RecommenderResource> DatasetGroupState::FindRecommender(
    absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu);
  auto it = recommenders.find(std::string(name));
  return it == recommenders.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<RecommenderResource>> DatasetGroupState::Recommenders()
    const {
  absl::ReaderMutexLock lock(&mu);
  std::vector<std::shared_ptr<RecommenderResource>> all;
  for (const auto& [name, recommender] : recommenders) all.push_back(recommender);
  return all;
}

std::string Registry::GroupRecord(const DatasetGroupState& group) const {
  internal::DatasetGroupRecord record;
  *record.mutable_group() = group.description;
  record.set_id(group.id);
  absl::ReaderMutexLock lock(&group.mu);
  record.set_next_recommender_id(group.next_recommender_id);
  return record.SerializeAsString();
}

absl::StatusOr<v1::DatasetGroup> Registry::CreateDatasetGroup(
    const v1::CreateDatasetGroupRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("name", request.name()));
  ASSIGN_OR_RETURN(InteractionsSchema schema,
                   InteractionsSchema::Parse(request.schema()));
  v1::DatasetGroup parsed;
  parsed.set_items_schema(request.items_schema());
  parsed.set_users_schema(request.users_schema());
  DatasetGroupState metadata;
  RETURN_IF_ERROR(ParseMetadataSchemas(parsed, &metadata));

  absl::MutexLock lock(&mu_);
  if (groups_.count(request.name()) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("dataset group ", request.name(), " already exists"));
  }
  auto state = std::make_shared<DatasetGroupState>();
  state->id = next_group_id_;
  state->description.set_name(request.name());
  state->description.set_schema(schema.json());
  state->description.set_status(kActive);
  *state->description.mutable_creation_time() = ToProtoTimestamp(clock_->Now());
  state->schema = std::move(schema);
  state->description.set_items_schema(request.items_schema());
  state->description.set_users_schema(request.users_schema());
  state->items_schema = std::move(metadata.items_schema);
  state->users_schema = std::move(metadata.users_schema);
  ASSIGN_OR_RETURN(
      std::unique_ptr<RecommenderResource> default_recommender,
      RecommenderResource::Create(DefaultRecommenderDescription(state->description), 0));
  {
    absl::MutexLock group_lock(&state->mu);
    state->recommenders[kDefaultRecommender] = std::move(default_recommender);
  }

  WriteBatch batch(*store_);
  batch.Put(Cf::kMeta, meta_key::DatasetGroup(request.name()), GroupRecord(*state));
  batch.Put(Cf::kMeta, meta_key::NextGroupId(), EncodeNextGroupId(state->id + 1));
  RETURN_IF_ERROR(store_->Write(&batch));

  next_group_id_ = state->id + 1;
  groups_by_id_[state->id] = state;
  groups_[request.name()] = state;
  return state->description;
}

absl::StatusOr<std::shared_ptr<DatasetGroupState>> Registry::FindGroup(
    absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = groups_.find(std::string(name));
  if (it == groups_.end()) {
    return absl::NotFoundError(absl::StrCat("dataset group ", name, " not found"));
  }
  return it->second;
}

std::shared_ptr<DatasetGroupState> Registry::FindGroupById(uint32_t id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = groups_by_id_.find(id);
  return it == groups_by_id_.end() ? nullptr : it->second;
}

absl::StatusOr<std::shared_ptr<DatasetGroupState>> Registry::FindGroupByTrackingId(
    absl::string_view tracking_id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = tracking_ids_.find(tracking_id);
  if (it == tracking_ids_.end()) {
    return absl::NotFoundError(
        absl::StrCat("tracking_id: no event tracker has tracking id ", tracking_id));
  }
  return groups_by_id_.at(it->second);
}

std::vector<std::shared_ptr<DatasetGroupState>> Registry::AllGroups() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::shared_ptr<DatasetGroupState>> all;
  for (const auto& [name, state] : groups_) all.push_back(state);
  return all;
}

absl::StatusOr<v1::DatasetGroup> Registry::DescribeDatasetGroup(
    absl::string_view name) const {
  RETURN_IF_ERROR(ValidateResourceName("name", name));
  ASSIGN_OR_RETURN(auto state, FindGroup(name));
  return state->description;
}

absl::StatusOr<v1::ListDatasetGroupsResponse> Registry::ListDatasetGroups(
    const v1::ListDatasetGroupsRequest& request) const {
  ASSIGN_OR_RETURN(int page, PageSize(request.max_results()));
  ASSIGN_OR_RETURN(std::string after, DecodeToken(request.next_token()));
  absl::ReaderMutexLock lock(&mu_);
  v1::ListDatasetGroupsResponse response;
  auto it = request.next_token().empty() ? groups_.begin() : groups_.upper_bound(after);
  for (; it != groups_.end(); ++it) {
    if (response.dataset_groups_size() == page) {
      response.set_next_token(EncodeToken(response.dataset_groups().rbegin()->name()));
      break;
    }
    *response.add_dataset_groups() = it->second->description;
  }
  return response;
}

absl::StatusOr<std::shared_ptr<DatasetGroupState>> Registry::DeleteDatasetGroup(
    absl::string_view name) {
  RETURN_IF_ERROR(ValidateResourceName("name", name));
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(std::string(name));
  if (it == groups_.end()) {
    return absl::NotFoundError(absl::StrCat("dataset group ", name, " not found"));
  }
  const uint32_t id = it->second->id;
  WriteBatch batch(*store_);
  batch.Delete(Cf::kMeta, meta_key::DatasetGroup(name));
  std::vector<std::string> trackers;
  for (const auto& [tracker_name, tracker] : trackers_) {
    if (tracker.dataset_group() == name) {
      trackers.push_back(tracker_name);
      batch.Delete(Cf::kMeta, meta_key::EventTracker(tracker_name));
    }
  }
  const std::string begin = GroupPrefix(id);
  const std::string end = PrefixSuccessor(begin);
  for (Cf cf : {Cf::kEvents, Cf::kDedup, Cf::kSessions, Cf::kModel, Cf::kCatalog}) {
    batch.DeleteRange(cf, begin, end);
  }
  const std::string recommenders = meta_key::RecommenderPrefix(name);
  batch.DeleteRange(Cf::kMeta, recommenders, PrefixSuccessor(recommenders));
  RETURN_IF_ERROR(store_->Write(&batch));

  for (const std::string& tracker_name : trackers) {
    tracking_ids_.erase(trackers_[tracker_name].tracking_id());
    trackers_.erase(tracker_name);
  }
  std::shared_ptr<DatasetGroupState> deleted = std::move(it->second);
  groups_by_id_.erase(id);
  groups_.erase(it);
  return deleted;
}

absl::StatusOr<v1::EventTracker> Registry::CreateEventTracker(
    const v1::CreateEventTrackerRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("name", request.name()));
  RETURN_IF_ERROR(ValidateResourceName("dataset_group", request.dataset_group()));
  absl::MutexLock lock(&mu_);
  auto group = groups_.find(request.dataset_group());
  if (group == groups_.end()) {
    return absl::NotFoundError(
        absl::StrCat("dataset group ", request.dataset_group(), " not found"));
  }
  if (trackers_.count(request.name()) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("event tracker ", request.name(), " already exists"));
  }
  for (const auto& [name, tracker] : trackers_) {
    if (tracker.dataset_group() == request.dataset_group()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "dataset group ", request.dataset_group(), " already has event tracker ", name,
          " (a dataset group has one tracker)"));
    }
  }
  v1::EventTracker tracker;
  tracker.set_name(request.name());
  tracker.set_dataset_group(request.dataset_group());
  tracker.set_tracking_id(NewUuid());
  tracker.set_status(kActive);
  *tracker.mutable_creation_time() = ToProtoTimestamp(clock_->Now());

  internal::EventTrackerRecord record;
  *record.mutable_tracker() = tracker;
  WriteBatch batch(*store_);
  batch.Put(Cf::kMeta, meta_key::EventTracker(tracker.name()),
            record.SerializeAsString());
  RETURN_IF_ERROR(store_->Write(&batch));

  trackers_[tracker.name()] = tracker;
  tracking_ids_[tracker.tracking_id()] = group->second->id;
  return tracker;
}

absl::StatusOr<v1::EventTracker> Registry::DescribeEventTracker(
    absl::string_view name) const {
  RETURN_IF_ERROR(ValidateResourceName("name", name));
  absl::ReaderMutexLock lock(&mu_);
  auto it = trackers_.find(std::string(name));
  if (it == trackers_.end()) {
    return absl::NotFoundError(absl::StrCat("event tracker ", name, " not found"));
  }
  return it->second;
}

absl::StatusOr<v1::ListEventTrackersResponse> Registry::ListEventTrackers(
    const v1::ListEventTrackersRequest& request) const {
  ASSIGN_OR_RETURN(int page, PageSize(request.max_results()));
  ASSIGN_OR_RETURN(std::string after, DecodeToken(request.next_token()));
  absl::ReaderMutexLock lock(&mu_);
  if (!request.dataset_group().empty() && groups_.count(request.dataset_group()) == 0) {
    return absl::NotFoundError(
        absl::StrCat("dataset group ", request.dataset_group(), " not found"));
  }
  v1::ListEventTrackersResponse response;
  auto it =
      request.next_token().empty() ? trackers_.begin() : trackers_.upper_bound(after);
  for (; it != trackers_.end(); ++it) {
    if (!request.dataset_group().empty() &&
        it->second.dataset_group() != request.dataset_group()) {
      continue;
    }
    if (response.event_trackers_size() == page) {
      response.set_next_token(EncodeToken(response.event_trackers().rbegin()->name()));
      break;
    }
    *response.add_event_trackers() = it->second;
  }
  return response;
}

absl::Status Registry::DeleteEventTracker(absl::string_view name) {
  RETURN_IF_ERROR(ValidateResourceName("name", name));
  absl::MutexLock lock(&mu_);
  auto it = trackers_.find(std::string(name));
  if (it == trackers_.end()) {
    return absl::NotFoundError(absl::StrCat("event tracker ", name, " not found"));
  }
  WriteBatch batch(*store_);
  batch.Delete(Cf::kMeta, meta_key::EventTracker(name));
  RETURN_IF_ERROR(store_->Write(&batch));
  tracking_ids_.erase(it->second.tracking_id());
  trackers_.erase(it);
  return absl::OkStatus();
}

}  // namespace recloop

namespace recloop {}  // namespace recloop

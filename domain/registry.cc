#include "domain/registry.h"

#include <cctype>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "storage/keys.h"
#include "recloop/internal/records.pb.h"

namespace recloop {
namespace {

constexpr int kMaxNameLength = 63;
constexpr int kMaxPageSize = 100;
constexpr char kActive[] = "ACTIVE";

// Page tokens are the last name returned, opaque to clients.
std::string EncodeToken(absl::string_view last_name) {
  return absl::WebSafeBase64Escape(last_name);
}

absl::StatusOr<std::string> DecodeToken(absl::string_view token) {
  std::string name;
  if (!token.empty() && !absl::WebSafeBase64Unescape(token, &name)) {
    return absl::InvalidArgumentError("next_token: not a token from a previous page");
  }
  return name;
}

absl::StatusOr<int> PageSize(int max_results) {
  if (max_results < 0 || max_results > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_results: must be 0-", kMaxPageSize));
  }
  return max_results == 0 ? kMaxPageSize : max_results;
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

absl::StatusOr<std::unique_ptr<Registry>> Registry::Load(
    Store* store, const Clock* clock, const ItemModelOptions& model_options) {
  auto registry =
      std::unique_ptr<Registry>(new Registry(store, clock, model_options));
  absl::MutexLock lock(&registry->mu_);

  std::string next_id;
  ASSIGN_OR_RETURN(bool has_next, store->Get(Cf::kMeta, meta_key::NextGroupId(), &next_id));
  if (has_next && next_id.size() == 4) {
    registry->next_group_id_ = DecodeFixed32BE(next_id.data());
  }

  auto groups = store->NewPrefixCursor(Cf::kMeta, meta_key::DatasetGroupPrefix());
  for (groups->SeekToFirst(); groups->Valid(); groups->Next()) {
    internal::DatasetGroupRecord record;
    if (!record.ParseFromArray(groups->value().data(),
                               static_cast<int>(groups->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("metadata of dataset group ", groups->key().substr(1),
                       " is corrupt"));
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
    state->model = std::make_unique<ItemModel>(model_options);
    RETURN_IF_ERROR(state->model->Load(*store, state->id));
    registry->groups_by_id_[state->id] = state;
    registry->groups_[state->description.name()] = std::move(state);
  }
  RETURN_IF_ERROR(groups->status());

  auto trackers = store->NewPrefixCursor(Cf::kMeta, meta_key::EventTrackerPrefix());
  for (trackers->SeekToFirst(); trackers->Valid(); trackers->Next()) {
    internal::EventTrackerRecord record;
    if (!record.ParseFromArray(trackers->value().data(),
                               static_cast<int>(trackers->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("metadata of event tracker ", trackers->key().substr(1),
                       " is corrupt"));
    }
    const v1::EventTracker& tracker = record.tracker();
    auto group = registry->groups_.find(tracker.dataset_group());
    if (group == registry->groups_.end()) continue;  // Orphan; never written.
    registry->tracking_ids_[tracker.tracking_id()] = group->second->id;
    registry->trackers_[tracker.name()] = tracker;
  }
  RETURN_IF_ERROR(trackers->status());
  return registry;
}

absl::StatusOr<v1::DatasetGroup> Registry::CreateDatasetGroup(
    const v1::CreateDatasetGroupRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("name", request.name()));
  ASSIGN_OR_RETURN(InteractionsSchema schema,
                   InteractionsSchema::Parse(request.schema()));

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
  state->model = std::make_unique<ItemModel>(model_options_);

  internal::DatasetGroupRecord record;
  *record.mutable_group() = state->description;
  record.set_id(state->id);
  std::string next_id;
  PutFixed32BE(&next_id, state->id + 1);
  WriteBatch batch(*store_);
  batch.Put(Cf::kMeta, meta_key::DatasetGroup(request.name()),
            record.SerializeAsString());
  batch.Put(Cf::kMeta, meta_key::NextGroupId(), next_id);
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

absl::Status Registry::DeleteDatasetGroup(absl::string_view name) {
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
  for (Cf cf : {Cf::kEvents, Cf::kDedup, Cf::kSessions, Cf::kModel}) {
    batch.DeleteRange(cf, begin, end);
  }
  RETURN_IF_ERROR(store_->Write(&batch));

  for (const std::string& tracker_name : trackers) {
    tracking_ids_.erase(trackers_[tracker_name].tracking_id());
    trackers_.erase(tracker_name);
  }
  groups_by_id_.erase(id);
  groups_.erase(it);
  return absl::OkStatus();
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
      return absl::AlreadyExistsError(
          absl::StrCat("dataset group ", request.dataset_group(),
                       " already has event tracker ", name,
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
  if (!request.dataset_group().empty() &&
      groups_.count(request.dataset_group()) == 0) {
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

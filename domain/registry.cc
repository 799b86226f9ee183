#include "domain/registry.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "domain/model_codec.h"
#include "domain/recommender_config.h"
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

absl::StatusOr<std::unique_ptr<Registry>> Registry::Load(Store* store,
                                                         const Clock* clock) {
  auto registry = std::unique_ptr<Registry>(new Registry(store, clock));
  absl::MutexLock lock(&registry->mu_);

  std::string next_id;
  ASSIGN_OR_RETURN(bool has_next, store->Get(Cf::kMeta, meta_key::NextGroupId(), &next_id));
  if (has_next) {
    if (absl::optional<uint32_t> id = DecodeNextGroupId(next_id)) registry->next_group_id_ = *id;
  }

  auto groups = store->NewPrefixCursor(Cf::kMeta, meta_key::DatasetGroupPrefix());
  for (groups->SeekToFirst(); groups->Valid(); groups->Next()) {
    internal::DatasetGroupRecord record;
    if (!record.ParseFromArray(groups->value().data(),
                               static_cast<int>(groups->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("metadata of dataset group ", meta_key::NameOf(groups->key()),
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
    ASSIGN_OR_RETURN(std::unique_ptr<RecommenderResource> default_recommender,
                     RecommenderResource::Create(DefaultRecommenderDescription(state->description),
                                         0));
    RETURN_IF_ERROR(LoadModel(*store, state->id, 0, &default_recommender->model()));
    {
      absl::MutexLock group_lock(&state->mu);
      state->next_recommender_id = std::max<uint32_t>(1, record.next_recommender_id());
      state->recommenders[kDefaultRecommender] = std::move(default_recommender);
    }
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
          absl::StrCat("metadata of event tracker ", meta_key::NameOf(trackers->key()),
                       " is corrupt"));
    }
    const v1::EventTracker& tracker = record.tracker();
    auto group = registry->groups_.find(tracker.dataset_group());
    if (group == registry->groups_.end()) continue;  // Orphan; never written.
    registry->tracking_ids_[tracker.tracking_id()] = group->second->id;
    registry->trackers_[tracker.name()] = tracker;
  }
  RETURN_IF_ERROR(trackers->status());

  auto recommenders = store->NewPrefixCursor(Cf::kMeta, "r");
  for (recommenders->SeekToFirst(); recommenders->Valid(); recommenders->Next()) {
    internal::RecommenderRecord record;
    if (!record.ParseFromArray(recommenders->value().data(),
                               static_cast<int>(recommenders->value().size()))) {
      return absl::DataLossError("a recommender's metadata is corrupt");
    }
    auto group = registry->groups_.find(record.recommender().dataset_group());
    if (group == registry->groups_.end()) continue;  // Orphan; never written.
    auto recommender = RecommenderResource::Create(record.recommender(), record.id());
    if (!recommender.ok()) {
      return absl::DataLossError(absl::StrCat("stored recommender ",
                                              record.recommender().name(), ": ",
                                              recommender.status().message()));
    }
    (*recommender)->set_trained_through(record.trained_through_sequence());
    RETURN_IF_ERROR(
        LoadModel(*store, group->second->id, record.id(), &(*recommender)->model()));
    registry->recommender_groups_[record.recommender().name()] = group->first;
    absl::MutexLock group_lock(&group->second->mu);
    group->second->recommenders[record.recommender().name()] = *std::move(recommender);
  }
  RETURN_IF_ERROR(recommenders->status());
  return registry;
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
  recommender.set_status("ACTIVE");
  *recommender.mutable_creation_time() = group.creation_time();
  return recommender;
}

std::shared_ptr<RecommenderResource> DatasetGroupState::FindRecommender(
    absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu);
  auto it = recommenders.find(std::string(name));
  return it == recommenders.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<RecommenderResource>> DatasetGroupState::Recommenders() const {
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
  ASSIGN_OR_RETURN(std::unique_ptr<RecommenderResource> default_recommender,
                   RecommenderResource::Create(DefaultRecommenderDescription(state->description),
                                       0));
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
  const std::string recommenders = meta_key::RecommenderPrefix(name);
  batch.DeleteRange(Cf::kMeta, recommenders, PrefixSuccessor(recommenders));
  RETURN_IF_ERROR(store_->Write(&batch));

  for (const auto& recommender : it->second->Recommenders()) {
    recommender_groups_.erase(recommender->name());
  }
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

namespace recloop {

absl::StatusOr<std::pair<std::shared_ptr<DatasetGroupState>, std::unique_ptr<RecommenderResource>>>
Registry::NewRecommender(const v1::CreateRecommenderRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("name", request.name()));
  RETURN_IF_ERROR(ValidateResourceName("dataset_group", request.dataset_group()));
  v1::Recommender description;
  description.set_name(request.name());
  description.set_dataset_group(request.dataset_group());
  description.set_recipe(request.recipe().empty()
                             ? RecipeName(Recipe::kUserPersonalization)
                             : request.recipe());
  *description.mutable_config() = request.config();
  description.set_status("ACTIVE");
  *description.mutable_creation_time() = ToProtoTimestamp(clock_->Now());
  // Recipe and config are checked before anything is looked up or reserved.
  RETURN_IF_ERROR(ParseRecipe(request.recipe()).status());
  RETURN_IF_ERROR(ModelOptionsFromConfig(request.config()).status());

  absl::ReaderMutexLock lock(&mu_);
  auto group = groups_.find(request.dataset_group());
  if (group == groups_.end()) {
    return absl::NotFoundError(
        absl::StrCat("dataset group ", request.dataset_group(), " not found"));
  }
  if (request.name() == kDefaultRecommender ||
      recommender_groups_.contains(request.name())) {
    return absl::AlreadyExistsError(
        absl::StrCat("recommender ", request.name(), " already exists"));
  }
  uint32_t id;
  {
    absl::MutexLock group_lock(&group->second->mu);
    id = group->second->next_recommender_id++;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RecommenderResource> recommender,
                   RecommenderResource::Create(description, id));
  return std::make_pair(group->second, std::move(recommender));
}

absl::Status Registry::AddRecommender(DatasetGroupState* group,
                                      std::shared_ptr<RecommenderResource> recommender) {
  absl::MutexLock lock(&mu_);
  if (!groups_by_id_.contains(group->id)) {
    return absl::NotFoundError(absl::StrCat("dataset group ",
                                            group->description.name(), " was deleted"));
  }
  if (recommender_groups_.contains(recommender->name())) {
    return absl::AlreadyExistsError(
        absl::StrCat("recommender ", recommender->name(), " already exists"));
  }
  internal::RecommenderRecord record;
  *record.mutable_recommender() = recommender->description();
  record.set_id(recommender->id());
  record.set_trained_through_sequence(recommender->trained_through());
  WriteBatch batch(*store_);
  batch.Put(Cf::kMeta,
            meta_key::Recommender(group->description.name(), recommender->name()),
            record.SerializeAsString());
  batch.Put(Cf::kMeta, meta_key::DatasetGroup(group->description.name()),
            GroupRecord(*group));
  // The model learned so far goes in the same write, so that a crash cannot
  // leave a registered recommender without the events it was trained on.
  CheckpointModel(&recommender->model(), group->id, recommender->id(), &batch);
  RETURN_IF_ERROR(store_->Write(&batch));
  recommender_groups_[recommender->name()] = group->description.name();
  absl::MutexLock group_lock(&group->mu);
  group->recommenders[recommender->name()] = std::move(recommender);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::shared_ptr<DatasetGroupState>, std::shared_ptr<RecommenderResource>>>
Registry::FindRecommender(absl::string_view group_name, absl::string_view name) const {
  if (name.empty()) return absl::InvalidArgumentError("name: required");
  std::string group_of = std::string(group_name);
  if (group_of.empty()) {
    if (name == kDefaultRecommender) {
      return absl::InvalidArgumentError(
          "dataset_group: required to name a group's default recommender");
    }
    auto it = recommender_groups_.find(name);
    if (it == recommender_groups_.end()) {
      return absl::NotFoundError(absl::StrCat("recommender ", name, " not found"));
    }
    group_of = it->second;
  }
  auto group = groups_.find(group_of);
  if (group == groups_.end()) {
    return absl::NotFoundError(absl::StrCat("dataset group ", group_of, " not found"));
  }
  std::shared_ptr<RecommenderResource> recommender = group->second->FindRecommender(name);
  if (recommender == nullptr) {
    return absl::NotFoundError(absl::StrCat("recommender ", name,
                                            " not found in dataset group ", group_of));
  }
  return std::make_pair(group->second, std::move(recommender));
}

absl::StatusOr<v1::Recommender> Registry::DescribeRecommender(
    const v1::DescribeRecommenderRequest& request) const {
  absl::ReaderMutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto found, FindRecommender(request.dataset_group(), request.name()));
  return found.second->description();
}

absl::StatusOr<v1::ListRecommendersResponse> Registry::ListRecommenders(
    const v1::ListRecommendersRequest& request) const {
  ASSIGN_OR_RETURN(int page, PageSize(request.max_results()));
  ASSIGN_OR_RETURN(std::string after, DecodeToken(request.next_token()));
  absl::ReaderMutexLock lock(&mu_);
  if (!request.dataset_group().empty() && groups_.count(request.dataset_group()) == 0) {
    return absl::NotFoundError(
        absl::StrCat("dataset group ", request.dataset_group(), " not found"));
  }
  // Ordered by (group, name); the token is the last "group/name" returned.
  v1::ListRecommendersResponse response;
  for (const auto& [group_name, group] : groups_) {
    if (!request.dataset_group().empty() && group_name != request.dataset_group()) continue;
    for (const auto& recommender : group->Recommenders()) {
      const std::string position = absl::StrCat(group_name, "/", recommender->name());
      if (!request.next_token().empty() && position <= after) continue;
      if (response.recommenders_size() == page) {
        const auto& last = *response.recommenders().rbegin();
        response.set_next_token(
            EncodeToken(absl::StrCat(last.dataset_group(), "/", last.name())));
        return response;
      }
      *response.add_recommenders() = recommender->description();
    }
  }
  return response;
}

absl::Status Registry::DeleteRecommender(const v1::DeleteRecommenderRequest& request) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto found, FindRecommender(request.dataset_group(), request.name()));
  auto& [group, recommender] = found;
  if (recommender->id() == 0) {
    return absl::FailedPreconditionError(
        "name: a dataset group's default recommender cannot be deleted");
  }
  WriteBatch batch(*store_);
  batch.Delete(Cf::kMeta,
               meta_key::Recommender(group->description.name(), recommender->name()));
  const std::string model = ModelPrefix(group->id, recommender->id());
  batch.DeleteRange(Cf::kModel, model, PrefixSuccessor(model));
  RETURN_IF_ERROR(store_->Write(&batch));
  recommender_groups_.erase(recommender->name());
  absl::MutexLock group_lock(&group->mu);
  group->recommenders.erase(recommender->name());
  return absl::OkStatus();
}

}  // namespace recloop

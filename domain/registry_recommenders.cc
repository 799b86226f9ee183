// Registry: the recommenders of each dataset group.
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "domain/model_codec.h"
#include "domain/pagination.h"
#include "domain/recommender_config.h"
#include "domain/registry.h"
#include "recloop/internal/records.pb.h"
#include "storage/keys.h"

namespace recloop {
namespace {

absl::Status AlreadyExists(absl::string_view name, absl::string_view group) {
  return absl::AlreadyExistsError(
      absl::StrCat("recommender ", name, " already exists in dataset group ", group));
}

}  // namespace

absl::StatusOr<
    std::pair<std::shared_ptr<DatasetGroupState>, std::unique_ptr<RecommenderResource>>>
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
  description.set_status(kCreateInProgress);
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
  if (group->second->FindRecommender(request.name()) != nullptr) {
    return AlreadyExists(request.name(), request.dataset_group());
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

bool Registry::IsRegistered(const DatasetGroupState& group,
                            const RecommenderResource& recommender) const {
  auto registered = groups_by_id_.find(group.id);
  return registered != groups_by_id_.end() && registered->second.get() == &group &&
         group.FindRecommender(recommender.name()).get() == &recommender;
}

absl::Status Registry::AddRecommender(DatasetGroupState* group,
                                      std::shared_ptr<RecommenderResource> recommender) {
  absl::MutexLock lock(&mu_);
  if (!groups_by_id_.contains(group->id)) {
    return absl::NotFoundError(
        absl::StrCat("dataset group ", group->description.name(), " was deleted"));
  }
  if (group->FindRecommender(recommender->name()) != nullptr) {
    return AlreadyExists(recommender->name(), group->description.name());
  }
  internal::RecommenderRecord record;
  *record.mutable_recommender() = recommender->description();
  record.set_id(recommender->id());
  WriteBatch batch(*store_);
  batch.Put(Cf::kMeta,
            meta_key::Recommender(group->description.name(), recommender->name()),
            record.SerializeAsString());
  batch.Put(Cf::kMeta, meta_key::DatasetGroup(group->description.name()),
            GroupRecord(*group));
  RETURN_IF_ERROR(store_->Write(&batch));
  absl::MutexLock group_lock(&group->mu);
  group->recommenders[recommender->name()] = std::move(recommender);
  return absl::OkStatus();
}

absl::Status Registry::WriteModelRecords(const DatasetGroupState& group,
                                         const RecommenderResource& recommender,
                                         WriteBatch* batch) {
  absl::ReaderMutexLock lock(&mu_);
  if (!IsRegistered(group, recommender)) {
    return absl::NotFoundError(absl::StrCat("recommender ", recommender.name(),
                                            " was deleted while it was created"));
  }
  return store_->Write(batch);
}

absl::Status Registry::PersistActivation(const DatasetGroupState& group,
                                         const RecommenderResource& recommender,
                                         uint64_t trained_through,
                                         const ModelSnapshot& changed) {
  absl::ReaderMutexLock lock(&mu_);
  if (!IsRegistered(group, recommender)) {
    return absl::NotFoundError(absl::StrCat("recommender ", recommender.name(),
                                            " was deleted while it was created"));
  }
  internal::RecommenderRecord record;
  *record.mutable_recommender() = recommender.description();
  record.mutable_recommender()->set_status(kActive);
  record.set_id(recommender.id());
  record.set_trained_through_sequence(trained_through);
  WriteBatch batch(*store_);
  batch.Put(Cf::kMeta, meta_key::Recommender(group.description.name(), recommender.name()),
            record.SerializeAsString());
  // What the model learned since its last records were written goes in the
  // same write, so that a crash cannot leave an ACTIVE recommender without
  // the events it was trained on.
  EncodeSnapshot(changed, &batch);
  return store_->Write(&batch);
}

void Registry::FailRecommender(const DatasetGroupState& group,
                               RecommenderResource* recommender,
                               const std::string& reason) {
  recommender->Fail(reason);
  absl::ReaderMutexLock lock(&mu_);
  if (!IsRegistered(group, *recommender)) return;
  internal::RecommenderRecord record;
  *record.mutable_recommender() = recommender->description();
  record.set_id(recommender->id());
  WriteBatch batch(*store_);
  batch.Put(Cf::kMeta, meta_key::Recommender(group.description.name(), recommender->name()),
            record.SerializeAsString());
  // Best effort: if the store refuses, a restart builds it again.
  (void)store_->Write(&batch);
}

absl::StatusOr<
    std::pair<std::shared_ptr<DatasetGroupState>, std::shared_ptr<RecommenderResource>>>
Registry::FindRecommender(absl::string_view group_name, absl::string_view name) const {
  if (group_name.empty()) {
    return absl::InvalidArgumentError(
        "dataset_group: required (recommender names are unique within a dataset group)");
  }
  if (name.empty()) return absl::InvalidArgumentError("name: required");
  auto group = groups_.find(std::string(group_name));
  if (group == groups_.end()) {
    return absl::NotFoundError(absl::StrCat("dataset group ", group_name, " not found"));
  }
  std::shared_ptr<RecommenderResource> recommender = group->second->FindRecommender(name);
  if (recommender == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("recommender ", name, " not found in dataset group ", group_name));
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
    if (!request.dataset_group().empty() && group_name != request.dataset_group())
      continue;
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

absl::StatusOr<std::shared_ptr<RecommenderResource>> Registry::DeleteRecommender(
    const v1::DeleteRecommenderRequest& request) {
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
  absl::MutexLock group_lock(&group->mu);
  group->recommenders.erase(recommender->name());
  return recommender;
}

}  // namespace recloop

#include "domain/recloop.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/recovery.h"
#include "domain/request_validation.h"
#include "recloop/internal/records.pb.h"

namespace recloop {

absl::StatusOr<std::unique_ptr<Recloop>> Recloop::Open(const RecloopOptions& options) {
  if (options.max_clock_skew < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("max_clock_skew: must not be negative");
  }
  auto recloop = std::unique_ptr<Recloop>(new Recloop(options));
  RETURN_IF_ERROR(recloop->Recover());
  recloop->checkpointer_->Start();
  return recloop;
}

Recloop::~Recloop() {
  // Builds cut short here start again at the next start.
  if (builds_ != nullptr) builds_->StopAll();
  if (checkpointer_ == nullptr) return;
  checkpointer_->Stop();
  // Only a fully recovered instance may checkpoint: a failed Open must leave
  // the store exactly as it found it.
  if (recovered_ && options_.checkpoint_on_close) {
    absl::Status status = checkpointer_->Checkpoint();
    if (!status.ok())
      LogError(absl::StrCat("final checkpoint failed: ", status.ToString()));
  }
}

absl::Status Recloop::Recover() {
  StoreOptions store_options = options_.store;
  store_options.clock = options_.clock;
  store_options.served_retention = options_.recommendation_retention;
  ASSIGN_OR_RETURN(store_, Store::Open(store_options));
  ASSIGN_OR_RETURN(registry_, Registry::Load(store_.get(), options_.clock));
  catalog_ = std::make_unique<Catalog>(store_.get());
  served_ = std::make_unique<ServedLists>(store_.get(), options_.clock,
                                          options_.recommendation_retention);
  events_ = std::make_unique<EventLog>(store_.get(), options_.clock, served_.get());
  windows_ =
      std::make_unique<LearningWindows>(options_.learning_window_cache, kLearningWindow);
  learner_ =
      std::make_unique<Learner>(events_.get(), windows_.get(), options_.max_clock_skew);
  recovery_.created_store = store_->created();
  recovery_.dataset_groups = static_cast<int>(registry_->AllGroups().size());

  ASSIGN_OR_RETURN(JournalReplay replay,
                   ReplayJournal(*store_, *registry_, *events_, learner_.get()));
  recovery_.checkpoint_sequence = replay.checkpoint_sequence;
  recovery_.replayed_events = replay.replayed_events;
  events_->set_last_sequence(replay.last_sequence);

  builds_ = std::make_unique<RecommenderBuilds>(store_.get(), registry_.get(),
                                                 events_.get(), learner_.get(), &ingest_mu_,
                                                 &checkpoint_mu_);
  Checkpointer::Options checkpoints;
  checkpoints.interval = options_.checkpoint_interval;
  checkpoints.after_events = options_.checkpoint_after_events;
  checkpointer_ = std::make_unique<Checkpointer>(
      checkpoints, store_.get(), registry_.get(), events_.get(), builds_.get(),
      &checkpoint_mu_, &ingest_mu_, &learn_failed_, replay.checkpoint_sequence);
  ingest_ = std::make_unique<EventIngest>(registry_.get(), events_.get(), windows_.get(),
                                          learner_.get(), checkpointer_.get(),
                                          &ingest_mu_, &learn_failed_);
  // Recommenders whose creation a crash or shutdown cut short: their model
  // records are incomplete, so they learn everything again.
  {
    absl::WriterMutexLock lock(&ingest_mu_);
    for (const auto& group : registry_->AllGroups()) {
      for (auto& recommender : group->Recommenders()) {
        if (recommender->status() == RecommenderStatus::kCreateInProgress) {
          builds_->Start(group, std::move(recommender));
        }
      }
    }
  }
  recovered_ = true;
  return absl::OkStatus();
}

RecloopStats Recloop::Stats() const {
  RecloopStats stats;
  for (const auto& group : registry_->AllGroups()) {
    for (const auto& recommender : group->Recommenders()) {
      stats.items += recommender->model().item_count();
      stats.neighbours += recommender->model().neighbour_count();
    }
  }
  return stats;
}

// --- Control plane -----------------------------------------------------------

absl::StatusOr<v1::DatasetGroup> Recloop::CreateDatasetGroup(
    const v1::CreateDatasetGroupRequest& request) {
  return registry_->CreateDatasetGroup(request);
}

absl::StatusOr<v1::DatasetGroup> Recloop::DescribeDatasetGroup(
    const v1::DescribeDatasetGroupRequest& request) {
  return registry_->DescribeDatasetGroup(request.name());
}

absl::StatusOr<v1::ListDatasetGroupsResponse> Recloop::ListDatasetGroups(
    const v1::ListDatasetGroupsRequest& request) {
  return registry_->ListDatasetGroups(request);
}

absl::Status Recloop::DeleteDatasetGroup(const v1::DeleteDatasetGroupRequest& request) {
  {
    // No checkpoint or build may write records of the group after its data
    // is gone.
    absl::MutexLock checkpoint(checkpointer_->mutex());
    absl::WriterMutexLock lock(&ingest_mu_);
    windows_->Clear();
    ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> deleted,
                     registry_->DeleteDatasetGroup(request.name()));
    builds_->CancelGroup(deleted->id);
  }
  builds_->Reap();
  return absl::OkStatus();
}

absl::StatusOr<v1::EventTracker> Recloop::CreateEventTracker(
    const v1::CreateEventTrackerRequest& request) {
  return registry_->CreateEventTracker(request);
}

absl::StatusOr<v1::EventTracker> Recloop::DescribeEventTracker(
    const v1::DescribeEventTrackerRequest& request) {
  return registry_->DescribeEventTracker(request.name());
}

absl::StatusOr<v1::ListEventTrackersResponse> Recloop::ListEventTrackers(
    const v1::ListEventTrackersRequest& request) {
  return registry_->ListEventTrackers(request);
}

absl::Status Recloop::DeleteEventTracker(const v1::DeleteEventTrackerRequest& request) {
  return registry_->DeleteEventTracker(request.name());
}

absl::StatusOr<v1::Recommender> Recloop::CreateRecommender(
    const v1::CreateRecommenderRequest& request) {
  ASSIGN_OR_RETURN(auto created, registry_->NewRecommender(request));
  std::shared_ptr<DatasetGroupState> group = std::move(created.first);
  std::shared_ptr<RecommenderResource> recommender = std::move(created.second);
  v1::Recommender description;
  {
    // Registered and started with writes paused, so that no deletion comes
    // between and the build's snapshot ends exactly at the last sequence.
    absl::WriterMutexLock ingest(&ingest_mu_);
    RETURN_IF_ERROR(registry_->AddRecommender(group.get(), recommender));
    description = recommender->description();
    builds_->Start(std::move(group), std::move(recommender));
  }
  builds_->Reap();
  return description;
}

absl::StatusOr<v1::Recommender> Recloop::DescribeRecommender(
    const v1::DescribeRecommenderRequest& request) {
  return registry_->DescribeRecommender(request);
}

absl::StatusOr<v1::ListRecommendersResponse> Recloop::ListRecommenders(
    const v1::ListRecommendersRequest& request) {
  return registry_->ListRecommenders(request);
}

absl::Status Recloop::DeleteRecommender(const v1::DeleteRecommenderRequest& request) {
  {
    // No checkpoint or build may write records of the recommender after
    // they are gone.
    absl::MutexLock checkpoint(checkpointer_->mutex());
    absl::WriterMutexLock lock(&ingest_mu_);
    ASSIGN_OR_RETURN(std::shared_ptr<RecommenderResource> deleted,
                     registry_->DeleteRecommender(request));
    builds_->Cancel(deleted.get());
  }
  builds_->Reap();
  return absl::OkStatus();
}

// --- Events -------------------------------------------------------------------

absl::StatusOr<v1::PutEventsResponse> Recloop::PutEvents(
    const v1::PutEventsRequest& request) {
  return ingest_->PutEvents(request);
}

absl::StatusOr<v1::GetUserHistoryResponse> Recloop::GetUserHistory(
    const v1::GetUserHistoryRequest& request) {
  RETURN_IF_ERROR(ValidateGetUserHistoryRequest(request));
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   registry_->FindGroup(request.dataset_group()));
  const size_t limit =
      request.max_results() == 0 ? kDefaultHistoryResults : request.max_results();
  ASSIGN_OR_RETURN(std::vector<LoggedEvent> history,
                   events_->ReadHistory(group->id, request.user_id(), limit));
  v1::GetUserHistoryResponse response;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    *response.add_events() = std::move(it->event);
  }
  return response;
}

// --- Item and user metadata ---------------------------------------------------

absl::StatusOr<std::shared_ptr<DatasetGroupState>> Recloop::CatalogGroup(
    absl::string_view name) const {
  if (name.empty()) return absl::InvalidArgumentError("dataset_group: required");
  return registry_->FindGroup(name);
}

absl::StatusOr<v1::PutItemsResponse> Recloop::PutItems(const v1::PutItemsRequest& request) {
  // Shared, as PutEvents: a deletion of the group cannot come between.
  absl::ReaderMutexLock lock(&ingest_mu_);
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   CatalogGroup(request.dataset_group()));
  RETURN_IF_ERROR(catalog_->PutItems(*group, request));
  return v1::PutItemsResponse();
}

absl::StatusOr<v1::PutUsersResponse> Recloop::PutUsers(const v1::PutUsersRequest& request) {
  absl::ReaderMutexLock lock(&ingest_mu_);
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   CatalogGroup(request.dataset_group()));
  RETURN_IF_ERROR(catalog_->PutUsers(*group, request));
  return v1::PutUsersResponse();
}

absl::StatusOr<v1::Item> Recloop::GetItem(const v1::GetItemRequest& request) {
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   CatalogGroup(request.dataset_group()));
  return catalog_->GetItem(*group, request.item_id());
}

absl::StatusOr<v1::User> Recloop::GetUser(const v1::GetUserRequest& request) {
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   CatalogGroup(request.dataset_group()));
  return catalog_->GetUser(*group, request.user_id());
}

// --- Recommendations ----------------------------------------------------------

absl::StatusOr<std::shared_ptr<RecommenderResource>> Recloop::FindRecommender(
    const DatasetGroupState& group, absl::string_view name) const {
  std::shared_ptr<RecommenderResource> recommender =
      group.FindRecommender(name.empty() ? kDefaultRecommender : name);
  if (recommender == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "recommender: ", name, " not found in dataset group ", group.description.name()));
  }
  switch (recommender->status()) {
    case RecommenderStatus::kActive:
      return recommender;
    case RecommenderStatus::kCreateInProgress:
      return absl::FailedPreconditionError(
          absl::StrCat("recommender: ", recommender->name(), " is ", kCreateInProgress,
                       "; retry when it is ", kActive));
    case RecommenderStatus::kCreateFailed:
      break;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("recommender: ", recommender->name(), " is ", kCreateFailed, " (",
                   recommender->description().failure_reason(),
                   "); delete it and create it again"));
}

absl::StatusOr<std::vector<PastEvent>> Recloop::HistoryOf(const DatasetGroupState& group,
                                                          absl::string_view user_id,
                                                          size_t limit) const {
  if (user_id.empty()) return std::vector<PastEvent>();
  return learner_->RecentEvents(group.id, user_id, limit);
}

absl::Status Recloop::RecordServed(const DatasetGroupState& group,
                                   const std::string& recommender,
                                   absl::string_view user_id,
                                   const std::vector<ScoredItem>& items,
                                   std::string* recommendation_id) {
  internal::ServedList list;
  list.set_group_id(group.id);
  list.set_recommender(recommender);
  list.set_user_id(std::string(user_id));
  for (const ScoredItem& item : items) list.add_item_ids(item.item_id);
  *recommendation_id = ServedLists::NewRecommendationId();
  return served_->Record(*recommendation_id, list);
}

absl::StatusOr<v1::GetRecommendationsResponse> Recloop::GetRecommendations(
    const v1::GetRecommendationsRequest& request) {
  RETURN_IF_ERROR(ValidateGetRecommendationsRequest(request));
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   registry_->FindGroup(request.dataset_group()));
  ASSIGN_OR_RETURN(std::shared_ptr<RecommenderResource> recommender,
                   FindRecommender(*group, request.recommender()));
  ASSIGN_OR_RETURN(std::vector<PastEvent> history,
                   HistoryOf(*group, request.user_id(), options_.exclusion_history));
  RecommendInput input;
  input.history = history;
  input.item_id = request.item_id();
  input.contexts = group->schema.RequestContexts(request.context());
  input.n = request.num_results() == 0 ? kDefaultNumResults : request.num_results();
  ASSIGN_OR_RETURN(std::vector<ScoredItem> items, recommender->engine().Recommend(input));

  v1::GetRecommendationsResponse response;
  RETURN_IF_ERROR(RecordServed(*group, recommender->name(), request.user_id(), items,
                               response.mutable_recommendation_id()));
  for (const ScoredItem& item : items) {
    v1::PredictedItem* out = response.add_item_list();
    out->set_item_id(item.item_id);
    out->set_score(item.score);
  }
  return response;
}

absl::StatusOr<v1::GetPersonalizedRankingResponse> Recloop::GetPersonalizedRanking(
    const v1::GetPersonalizedRankingRequest& request) {
  RETURN_IF_ERROR(ValidateGetPersonalizedRankingRequest(request));
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   registry_->FindGroup(request.dataset_group()));
  ASSIGN_OR_RETURN(std::shared_ptr<RecommenderResource> recommender,
                   FindRecommender(*group, request.recommender()));
  ASSIGN_OR_RETURN(std::vector<PastEvent> history,
                   HistoryOf(*group, request.user_id(), kLearningWindow));
  RecommendInput input;
  input.history = history;
  input.contexts = group->schema.RequestContexts(request.context());
  const std::vector<std::string> items(request.input_list().begin(),
                                       request.input_list().end());
  std::vector<ScoredItem> ranked = recommender->engine().Rank(input, items);

  v1::GetPersonalizedRankingResponse response;
  RETURN_IF_ERROR(RecordServed(*group, recommender->name(), request.user_id(), ranked,
                               response.mutable_recommendation_id()));
  for (const ScoredItem& item : ranked) {
    v1::PredictedItem* out = response.add_personalized_ranking();
    out->set_item_id(item.item_id);
    out->set_score(item.score);
  }
  return response;
}

// --- Checkpoints ----------------------------------------------------------------

absl::Status Recloop::Checkpoint() { return checkpointer_->Checkpoint(); }

}  // namespace recloop

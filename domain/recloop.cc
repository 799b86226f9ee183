#include "domain/recloop.h"

#include <algorithm>
#include <deque>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "domain/request_validation.h"
#include "storage/keys.h"
#include "recloop/internal/records.pb.h"

namespace recloop {
namespace {

// How many of a user's earlier events a new one is paired with.
const size_t kLearningWindow = static_cast<size_t>(ModelOptions().window);

}  // namespace

absl::StatusOr<std::unique_ptr<Recloop>> Recloop::Open(const RecloopOptions& options) {
  auto recloop = std::unique_ptr<Recloop>(new Recloop(options));
  RETURN_IF_ERROR(recloop->Recover());
  recloop->checkpointer_ = std::thread([r = recloop.get()] { r->CheckpointLoop(); });
  return recloop;
}

Recloop::~Recloop() {
  {
    absl::MutexLock lock(&checkpointer_mu_);
    stopping_ = true;
    checkpointer_cv_.Signal();
  }
  if (checkpointer_.joinable()) checkpointer_.join();
  // Only a fully recovered instance may checkpoint: a failed Open must leave
  // the store exactly as it found it.
  if (recovered_ && options_.checkpoint_on_close) {
    absl::Status status = Checkpoint();
    if (!status.ok()) LogError(absl::StrCat("final checkpoint failed: ", status.ToString()));
  }
}

absl::Status Recloop::Recover() {
  StoreOptions store_options = options_.store;
  store_options.clock = options_.clock;
  store_options.served_retention = options_.recommendation_retention;
  ASSIGN_OR_RETURN(store_, Store::Open(store_options));
  ASSIGN_OR_RETURN(registry_, Registry::Load(store_.get(), options_.clock));
  served_ = std::make_unique<ServedLists>(store_.get(), options_.clock,
                                          options_.recommendation_retention);
  events_ = std::make_unique<EventLog>(store_.get(), options_.clock, served_.get());
  windows_ = std::make_unique<LearningWindows>(options_.learning_window_cache, kLearningWindow);
  recovery_.created_store = store_->created();
  recovery_.dataset_groups = static_cast<int>(registry_->AllGroups().size());

  std::string raw;
  ASSIGN_OR_RETURN(bool has_checkpoint,
                   store_->Get(Cf::kMeta, meta_key::Checkpoint(), &raw));
  if (has_checkpoint) {
    internal::CheckpointRecord checkpoint;
    if (!checkpoint.ParseFromString(raw)) {
      return absl::DataLossError("the checkpoint record is corrupt");
    }
    recovery_.checkpoint_sequence = checkpoint.sequence();
  }

  // Replay what the models had not checkpointed, in the order it was stored.
  uint64_t last_seq = recovery_.checkpoint_sequence;
  auto journal = store_->NewCursor(Cf::kJournal,
                                   JournalKey(recovery_.checkpoint_sequence + 1), "");
  for (journal->SeekToFirst(); journal->Valid(); journal->Next()) {
    if (journal->key().size() != 8) return absl::DataLossError("malformed journal key");
    last_seq = DecodeFixed64BE(journal->key().data());
    internal::JournalEntry entry;
    if (!entry.ParseFromArray(journal->value().data(),
                              static_cast<int>(journal->value().size()))) {
      return absl::DataLossError(absl::StrCat("journal entry ", last_seq, " is corrupt"));
    }
    std::shared_ptr<DatasetGroupState> group = registry_->FindGroupById(entry.group_id());
    if (group == nullptr) continue;  // The group was deleted since.
    auto key = ParseEventKey(entry.event_key());
    ASSIGN_OR_RETURN(bool found, store_->Get(Cf::kEvents, entry.event_key(), &raw));
    if (!key || !found) continue;
    LoggedEvent logged;
    logged.sent_micros = key->sent_micros;
    logged.seq = key->seq;
    if (!logged.event.ParseFromString(raw)) {
      return absl::DataLossError(absl::StrCat("stored event ", key->seq, " is corrupt"));
    }
    ASSIGN_OR_RETURN(std::string identity,
                     events_->ResolveIdentity(group->id, logged.event.user_id(),
                                              logged.event.session_id()));
    RETURN_IF_ERROR(Learn(*group, identity, logged));
    ++recovery_.replayed_events;
  }
  RETURN_IF_ERROR(journal->status());
  events_->set_last_sequence(last_seq);
  {
    absl::MutexLock lock(&checkpoint_mu_);
    checkpointed_seq_ = recovery_.checkpoint_sequence;
  }
  recovered_ = true;
  return absl::OkStatus();
}

absl::Status Recloop::Learn(const DatasetGroupState& group, absl::string_view identity,
                            const LoggedEvent& logged, uint64_t call_last_seq) {
  const v1::Event& event = logged.event.event();
  const HistoryPosition at{logged.sent_micros, logged.seq};
  // The item events before this one, from the cache when it holds the
  // identity, otherwise from the store.
  std::vector<PastEvent> window;
  const bool cached = call_last_seq != kNoCache;
  absl::optional<LearningWindows::Hit> hit;
  if (cached) hit = windows_->Before(group.id, identity, at);
  if (hit) {
    window = std::move(hit->items);
    windows_->Advance(group.id, identity, hit->token, at, PastEvent::Of(event));
  } else if (!event.item_id().empty() && cached) {
    // The store already holds this call's later events (seqs up to
    // call_last_seq); read past them to this event and its window.
    const uint64_t later = std::max(call_last_seq, logged.seq) - logged.seq;
    ASSIGN_OR_RETURN(std::vector<LoggedEvent> history,
                     events_->ReadHistory(group.id, identity, kLearningWindow + 1 + later));
    size_t j = 0;
    bool only_later_of_this_call = true;
    while (j < history.size() && history[j].seq != logged.seq) {
      if (history[j].seq < logged.seq || history[j].seq > call_last_seq) {
        only_later_of_this_call = false;
      }
      ++j;
    }
    if (j < history.size()) {
      std::vector<PastEvent> recent;
      for (size_t i = j; i < history.size() && recent.size() <= kLearningWindow; ++i) {
        recent.push_back(PastEvent::Of(history[i].event.event()));
      }
      for (size_t i = 1; i < recent.size(); ++i) {
        if (!recent[i].item_id.empty()) window.push_back(recent[i]);
      }
      // The cache may start at this event when everything newer in the
      // store is this call's yet-unlearned events, which advance it in turn.
      if (only_later_of_this_call) windows_->Fill(group.id, identity, at, std::move(recent));
    } else {
      // Sent before many events already stored: its window is further back.
      ASSIGN_OR_RETURN(window, events_->RecentEvents(
                                   group.id, identity, kLearningWindow,
                                   HistoryBound{logged.sent_micros, logged.seq}));
    }
  } else if (!event.item_id().empty()) {
    ASSIGN_OR_RETURN(window, events_->RecentEvents(
                                 group.id, identity, kLearningWindow,
                                 HistoryBound{logged.sent_micros, logged.seq}));
  }
  if (event.item_id().empty()) {
    if (logged.event.effective_impression().empty()) return absl::OkStatus();
    window.clear();  // impressions alone learn without a window
  }
  const LearnedEvent learned{&logged.event, absl::FromUnixMicros(logged.sent_micros),
                             group.schema.EventContexts(event.properties())};
  for (const auto& recommender : group.Recommenders()) {
    if (logged.seq > recommender->trained_through()) recommender->Learn(learned, window);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PastEvent>> Recloop::RecentEvents(uint32_t group_id,
                                                             absl::string_view id,
                                                             size_t limit) const {
  if (auto cached = windows_->Recent(group_id, id, limit)) return *std::move(cached);
  return events_->RecentEvents(group_id, id, limit);
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
  // No checkpoint may write records of the group after its data is gone.
  absl::MutexLock checkpoint(&checkpoint_mu_);
  absl::WriterMutexLock lock(&ingest_mu_);
  windows_->Clear();
  return registry_->DeleteDatasetGroup(request.name());
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
  std::shared_ptr<Recommender> recommender = std::move(created.second);

  // Writes pause while the recommender learns the stored events, so that it
  // misses none and no checkpoint or deletion interleaves.
  absl::MutexLock checkpoint(&checkpoint_mu_);
  absl::WriterMutexLock ingest(&ingest_mu_);
  Owner owner{Owner::Kind::kUser, ""};
  bool first = true;
  std::deque<PastEvent> recent;  // The owner's events, most recent first.
  RETURN_IF_ERROR(events_->ScanGroup(
      group->id, [&](const Owner& event_owner, const LoggedEvent& logged) {
        if (first || !(event_owner == owner)) {
          owner = event_owner;
          first = false;
          recent.clear();
        }
        const v1::Event& event = logged.event.event();
        const LearnedEvent learned{&logged.event,
                                   absl::FromUnixMicros(logged.sent_micros),
                                   group->schema.EventContexts(event.properties())};
        const std::vector<PastEvent> window(recent.begin(), recent.end());
        recommender->Learn(learned, window);
        if (!event.item_id().empty()) {
          recent.push_front(PastEvent::Of(event));
          if (recent.size() > kLearningWindow) recent.pop_back();
        }
        return absl::OkStatus();
      }));
  recommender->set_trained_through(events_->last_sequence());
  RETURN_IF_ERROR(registry_->AddRecommender(group.get(), recommender));
  return recommender->description();
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
  // No checkpoint may write records of the recommender after they are gone.
  absl::MutexLock checkpoint(&checkpoint_mu_);
  absl::WriterMutexLock lock(&ingest_mu_);
  return registry_->DeleteRecommender(request);
}

// --- Events -------------------------------------------------------------------

absl::StatusOr<v1::PutEventsResponse> Recloop::PutEvents(
    const v1::PutEventsRequest& request) {
  RETURN_IF_ERROR(ValidatePutEventsRequest(request));
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   registry_->FindGroupByTrackingId(request.tracking_id()));

  // Complete each event: properties checked against the schema, itemId and
  // eventValue taken from them when the fields are empty, an event_id
  // generated when the client sent none.
  std::vector<v1::Event> events(request.event_list().begin(),
                                request.event_list().end());
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Event& event = events[i];
    const std::string path = absl::StrCat("event_list[", i, "].properties");
    ASSIGN_OR_RETURN(EventProperties properties,
                     group->schema.ValidateProperties(event.properties(), path));
    if (properties.item_id) {
      if (properties.item_id->empty() || properties.item_id->size() > 256) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".itemId: must be 1-256 characters"));
      }
      if (event.item_id().empty()) {
        event.set_item_id(*properties.item_id);
      } else if (event.item_id() != *properties.item_id) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".itemId: differs from item_id"));
      }
    }
    if (properties.event_value) {
      const float value = static_cast<float>(*properties.event_value);
      if (!std::isfinite(value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".eventValue: must be a finite float"));
      }
      if (!event.has_event_value()) {
        event.set_event_value(value);
      } else if (event.event_value() != value) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".eventValue: differs from event_value"));
      }
    }
    if (properties.attribution_source) {
      const std::string field = path + ".eventAttributionSource";
      RETURN_IF_ERROR(ValidateAttributionSource(field, *properties.attribution_source));
      v1::MetricAttribution* attribution = event.mutable_metric_attribution();
      if (attribution->event_attribution_source().empty()) {
        attribution->set_event_attribution_source(*properties.attribution_source);
      } else if (attribution->event_attribution_source() !=
                 *properties.attribution_source) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ": differs from metric_attribution.event_attribution_source"));
      }
    }
    if (event.event_id().empty()) event.set_event_id(NewUuid());
  }

  // Calls that share a session, user or event id run one at a time, so that
  // deduplication and session linking see each other's writes.
  std::vector<absl::string_view> lock_keys = {request.session_id()};
  if (!request.user_id().empty()) lock_keys.push_back(request.user_id());
  for (const v1::Event& event : events) lock_keys.push_back(event.event_id());

  AppendResult result;
  {
    absl::ReaderMutexLock ingest(&ingest_mu_);
    if (registry_->FindGroupById(group->id) == nullptr) {
      return absl::NotFoundError("tracking_id: the dataset group was deleted");
    }
    StripeLocks::Guard guard(&stripes_, lock_keys);
    ASSIGN_OR_RETURN(std::string identity,
                     events_->ResolveIdentity(group->id, request.user_id(),
                                              request.session_id()));
    ASSIGN_OR_RETURN(result, events_->Append(group->id, request.user_id(),
                                             request.session_id(), events));
    if (result.linked_session) {
      // The user's history now takes in the session's events.
      windows_->Drop(group->id, request.user_id());
      windows_->Drop(group->id, request.session_id());
    }
    // A call whose events go back in time puts later-learned events before
    // earlier ones: the cache cannot stand for its windows, so it learns
    // from the store and forgets the identity's entry.
    uint64_t call_last_seq = result.stored.empty() ? 0 : result.stored.back().seq;
    for (size_t i = 1; i < result.stored.size(); ++i) {
      if (result.stored[i].sent_micros < result.stored[i - 1].sent_micros) {
        call_last_seq = kNoCache;
        windows_->Drop(group->id, identity);
        break;
      }
    }
    for (const LoggedEvent& logged : result.stored) {
      absl::Status learned = Learn(*group, identity, logged, call_last_seq);
      if (!learned.ok()) {
        // The events are durable and journaled. Keep the journal (no more
        // checkpoints) so that the next start replays them into the model.
        learn_failed_.store(true);
        LogError(absl::StrCat("model update failed; checkpoints are suspended "
                              "until restart: ",
                              learned.ToString()));
      }
    }
  }

  const uint64_t n = result.stored.size();
  const uint64_t before = events_since_checkpoint_.fetch_add(n);
  if (before < options_.checkpoint_after_events &&
      before + n >= options_.checkpoint_after_events) {
    absl::MutexLock lock(&checkpointer_mu_);
    checkpointer_cv_.Signal();
  }
  return std::move(result.response);
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

// --- Recommendations ----------------------------------------------------------

absl::StatusOr<std::shared_ptr<Recommender>> Recloop::FindRecommender(
    const DatasetGroupState& group, absl::string_view name) const {
  std::shared_ptr<Recommender> recommender =
      group.FindRecommender(name.empty() ? kDefaultRecommender : name);
  if (recommender == nullptr) {
    return absl::NotFoundError(absl::StrCat("recommender: ", name,
                                            " not found in dataset group ",
                                            group.description.name()));
  }
  return recommender;
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
  ASSIGN_OR_RETURN(std::shared_ptr<Recommender> recommender,
                   FindRecommender(*group, request.recommender()));
  std::vector<PastEvent> history;
  if (!request.user_id().empty()) {
    ASSIGN_OR_RETURN(history, RecentEvents(group->id, request.user_id(),
                                           options_.exclusion_history));
  }
  RecommendInput input;
  input.history = history;
  input.item_id = request.item_id();
  input.contexts = group->schema.RequestContexts(request.context());
  input.n = request.num_results() == 0 ? kDefaultNumResults : request.num_results();
  ASSIGN_OR_RETURN(std::vector<ScoredItem> items, recommender->Recommend(input));

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
  ASSIGN_OR_RETURN(std::shared_ptr<Recommender> recommender,
                   FindRecommender(*group, request.recommender()));
  std::vector<PastEvent> history;
  if (!request.user_id().empty()) {
    ASSIGN_OR_RETURN(history, RecentEvents(group->id, request.user_id(), kLearningWindow));
  }
  RecommendInput input;
  input.history = history;
  input.contexts = group->schema.RequestContexts(request.context());
  const std::vector<std::string> items(request.input_list().begin(),
                                       request.input_list().end());
  std::vector<ScoredItem> ranked = recommender->Rank(input, items);

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

absl::Status Recloop::Checkpoint() {
  absl::MutexLock serial(&checkpoint_mu_);
  if (learn_failed_.load()) {
    return absl::FailedPreconditionError(
        "a model update failed; the journal is kept for replay at the next start");
  }
  // Only the snapshot of the changed items needs writes paused; the write
  // itself runs beside new PutEvents calls.
  WriteBatch batch(*store_);
  std::vector<std::pair<std::shared_ptr<Recommender>, std::vector<uint32_t>>> taken;
  uint64_t seq;
  {
    absl::WriterMutexLock lock(&ingest_mu_);
    seq = events_->last_sequence();
    if (seq == checkpointed_seq_) return absl::OkStatus();  // Nothing new.
    for (const auto& group : registry_->AllGroups()) {
      for (auto& recommender : group->Recommenders()) {
        std::vector<uint32_t> items =
            recommender->model().TakeDirty(group->id, recommender->id(), &batch);
        taken.emplace_back(std::move(recommender), std::move(items));
      }
    }
  }
  internal::CheckpointRecord checkpoint;
  checkpoint.set_sequence(seq);
  batch.Put(Cf::kMeta, meta_key::Checkpoint(), checkpoint.SerializeAsString());
  batch.DeleteRange(Cf::kJournal, JournalKey(0), JournalKey(seq + 1));
  absl::Status written = store_->Write(&batch);
  if (!written.ok()) {
    for (const auto& [recommender, items] : taken) recommender->model().MarkDirty(items);
    return written;
  }
  checkpointed_seq_ = seq;
  events_since_checkpoint_.store(0);
  return absl::OkStatus();
}

void Recloop::CheckpointLoop() {
  absl::MutexLock lock(&checkpointer_mu_);
  while (!stopping_) {
    checkpointer_cv_.WaitWithTimeout(&checkpointer_mu_, options_.checkpoint_interval);
    if (stopping_) break;
    checkpointer_mu_.Unlock();
    absl::Status status = Checkpoint();
    if (!status.ok()) LogError(absl::StrCat("checkpoint failed: ", status.ToString()));
    checkpointer_mu_.Lock();
  }
}

}  // namespace recloop

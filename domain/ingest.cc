#include "domain/ingest.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/request_validation.h"

namespace recloop {

absl::StatusOr<v1::PutEventsResponse> EventIngest::PutEvents(
    const v1::PutEventsRequest& request) {
  RETURN_IF_ERROR(ValidatePutEventsRequest(request));
  ASSIGN_OR_RETURN(std::shared_ptr<DatasetGroupState> group,
                   registry_->FindGroupByTrackingId(request.tracking_id()));
  ASSIGN_OR_RETURN(std::vector<v1::Event> events, CompleteEvents(request, group->schema));
  ASSIGN_OR_RETURN(AppendResult result, AppendAndLearn(request, *group, events));
  checkpointer_->CountEvents(result.stored.size());
  return std::move(result.response);
}

absl::StatusOr<AppendResult> EventIngest::AppendAndLearn(
    const v1::PutEventsRequest& request, const DatasetGroupState& group,
    const std::vector<v1::Event>& events) {
  // Calls that share a session, user or event id run one at a time, so that
  // deduplication and session linking see each other's writes.
  std::vector<absl::string_view> lock_keys = {request.session_id()};
  if (!request.user_id().empty()) lock_keys.push_back(request.user_id());
  for (const v1::Event& event : events) lock_keys.push_back(event.event_id());

  absl::ReaderMutexLock ingest(ingest_mu_);
  if (registry_->FindGroupById(group.id) == nullptr) {
    return absl::NotFoundError("tracking_id: the dataset group was deleted");
  }
  StripeLocks::Guard guard(&stripes_, lock_keys);
  ASSIGN_OR_RETURN(
      std::string identity,
      events_->ResolveIdentity(group.id, request.user_id(), request.session_id()));
  ASSIGN_OR_RETURN(AppendResult result,
                   events_->Append(group.id, request.user_id(), request.session_id(),
                                   identity, events));
  if (result.linked_session) {
    // The user's history now takes in the session's events.
    windows_->Drop(group.id, request.user_id());
    windows_->Drop(group.id, request.session_id());
  }
  // A call whose events go back in time puts later-learned events before
  // earlier ones: the cache cannot stand for its windows, so it learns from
  // the store and forgets the identity's entry.
  uint64_t call_last_seq = result.stored.empty() ? 0 : result.stored.back().seq;
  for (size_t i = 1; i < result.stored.size(); ++i) {
    if (result.stored[i].sent_micros < result.stored[i - 1].sent_micros) {
      call_last_seq = Learner::kNoCache;
      windows_->Drop(group.id, identity);
      break;
    }
  }
  for (const LoggedEvent& logged : result.stored) {
    absl::Status learned = learner_->Learn(group, identity, logged, call_last_seq);
    if (!learned.ok()) {
      // The events are durable and journaled. Keep the journal (no more
      // checkpoints) so that the next start replays them into the model.
      learn_failed_->store(true);
      LogError(
          absl::StrCat("model update failed; checkpoints are suspended until restart: ",
                       learned.ToString()));
    }
  }
  return result;
}

}  // namespace recloop

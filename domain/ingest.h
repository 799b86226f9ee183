// EventIngest: PutEvents from request to learned model.
//
// A call is validated and completed, serialized with the calls that share
// its session, user or event ids, appended to the event log in one atomic
// write (acknowledged once in the WAL), and learned by the group's
// recommenders before it returns, so that the next GetRecommendations sees
// it.
#ifndef RECLOOP_DOMAIN_INGEST_H_
#define RECLOOP_DOMAIN_INGEST_H_

#include <atomic>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "domain/checkpointer.h"
#include "domain/event_log.h"
#include "domain/learner.h"
#include "domain/learning_windows.h"
#include "domain/registry.h"
#include "domain/stripe_locks.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop {

// Thread-safe.
class EventIngest {
 public:
  // `ingest_mu` is held shared from a call's write to its model update (see
  // Checkpointer). `learn_failed` is set when a stored event could not be
  // taught to its model: its journal must then be kept for the next start.
  EventIngest(const Registry* registry, EventLog* events, LearningWindows* windows,
              Learner* learner, Checkpointer* checkpointer, absl::Mutex* ingest_mu,
              std::atomic<bool>* learn_failed)
      : registry_(registry),
        events_(events),
        windows_(windows),
        learner_(learner),
        checkpointer_(checkpointer),
        ingest_mu_(ingest_mu),
        learn_failed_(learn_failed) {}

  // When this returns OK the events are durable and every later call sees
  // them.
  absl::StatusOr<v1::PutEventsResponse> PutEvents(const v1::PutEventsRequest& request);

 private:
  // Appends the completed `events` and teaches them, under the locks.
  absl::StatusOr<AppendResult> AppendAndLearn(const v1::PutEventsRequest& request,
                                              const DatasetGroupState& group,
                                              const std::vector<v1::Event>& events);

  const Registry* const registry_;
  EventLog* const events_;
  LearningWindows* const windows_;
  Learner* const learner_;
  Checkpointer* const checkpointer_;
  absl::Mutex* const ingest_mu_;
  // Serializes calls of the same identity or event id.
  StripeLocks stripes_;
  std::atomic<bool>* const learn_failed_;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_INGEST_H_

// RecommenderBuilds: teaches each new recommender the events its group
// stored before it, on a thread of its own, while PutEvents goes on.
//
// A build has three steps:
//  1. Started with writes paused (the ingest lock held exclusively), it
//     pins a snapshot of the store at the last journal sequence S, so the
//     snapshot holds exactly the events up to S, and learns them from it
//     as a synchronous build would (each owner's events in time order).
//  2. It learns the events stored after S from the journal, in sequence
//     order, each with its window as the store held it when PutEvents
//     learned it (Learner::CatchUp), round after round while writes go on
//     (in slices of 20 ms with writes paused if writers outpace it), and
//     writes its model's records in batches.
//  3. When little is left to learn or write, it pauses writes again, learns
//     the last events, copies the items changed since step 2 wrote them
//     and activates the recommender: from then on PutEvents teaches it
//     every event. Writes pause only for this, about the work of a few
//     hundred PutEvents calls and a checkpoint's copy. It then persists
//     the recommender ACTIVE, trained through the last sequence, with the
//     copy, in one write, holding the checkpoint mutex throughout so that
//     no checkpoint writes newer records of it first.
// Until then live learning and checkpoints leave the recommender alone, and
// checkpoints keep the journal entries the build has yet to learn
// (JournalNeededAfter). A build whose recommender or group is
// deleted stops and writes nothing more; one cut short by a crash or a
// shutdown is started again from scratch by the next start (the record
// says CREATE_IN_PROGRESS, and its model records are cleared first).
#ifndef RECLOOP_DOMAIN_RECOMMENDER_BUILDS_H_
#define RECLOOP_DOMAIN_RECOMMENDER_BUILDS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/event_log.h"
#include "domain/learner.h"
#include "domain/recommender_resource.h"
#include "domain/registry.h"
#include "storage/store.h"

namespace recloop {

// Thread-safe.
class RecommenderBuilds {
 public:
  // JournalNeededAfter() when no build needs the journal.
  static constexpr uint64_t kJournalNotNeeded = std::numeric_limits<uint64_t>::max();

  // `ingest_mu` is the lock PutEvents holds shared from its write to its
  // model update; `checkpoint_mu` the one checkpoints and deletions hold
  // (taken before `ingest_mu`).
  RecommenderBuilds(const Store* store, Registry* registry, const EventLog* events,
                    const Learner* learner, absl::Mutex* ingest_mu,
                    absl::Mutex* checkpoint_mu)
      : store_(store),
        registry_(registry),
        events_(events),
        learner_(learner),
        ingest_mu_(ingest_mu),
        checkpoint_mu_(checkpoint_mu) {}
  // Stops every build (StopAll).
  ~RecommenderBuilds();
  RecommenderBuilds(const RecommenderBuilds&) = delete;
  RecommenderBuilds& operator=(const RecommenderBuilds&) = delete;

  // Starts building `recommender`, registered in `group` with status
  // CREATE_IN_PROGRESS and an empty model. The caller holds `ingest_mu`
  // exclusively: the snapshot then holds every event up to the last
  // sequence, and a checkpoint that takes its state after this call keeps
  // the journal past it.
  void Start(std::shared_ptr<DatasetGroupState> group,
             std::shared_ptr<RecommenderResource> recommender);

  // Stop the build of `recommender`, or of every recommender of the group,
  // within an event or a batch of records. The caller deletes the
  // recommender (or group) first, with `ingest_mu` held exclusively, so that
  // no build activates meanwhile and the Registry refuses every later write
  // of the build; it calls Reap() once it has let go of `ingest_mu`.
  void Cancel(const RecommenderResource* recommender);
  void CancelGroup(uint32_t group_id);
  // Waits for the threads of finished and cancelled builds. The caller
  // holds neither `ingest_mu` nor anything a build waits for.
  void Reap();
  // Cancels every build and waits for its thread.
  void StopAll();

  // The last journal sequence every running build has learned: the
  // journal after it must be kept. kJournalNotNeeded without builds. A
  // checkpoint reads it with `ingest_mu` held exclusively, beside the
  // models it takes.
  uint64_t JournalNeededAfter() const;

 private:
  struct Build {
    std::shared_ptr<DatasetGroupState> group;
    std::shared_ptr<RecommenderResource> recommender;
    // The store at `learned_through` when the build started; released
    // once step 1 has read it.
    std::unique_ptr<Snapshot> snapshot;
    std::atomic<bool> cancelled{false};
    // Every journal entry up to it is learned (or the snapshot holds it);
    // kJournalNotNeeded once the build needs the journal no more.
    std::atomic<uint64_t> learned_through{0};
    std::atomic<bool> finished{false};
    std::thread thread;
  };

  // The build's thread: its three steps, then CREATE_FAILED if one failed
  // for any reason but cancellation.
  void Run(Build* build);
  absl::Status BuildRecommender(Build* build);
  struct CaughtUp {
    // Events of the group learned.
    uint64_t learned = 0;
    // False when the deadline came first.
    bool reached_end = true;
  };
  // Teaches the recommender every journaled event of its group after
  // `learned_through` that the store holds now, or those it can until
  // `deadline`.
  absl::StatusOr<CaughtUp> CatchUp(Build* build,
                                   absl::Time deadline = absl::InfiniteFuture()) const;
  // CatchUp round after round until a round learns little, or, when writers
  // outpace it, in short slices with writes paused until it has caught up.
  absl::Status CatchUpWhileWritesGoOn(Build* build) const;
  // Deletes whatever model records an earlier build of the recommender,
  // cut short, left behind.
  absl::Status ClearModelRecords(const Build& build) const;
  // Writes the records of the model's items changed since the last call,
  // in batches; returns how many. Nothing learns meanwhile.
  absl::StatusOr<size_t> WriteModelRecords(const Build& build) const;

  const Store* const store_;
  Registry* const registry_;
  const EventLog* const events_;
  const Learner* const learner_;
  absl::Mutex* const ingest_mu_;
  absl::Mutex* const checkpoint_mu_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Build>> builds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECOMMENDER_BUILDS_H_

// Checkpointer: writes every model change since the last checkpoint and
// trims the journal, periodically and after many events.
//
// A checkpoint is one atomic write of the changed model records, the
// journal sequence they reflect, and the deletion of the journal up to it
// (but for entries a recommender being created has yet to learn). Only
// taking the changed state pauses writes; the write itself runs beside new
// PutEvents calls. Recommenders being created are left out: their models
// are persisted when they turn ACTIVE.
#ifndef RECLOOP_DOMAIN_CHECKPOINTER_H_
#define RECLOOP_DOMAIN_CHECKPOINTER_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/event_log.h"
#include "domain/recommender_builds.h"
#include "domain/registry.h"
#include "storage/store.h"

namespace recloop {

// Thread-safe.
class Checkpointer {
 public:
  struct Options {
    absl::Duration interval = absl::Seconds(30);
    uint64_t after_events = 50000;
  };
  // `ingest_mu` is held shared by every PutEvents from its write to its
  // model update; a checkpoint holds it exclusively while it takes the
  // changed state. `learn_failed` set: the journal is kept for replay.
  // `builds`: the journal they still need is kept. `checkpointed_seq`: the
  // sequence of the checkpoint the store holds.
  // `mu` is held by each checkpoint and by whoever must not interleave
  // with one (deleting a group or a recommender, activating a new one);
  // taken before `ingest_mu`.
  Checkpointer(const Options& options, Store* store, const Registry* registry,
               const EventLog* events, const RecommenderBuilds* builds, absl::Mutex* mu,
               absl::Mutex* ingest_mu, const std::atomic<bool>* learn_failed,
               uint64_t checkpointed_seq);
  // Stops the thread (no final checkpoint: see Recloop).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Starts checkpointing every `interval` on a thread of its own.
  void Start();
  // Stops that thread; Checkpoint() still works.
  void Stop();

  absl::Status Checkpoint();
  uint64_t checkpointed_sequence() {
    absl::MutexLock lock(mu_);
    return checkpointed_seq_;
  }
  // Counts `n` newly stored events; past `after_events` since the last
  // checkpoint, the thread checkpoints at once.
  void CountEvents(uint64_t n);

  absl::Mutex* mutex() ABSL_LOCK_RETURNED(mu_) { return mu_; }

 private:
  void Loop();

  const Options options_;
  Store* const store_;
  const Registry* const registry_;
  const EventLog* const events_;
  const RecommenderBuilds* const builds_;
  absl::Mutex* const ingest_mu_;
  const std::atomic<bool>* const learn_failed_;

  absl::Mutex* const mu_;
  uint64_t checkpointed_seq_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> events_since_{0};

  absl::Mutex loop_mu_;
  absl::CondVar loop_cv_;
  bool stopping_ ABSL_GUARDED_BY(loop_mu_) = false;
  std::thread thread_;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_CHECKPOINTER_H_

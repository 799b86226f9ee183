#include "domain/checkpointer.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "domain/model_codec.h"
#include "recloop/internal/records.pb.h"
#include "storage/keys.h"

namespace recloop {

Checkpointer::Checkpointer(const Options& options, Store* store, const Registry* registry,
                           const EventLog* events, const RecommenderBuilds* builds,
                           absl::Mutex* mu, absl::Mutex* ingest_mu,
                           const std::atomic<bool>* learn_failed, uint64_t checkpointed_seq)
    : options_(options),
      store_(store),
      registry_(registry),
      events_(events),
      builds_(builds),
      ingest_mu_(ingest_mu),
      learn_failed_(learn_failed),
      mu_(mu),
      checkpointed_seq_(checkpointed_seq) {}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Checkpointer::Stop() {
  {
    absl::MutexLock lock(&loop_mu_);
    stopping_ = true;
    loop_cv_.Signal();
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status Checkpointer::Checkpoint() {
  absl::MutexLock serial(mu_);
  if (learn_failed_->load()) {
    return absl::FailedPreconditionError(
        "a model update failed; the journal is kept for replay at the next start");
  }
  // Writes pause only while the changed state is copied; it is encoded
  // and written beside new PutEvents calls.
  std::vector<std::pair<std::shared_ptr<RecommenderResource>, ModelSnapshot>> taken;
  uint64_t seq;
  uint64_t journal_needed_after;
  {
    absl::WriterMutexLock lock(ingest_mu_);
    seq = events_->last_sequence();
    if (seq == checkpointed_seq_) return absl::OkStatus();  // Nothing new.
    journal_needed_after = builds_->JournalNeededAfter();
    for (const auto& group : registry_->AllGroups()) {
      for (auto& recommender : group->Recommenders()) {
        // Its builder is teaching it; it is persisted when it turns ACTIVE.
        if (!recommender->active()) continue;
        ModelSnapshot snapshot =
            SnapshotModel(&recommender->model(), group->id, recommender->id());
        taken.emplace_back(std::move(recommender), std::move(snapshot));
      }
    }
  }
  WriteBatch batch(*store_);
  for (const auto& [recommender, snapshot] : taken) EncodeSnapshot(snapshot, &batch);
  internal::CheckpointRecord checkpoint;
  checkpoint.set_sequence(seq);
  batch.Put(Cf::kMeta, meta_key::Checkpoint(), checkpoint.SerializeAsString());
  // Replay starts after `seq` either way; entries up to it that a build
  // has yet to learn go with a later checkpoint.
  batch.DeleteRange(Cf::kJournal, JournalKey(0),
                    JournalKey(std::min(seq, journal_needed_after) + 1));
  absl::Status written = store_->Write(&batch);
  if (!written.ok()) {
    for (const auto& [recommender, snapshot] : taken) {
      recommender->model().MarkDirty(snapshot.indexes());
    }
    return written;
  }
  checkpointed_seq_ = seq;
  events_since_.store(0);
  return absl::OkStatus();
}

void Checkpointer::CountEvents(uint64_t n) {
  const uint64_t before = events_since_.fetch_add(n);
  if (before < options_.after_events && before + n >= options_.after_events) {
    absl::MutexLock lock(&loop_mu_);
    loop_cv_.Signal();
  }
}

void Checkpointer::Loop() {
  absl::MutexLock lock(&loop_mu_);
  while (!stopping_) {
    loop_cv_.WaitWithTimeout(&loop_mu_, options_.interval);
    if (stopping_) break;
    loop_mu_.Unlock();
    absl::Status status = Checkpoint();
    if (!status.ok()) LogError(absl::StrCat("checkpoint failed: ", status.ToString()));
    loop_mu_.Lock();
  }
}

}  // namespace recloop

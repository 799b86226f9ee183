#include "domain/recommender_builds.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/model_codec.h"
#include "domain/recovery.h"
#include "storage/keys.h"

namespace recloop {
namespace {

// A catch-up ends once a round learned at most this many events: writes
// pause only while step 3 learns what arrived during the last round, about
// as long as a few hundred PutEvents take.
constexpr uint64_t kActivationBacklog = 256;
// Writers that store events faster than a build learns them would keep a
// catch-up going for ever. After this many rounds that did not shrink the
// backlog by a quarter, the build learns in slices of at most kSlice with
// writes paused, with ever shorter gaps between them until it has caught
// up: a PutEvents then waits at most about one slice.
constexpr int kMaxRoundsWithoutProgress = 4;
constexpr absl::Duration kSlice = absl::Milliseconds(20);
constexpr absl::Duration kShortestGap = absl::Milliseconds(1);
// Step 2 writes the model's records until a write held at most this many
// items (step 3 copies, with writes paused, only those changed since), or
// this many times: while events arrive, each event changes about 70 items,
// and the changed set settles where writing it takes as long as the events
// that change it (about 10,000 items at 500 events/s).
constexpr size_t kActivationItems = 1024;
constexpr int kMaxModelWrites = 8;
// Items per write of step 2. A PutEvents waits for the write ahead of it
// in RocksDB's queue: 512 items per write raised its p99 4x, 64 items
// about 1.4x; step 2 also rests as long as each write took (with 64 items
// and no rest, p99 was 1.4-3.4x).
constexpr size_t kItemsPerWrite = 64;

absl::Status Stopped() {
  return absl::CancelledError("the recommender's creation was stopped");
}

}  // namespace

RecommenderBuilds::~RecommenderBuilds() { StopAll(); }

void RecommenderBuilds::Start(std::shared_ptr<DatasetGroupState> group,
                              std::shared_ptr<RecommenderResource> recommender) {
  auto build = std::make_unique<Build>();
  build->group = std::move(group);
  build->recommender = std::move(recommender);
  build->snapshot = store_->NewSnapshot();
  build->learned_through.store(events_->last_sequence());
  Build* started = build.get();
  absl::MutexLock lock(&mu_);
  started->thread = std::thread([this, started] { Run(started); });
  builds_.push_back(std::move(build));
}

void RecommenderBuilds::Cancel(const RecommenderResource* recommender) {
  absl::MutexLock lock(&mu_);
  for (const auto& build : builds_) {
    if (build->recommender.get() == recommender) build->cancelled.store(true);
  }
}

void RecommenderBuilds::CancelGroup(uint32_t group_id) {
  absl::MutexLock lock(&mu_);
  for (const auto& build : builds_) {
    if (build->group->id == group_id) build->cancelled.store(true);
  }
}

void RecommenderBuilds::Reap() {
  std::vector<std::unique_ptr<Build>> ended;
  {
    absl::MutexLock lock(&mu_);
    auto running = std::stable_partition(
        builds_.begin(), builds_.end(), [](const std::unique_ptr<Build>& build) {
          return !build->finished.load() && !build->cancelled.load();
        });
    std::move(running, builds_.end(), std::back_inserter(ended));
    builds_.erase(running, builds_.end());
  }
  // A cancelled build notices within one event, or once it gets the ingest
  // lock, which the caller does not hold.
  for (auto& build : ended) {
    if (build->thread.joinable()) build->thread.join();
  }
}

void RecommenderBuilds::StopAll() {
  {
    absl::MutexLock lock(&mu_);
    for (const auto& build : builds_) build->cancelled.store(true);
  }
  Reap();
}

uint64_t RecommenderBuilds::JournalNeededAfter() const {
  absl::MutexLock lock(&mu_);
  uint64_t needed = kJournalNotNeeded;
  for (const auto& build : builds_) {
    needed = std::min(needed, build->learned_through.load());
  }
  return needed;
}

void RecommenderBuilds::Run(Build* build) {
  const absl::Status status = BuildRecommender(build);
  build->snapshot.reset();
  if (!status.ok() && !build->cancelled.load()) {
    LogError(absl::StrCat("creating recommender ", build->recommender->name(),
                          " of dataset group ", build->group->description.name(),
                          " failed: ", status.ToString()));
    registry_->FailRecommender(*build->group, build->recommender.get(),
                               std::string(status.message()));
  }
  build->learned_through.store(kJournalNotNeeded);
  build->finished.store(true);
}

absl::Status RecommenderBuilds::BuildRecommender(Build* build) {
  const absl::Time started = absl::Now();
  // 1. The events stored before the build, from its snapshot.
  RETURN_IF_ERROR(learner_->LearnStoredEvents(*build->group, build->recommender.get(),
                                              *build->snapshot, build->cancelled));
  build->snapshot.reset();
  // 2. The events stored since, from the journal, and the model's records,
  // while writes go on; until little is left for step 3.
  RETURN_IF_ERROR(ClearModelRecords(*build));
  size_t written = std::numeric_limits<size_t>::max();
  for (int writes = 0;; ++writes) {
    RETURN_IF_ERROR(CatchUpWhileWritesGoOn(build));
    if (written <= kActivationItems || writes == kMaxModelWrites) break;
    ASSIGN_OR_RETURN(written, WriteModelRecords(*build));
  }
  // 3. The last few events with writes paused, so that none is stored
  // between the last one learned and the switch to live learning. Writes
  // pause only for that and for copying the model's changed items; the
  // copy is written after, with no checkpoint (nor deletion) in between,
  // so none can write newer records of the recommender first.
  absl::MutexLock checkpoint(checkpoint_mu_);
  uint64_t trained_through;
  ModelSnapshot changed;
  absl::Duration paused;
  {
    absl::WriterMutexLock lock(ingest_mu_);
    if (build->cancelled.load()) return Stopped();
    const absl::Time pause = absl::Now();
    RETURN_IF_ERROR(CatchUp(build).status());
    trained_through = events_->last_sequence();
    changed = SnapshotModel(&build->recommender->model(), build->group->id,
                            build->recommender->id());
    build->recommender->Activate(trained_through);
    // A crash before the write below leaves the record CREATE_IN_PROGRESS:
    // the next start builds it again from the stored events.
    build->learned_through.store(kJournalNotNeeded);
    paused = absl::Now() - pause;
  }
  const absl::Status persisted = registry_->PersistActivation(
      *build->group, *build->recommender, trained_through, changed);
  if (!persisted.ok()) {
    // It serves and learns already; later checkpoints write its model, and
    // a restart, finding it CREATE_IN_PROGRESS, builds it again.
    build->recommender->model().MarkDirty(changed.indexes());
    LogError(absl::StrCat("recommender ", build->recommender->name(), " of dataset group ",
                          build->group->description.name(),
                          " is ACTIVE but could not be persisted so: ",
                          persisted.ToString()));
  }
  LogInfo(absl::StrCat("recommender ", build->recommender->name(), " of dataset group ",
                       build->group->description.name(), " is ACTIVE, built in ",
                       absl::FormatDuration(absl::Now() - started), " (writes paused for ",
                       absl::FormatDuration(paused), ")"));
  return absl::OkStatus();
}

absl::Status RecommenderBuilds::CatchUpWhileWritesGoOn(Build* build) const {
  uint64_t smallest_round = kJournalNotNeeded;
  for (int rounds_without_progress = 0;
       rounds_without_progress < kMaxRoundsWithoutProgress;) {
    ASSIGN_OR_RETURN(const CaughtUp round, CatchUp(build));
    if (round.learned <= kActivationBacklog) return absl::OkStatus();
    if (round.learned <= smallest_round / 4 * 3) {
      smallest_round = round.learned;
      rounds_without_progress = 0;
    } else {
      ++rounds_without_progress;
    }
  }
  absl::Duration gap = kSlice;
  for (;;) {
    {
      absl::WriterMutexLock lock(ingest_mu_);
      if (build->cancelled.load()) return Stopped();
      ASSIGN_OR_RETURN(const CaughtUp slice, CatchUp(build, absl::Now() + kSlice));
      if (slice.reached_end) return absl::OkStatus();
    }
    absl::SleepFor(gap);
    gap = std::max(kShortestGap, gap / 2);
  }
}

absl::Status RecommenderBuilds::ClearModelRecords(const Build& build) const {
  WriteBatch batch(*store_);
  const std::string model = ModelPrefix(build.group->id, build.recommender->id());
  batch.DeleteRange(Cf::kModel, model, PrefixSuccessor(model));
  return registry_->WriteModelRecords(*build.group, *build.recommender, &batch);
}

absl::StatusOr<size_t> RecommenderBuilds::WriteModelRecords(const Build& build) const {
  ItemModel& model = build.recommender->model();
  const std::vector<uint32_t> items = model.TakeDirty();
  for (size_t begin = 0; begin < items.size(); begin += kItemsPerWrite) {
    if (build.cancelled.load()) return Stopped();
    const absl::Span<const uint32_t> chunk =
        absl::MakeConstSpan(items).subspan(begin, kItemsPerWrite);
    const absl::Time start = absl::Now();
    WriteBatch batch(*store_);
    AddModelRecords(model, build.group->id, build.recommender->id(), chunk, &batch);
    RETURN_IF_ERROR(registry_->WriteModelRecords(*build.group, *build.recommender, &batch));
    absl::SleepFor(absl::Now() - start);  // Room for PutEvents' writes.
  }
  return items.size();
}

absl::StatusOr<RecommenderBuilds::CaughtUp> RecommenderBuilds::CatchUp(
    Build* build, absl::Time deadline) const {
  const DatasetGroupState& group = *build->group;
  CaughtUp caught_up;
  const absl::Status visited = VisitJournal(
      *store_, build->learned_through.load(),
      [&](uint64_t seq, const internal::JournalEntry& entry) -> absl::Status {
        if (build->cancelled.load(std::memory_order_relaxed)) return Stopped();
        if (absl::Now() >= deadline) {
          caught_up.reached_end = false;
          return absl::DeadlineExceededError("");
        }
        if (entry.group_id() == group.id) {
          ASSIGN_OR_RETURN(absl::optional<JournaledEvent> event,
                           ReadJournaledEvent(*store_, *events_, group, entry));
          if (event) {
            RETURN_IF_ERROR(learner_->CatchUp(group, build->recommender.get(),
                                              event->identity, event->logged,
                                              event->visible_sequence));
            ++caught_up.learned;
          }
        }
        build->learned_through.store(seq);
        return absl::OkStatus();
      });
  if (!visited.ok() && caught_up.reached_end) return visited;
  return caught_up;
}

}  // namespace recloop

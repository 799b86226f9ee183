#include "domain/learner.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "common/proto_time.h"
#include "common/status_macros.h"

namespace recloop {

absl::Status Learner::Learn(const DatasetGroupState& group, absl::string_view identity,
                            const LoggedEvent& logged, uint64_t call_last_seq) {
  ASSIGN_OR_RETURN(std::vector<PastEvent> window,
                   WindowBefore(group.id, identity, logged, call_last_seq));
  return Teach(group, logged, std::move(window));
}

absl::StatusOr<std::vector<PastEvent>> Learner::ReplayWindow(uint32_t group_id,
                                                             absl::string_view identity,
                                                             const LoggedEvent& logged,
                                                             uint64_t visible_seq) const {
  if (logged.event.event().item_id().empty()) return std::vector<PastEvent>();
  return events_->RecentEvents(group_id, identity, kLearningWindow,
                               HistoryBound{logged.sent_micros, logged.seq, visible_seq});
}

absl::Status Learner::CatchUp(const DatasetGroupState& group,
                              RecommenderResource* recommender,
                              absl::string_view identity, const LoggedEvent& logged,
                              uint64_t visible_seq) const {
  ASSIGN_OR_RETURN(std::vector<PastEvent> window,
                   ReplayWindow(group.id, identity, logged, visible_seq));
  if (!Learnable(logged, &window)) return absl::OkStatus();
  recommender->engine().Learn(LearnedEventOf(group, logged), window);
  return absl::OkStatus();
}

bool Learner::Learnable(const LoggedEvent& logged, std::vector<PastEvent>* window) {
  if (!logged.event.event().item_id().empty()) return true;
  if (logged.event.effective_impression().empty()) return false;
  window->clear();  // impressions alone learn without a window
  return true;
}

absl::Status Learner::Teach(const DatasetGroupState& group, const LoggedEvent& logged,
                            std::vector<PastEvent> window) const {
  if (!Learnable(logged, &window)) return absl::OkStatus();
  const LearnedEvent learned = LearnedEventOf(group, logged);
  for (const auto& recommender : group.Recommenders()) {
    // A recommender being created learns the events stored meanwhile from
    // the journal, in order, before it turns ACTIVE.
    if (recommender->active() && logged.seq > recommender->trained_through()) {
      recommender->engine().Learn(learned, window);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PastEvent>> Learner::WindowBefore(uint32_t group_id,
                                                             absl::string_view identity,
                                                             const LoggedEvent& logged,
                                                             uint64_t call_last_seq) {
  const v1::Event& event = logged.event.event();
  const HistoryPosition at{logged.sent_micros, logged.seq};
  const HistoryBound before{logged.sent_micros, logged.seq};
  const bool cached = call_last_seq != kNoCache;
  if (cached) {
    if (absl::optional<LearningWindows::Hit> hit =
            windows_->Before(group_id, identity, at)) {
      windows_->Advance(group_id, identity, hit->token, at, PastEventOf(event));
      return std::move(hit->items);
    }
  }
  if (event.item_id().empty()) return std::vector<PastEvent>();
  if (!cached) return events_->RecentEvents(group_id, identity, kLearningWindow, before);
  // The store already holds this call's later events (seqs up to
  // call_last_seq); read past them to this event and its window.
  const uint64_t later = std::max(call_last_seq, logged.seq) - logged.seq;
  const size_t limit = kLearningWindow + 1 + later;
  ASSIGN_OR_RETURN(std::vector<LoggedEvent> history,
                   events_->ReadHistory(group_id, identity, limit));
  size_t j = 0;
  bool only_later_of_this_call = true;
  while (j < history.size() && history[j].seq != logged.seq) {
    if (history[j].seq < logged.seq || history[j].seq > call_last_seq) {
      only_later_of_this_call = false;
    }
    ++j;
  }
  // Sent before more events than the read allowed for (a replay, or an
  // event older than what the identity sent before): its window is further
  // back than the read reaches, whole or in part.
  if (j == history.size() || (history.size() == limit && j > later)) {
    return events_->RecentEvents(group_id, identity, kLearningWindow, before);
  }
  std::vector<PastEvent> recent;
  for (size_t i = j; i < history.size() && recent.size() <= kLearningWindow; ++i) {
    recent.push_back(PastEventOf(history[i].event.event()));
  }
  std::vector<PastEvent> window;
  for (size_t i = 1; i < recent.size(); ++i) {
    if (!recent[i].item_id.empty()) window.push_back(recent[i]);
  }
  // The cache may start at this event when everything newer in the store is
  // this call's yet-unlearned events, which advance it in turn.
  if (only_later_of_this_call) windows_->Fill(group_id, identity, at, std::move(recent));
  return window;
}

absl::Status Learner::LearnStoredEvents(const DatasetGroupState& group,
                                        RecommenderResource* recommender,
                                        const Snapshot& snapshot,
                                        const std::atomic<bool>& cancelled) const {
  Owner owner{Owner::Kind::kUser, ""};
  bool first = true;
  std::deque<PastEvent> recent;  // The owner's item events, most recent first.
  return events_->ScanGroup(
      group.id, &snapshot, [&](const Owner& event_owner, const LoggedEvent& logged) {
        if (cancelled.load(std::memory_order_relaxed)) {
          return absl::CancelledError("the recommender's creation was stopped");
        }
        if (first || !(event_owner == owner)) {
          owner = event_owner;
          first = false;
          recent.clear();
        }
        const std::vector<PastEvent> window(recent.begin(), recent.end());
        recommender->engine().Learn(LearnedEventOf(group, logged), window);
        const v1::Event& event = logged.event.event();
        if (!event.item_id().empty()) {
          recent.push_front(PastEventOf(event));
          if (recent.size() > kLearningWindow) recent.pop_back();
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<std::vector<PastEvent>> Learner::RecentEvents(uint32_t group_id,
                                                             absl::string_view id,
                                                             size_t limit) const {
  if (auto cached = windows_->Recent(group_id, id, limit)) return *std::move(cached);
  return events_->RecentEvents(group_id, id, limit);
}

LearnedEvent Learner::LearnedEventOf(const DatasetGroupState& group,
                                     const LoggedEvent& logged) const {
  const v1::Event& event = logged.event.event();
  LearnedEvent learned;
  learned.item_id = event.item_id();
  learned.event_type = event.event_type();
  if (event.has_event_value()) learned.event_value = event.event_value();
  // The model's "now" is the latest time it learned (trending's decay, item
  // age): one event sent far ahead of the server's clock would make every
  // other item look old. The cap depends only on what is stored with the
  // event, so replay and a new recommender's backfill learn the time live
  // learning did, whenever they run.
  learned.sent_at = absl::FromUnixMicros(logged.sent_micros);
  if (logged.event.has_received_at()) {
    learned.sent_at =
        std::min(learned.sent_at,
                 FromProtoTimestamp(logged.event.received_at()) + max_clock_skew_);
  }
  learned.contexts = group.schema.EventContexts(event.properties());
  learned.impressions.assign(logged.event.effective_impression().begin(),
                             logged.event.effective_impression().end());
  return learned;
}

}  // namespace recloop

#include "client/event_buffer.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "common/proto_time.h"
#include "common/uuid.h"

namespace recloop::client {

EventBuffer::EventBuffer(Client* client, EventBufferOptions options)
    : client_(client), options_([&] {
        options.max_batch_events = std::clamp(options.max_batch_events, 1, 10);
        options.max_buffered_events = std::max(options.max_buffered_events, 1);
        options.senders = std::max(options.senders, 1);
        return options;
      }()) {
  {
    absl::MutexLock lock(&mu_);
    shards_.resize(options_.senders);
  }
  for (int i = 0; i < options_.senders; ++i) {
    senders_.emplace_back([this, i] { SendLoop(i); });
  }
}

EventBuffer::~EventBuffer() { (void)Close(); }

absl::Status EventBuffer::Add(absl::string_view tracking_id, absl::string_view user_id,
                              absl::string_view session_id, v1::Event event) {
  if (tracking_id.empty()) return absl::InvalidArgumentError("tracking_id is required");
  if (session_id.empty()) return absl::InvalidArgumentError("session_id is required");
  if (event.event_id().empty()) event.set_event_id(NewUuid());
  const absl::Time now = absl::Now();
  if (!event.has_sent_at()) *event.mutable_sent_at() = ToProtoTimestamp(now);

  Key key(tracking_id, user_id, session_id);
  const size_t shard_index = absl::HashOf(key) % options_.senders;
  absl::MutexLock lock(&mu_);
  auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || buffered_ < options_.max_buffered_events;
  };
  mu_.Await(absl::Condition(&has_room));
  if (closed_) return absl::FailedPreconditionError("the event buffer is closed");

  Shard& shard = shards_[shard_index];
  auto it = shard.by_key.find(key);
  if (it == shard.by_key.end()) {
    shard.filling.push_back(Batch{key, {}, now + options_.max_delay});
    it = shard.by_key.emplace(std::move(key), std::prev(shard.filling.end())).first;
  }
  std::list<Batch>::iterator batch = it->second;
  batch->events.push_back(std::move(event));
  ++buffered_;
  ++stats_.accepted;
  if (static_cast<int>(batch->events.size()) >= options_.max_batch_events) {
    shard.ready.push_back(std::move(*batch));
    shard.filling.erase(batch);
    shard.by_key.erase(it);
  }
  return absl::OkStatus();
}

void EventBuffer::MoveDue(Shard& shard, absl::Time now, bool all) {
  // Batches are created in time order, so the due ones lead the list.
  while (!shard.filling.empty() && (all || shard.filling.front().due <= now)) {
    shard.by_key.erase(shard.filling.front().key);
    shard.ready.push_back(std::move(shard.filling.front()));
    shard.filling.pop_front();
  }
}

bool EventBuffer::Idle() const {
  for (const Shard& shard : shards_) {
    if (!shard.ready.empty() || shard.sending > 0) return false;
  }
  return true;
}

absl::Status EventBuffer::Flush() {
  absl::MutexLock lock(&mu_);
  for (Shard& shard : shards_) MoveDue(shard, absl::Now(), /*all=*/true);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return Idle(); };
  mu_.Await(absl::Condition(&idle));
  return std::exchange(first_error_, absl::OkStatus());
}

absl::Status EventBuffer::Close() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  absl::Status status = Flush();
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& sender : senders_) {
    if (sender.joinable()) sender.join();
  }
  return status;
}

EventBufferStats EventBuffer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void EventBuffer::SendLoop(int shard_index) {
  absl::MutexLock lock(&mu_);
  Shard& shard = shards_[shard_index];
  absl::Time due = absl::InfiniteFuture();  // of the oldest filling batch
  // Wakes for work, for stopping, or for a batch due before `due` (one
  // created while the shard had none filling).
  auto wake = [this, &shard, &due]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !shard.ready.empty() || stop_ ||
           (!shard.filling.empty() && shard.filling.front().due < due);
  };
  while (true) {
    MoveDue(shard, absl::Now(), /*all=*/stop_);
    if (!shard.ready.empty()) {
      Batch batch = std::move(shard.ready.front());
      shard.ready.pop_front();
      ++shard.sending;
      mu_.Unlock();
      Send(batch);
      mu_.Lock();
      --shard.sending;
      buffered_ -= static_cast<int64_t>(batch.events.size());
      continue;
    }
    if (stop_) return;
    due = shard.filling.empty() ? absl::InfiniteFuture() : shard.filling.front().due;
    mu_.AwaitWithDeadline(absl::Condition(&wake), due);
  }
}

void EventBuffer::Send(const Batch& batch) {
  v1::PutEventsRequest request;
  request.set_tracking_id(std::get<0>(batch.key));
  request.set_user_id(std::get<1>(batch.key));
  request.set_session_id(std::get<2>(batch.key));
  for (const v1::Event& event : batch.events) *request.add_event_list() = event;
  absl::StatusOr<v1::PutEventsResponse> response = client_->PutEvents(request);
  {
    absl::MutexLock lock(&mu_);
    ++stats_.calls;
    if (response.ok()) {
      stats_.stored += response->stored_count();
      stats_.duplicates += response->duplicate_count();
    } else {
      stats_.failed += static_cast<int64_t>(batch.events.size());
      if (first_error_.ok()) first_error_ = response.status();
    }
  }
  if (!response.ok() && options_.on_error) options_.on_error(response.status(), request);
}

}  // namespace recloop::client

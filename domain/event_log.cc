#include "domain/event_log.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "recloop/internal/records.pb.h"

namespace recloop {

PastEvent PastEventOf(const v1::Event& event) {
  PastEvent past{event.item_id(), event.event_type(), absl::nullopt};
  if (event.has_event_value()) past.event_value = event.event_value();
  return past;
}

namespace {

uint64_t ContentHash(const v1::Event& event) {
  EventContent content;
  content.event_type = event.event_type();
  content.item_id = event.item_id();
  if (event.has_event_value()) content.event_value = event.event_value();
  content.properties = event.properties();
  content.impression.assign(event.impression().begin(), event.impression().end());
  content.recommendation_id = event.recommendation_id();
  // The key has sent_at to the microsecond; the rest tells apart events
  // sent nanoseconds apart.
  content.sub_micro_nanos = static_cast<uint32_t>(event.sent_at().nanos() % 1000);
  return EventContentHash(content);
}

}  // namespace

absl::StatusOr<AppendResult> EventLog::Append(uint32_t group_id,
                                              absl::string_view user_id,
                                              absl::string_view session_id,
                                              absl::string_view identity,
                                              absl::Span<const v1::Event> events) {
  const Owner owner = user_id.empty() ? Owner::Session(session_id) : Owner::User(user_id);
  // Identical events are duplicates for the same user *or* the same
  // session, so both get a content key.
  std::vector<Owner> content_owners = {Owner::Session(session_id)};
  if (!user_id.empty()) content_owners.push_back(Owner::User(user_id));
  const auto received_at = ToProtoTimestamp(clock_->Now());
  AppendResult result;
  WriteBatch batch(*store_);
  // Dedup keys of this batch: a batch may repeat an event too.
  absl::flat_hash_set<std::string> batch_keys;
  std::vector<std::string> event_keys;

  for (const v1::Event& event : events) {
    v1::PutEventResult* outcome = result.response.add_results();
    outcome->set_event_id(event.event_id());
    const int64_t sent = ToMicros(event.sent_at());
    const uint64_t hash = ContentHash(event);
    std::vector<std::string> dedup_keys = {EventIdKey(group_id, event.event_id())};
    for (const Owner& o : content_owners) {
      dedup_keys.push_back(EventContentKey(group_id, o, sent, hash));
    }
    ASSIGN_OR_RETURN(bool duplicate, AnyStored(dedup_keys, batch_keys));
    if (duplicate) {
      outcome->set_duplicate(true);
      continue;
    }
    LoggedEvent logged;
    logged.sent_micros = sent;
    logged.seq = last_seq_.fetch_add(1) + 1;
    v1::StoredEvent& stored = logged.event;
    stored.set_user_id(std::string(user_id));
    stored.set_session_id(std::string(session_id));
    *stored.mutable_event() = event;
    *stored.mutable_received_at() = received_at;
    RETURN_IF_ERROR(DeriveFromCitedList(group_id, &stored));

    const std::string& key =
        event_keys.emplace_back(EventKey(group_id, owner, sent, logged.seq));
    batch.Put(Cf::kEvents, key, stored.SerializeAsString());
    batch.Put(Cf::kDedup, dedup_keys[0], key);
    for (size_t k = 1; k < dedup_keys.size(); ++k) {
      batch.Put(Cf::kDedup, dedup_keys[k], "");
    }
    for (std::string& k : dedup_keys) batch_keys.insert(std::move(k));
    result.stored.push_back(std::move(logged));
  }
  // Each event is learned with the store as it is after this write.
  for (size_t i = 0; i < result.stored.size(); ++i) {
    internal::JournalEntry journal;
    journal.set_group_id(group_id);
    journal.set_event_key(event_keys[i]);
    journal.set_identity(std::string(identity));
    journal.set_visible_sequence(result.stored.back().seq);
    batch.Put(Cf::kJournal, JournalKey(result.stored[i].seq),
              journal.SerializeAsString());
  }
  if (!user_id.empty()) {
    const uint64_t first_seq =
        result.stored.empty() ? last_seq_.load() + 1 : result.stored.front().seq;
    ASSIGN_OR_RETURN(result.linked_session,
                     LinkSession(group_id, user_id, session_id, first_seq, &batch));
  }
  if (batch.Count() > 0) RETURN_IF_ERROR(store_->Write(&batch));

  result.response.set_stored_count(static_cast<int32_t>(result.stored.size()));
  result.response.set_duplicate_count(
      static_cast<int32_t>(events.size() - result.stored.size()));
  return result;
}

absl::StatusOr<bool> EventLog::AnyStored(
    const std::vector<std::string>& dedup_keys,
    const absl::flat_hash_set<std::string>& batch_keys) const {
  std::string scratch;
  for (const std::string& key : dedup_keys) {
    if (batch_keys.contains(key)) return true;
    ASSIGN_OR_RETURN(bool stored, store_->Get(Cf::kDedup, key, &scratch));
    if (stored) return true;
  }
  return false;
}

absl::Status EventLog::DeriveFromCitedList(uint32_t group_id,
                                           v1::StoredEvent* stored) const {
  const v1::Event& event = stored->event();
  absl::optional<internal::ServedList> served;
  if (!event.recommendation_id().empty()) {
    ASSIGN_OR_RETURN(served, served_->Lookup(event.recommendation_id(), group_id));
  }
  if (event.impression_size() > 0) {
    *stored->mutable_effective_impression() = event.impression();
  } else if (served) {
    *stored->mutable_effective_impression() = served->item_ids();
  }
  const std::string& explicit_source =
      event.metric_attribution().event_attribution_source();
  if (!explicit_source.empty()) {
    stored->set_attribution_source(explicit_source);
  } else if (served) {
    stored->set_attribution_source(served->recommender());
  } else {
    stored->set_attribution_source(kSourceNameUndefined);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> EventLog::LinkSession(uint32_t group_id, absl::string_view user_id,
                                           absl::string_view session_id,
                                           uint64_t first_seq, WriteBatch* batch) const {
  // The first event that carries both ids links the session to the user; a
  // session belongs to one user, so later links are ignored.
  const std::string link_key = SessionLinkKey(group_id, session_id);
  std::string scratch;
  ASSIGN_OR_RETURN(bool linked, store_->Get(Cf::kSessions, link_key, &scratch));
  if (linked) return false;
  batch->Put(Cf::kSessions, link_key, user_id);
  batch->Put(Cf::kSessions, UserSessionKey(group_id, user_id, session_id),
             EncodeLinkSequence(first_seq));
  return true;
}

absl::StatusOr<uint64_t> EventLog::LinkSequence(uint32_t group_id,
                                                absl::string_view user_id,
                                                absl::string_view session_id) const {
  std::string value;
  ASSIGN_OR_RETURN(
      bool found,
      store_->Get(Cf::kSessions, UserSessionKey(group_id, user_id, session_id), &value));
  return found ? DecodeLinkSequence(value) : 0;
}

absl::StatusOr<std::vector<Owner>> EventLog::HistorySources(uint32_t group_id,
                                                            absl::string_view id,
                                                            uint64_t as_of) const {
  std::vector<Owner> sources = {Owner::User(id)};
  // The anonymous session of the same name, unless it belongs to someone
  // else (by `as_of`).
  ASSIGN_OR_RETURN(auto session_owner, LinkedUser(group_id, id));
  bool own_session = !session_owner || *session_owner == id;
  if (!own_session && as_of != 0) {
    ASSIGN_OR_RETURN(uint64_t linked_at, LinkSequence(group_id, *session_owner, id));
    own_session = linked_at > as_of;
  }
  if (own_session) sources.push_back(Owner::Session(id));
  const std::string prefix = UserSessionsPrefix(group_id, id);
  auto cursor = store_->NewPrefixCursor(Cf::kSessions, prefix);
  for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
    absl::string_view session = SessionOfUserSessionKey(cursor->key(), prefix);
    if (session == id) continue;
    if (as_of != 0 && DecodeLinkSequence(cursor->value()) > as_of) continue;
    sources.push_back(Owner::Session(session));
  }
  RETURN_IF_ERROR(cursor->status());
  return sources;
}

absl::StatusOr<size_t> EventLog::VisitHistory(
    uint32_t group_id, absl::string_view id, size_t limit,
    absl::optional<HistoryBound> before,
    absl::FunctionRef<absl::Status(int64_t, uint64_t, absl::string_view)> visit) const {
  const uint64_t as_of = before ? before->as_of : 0;
  ASSIGN_OR_RETURN(std::vector<Owner> sources, HistorySources(group_id, id, as_of));
  for (const Owner& source : sources) {
    const std::string prefix = OwnerPrefix(group_id, source);
    auto cursor = store_->NewPrefixCursor(Cf::kEvents, prefix);
    // Keys run newest first, so "the events before `before`" start right
    // after its key.
    if (before) {
      const std::string bound =
          EventKey(group_id, source, before->sent_micros, before->seq);
      cursor->Seek(bound);
      if (cursor->Valid() && cursor->key() == bound) cursor->Next();
    } else {
      cursor->SeekToFirst();
    }
    for (size_t n = 0; n < limit && cursor->Valid(); cursor->Next()) {
      int64_t sent_micros;
      uint64_t seq;
      if (!ParseEventKeySuffix(cursor->key(), prefix.size(), &sent_micros, &seq)) {
        return absl::DataLossError("event key with a malformed suffix");
      }
      if (as_of != 0 && seq > as_of) continue;  // Stored later.
      RETURN_IF_ERROR(visit(sent_micros, seq, cursor->value()));
      ++n;
    }
    RETURN_IF_ERROR(cursor->status());
  }
  return sources.size();
}

namespace {

// Newest first: (sent_micros, seq) descending.
template <typename T>
void SortNewestFirst(std::vector<T>* events) {
  std::sort(events->begin(), events->end(), [](const T& a, const T& b) {
    if (a.sent_micros != b.sent_micros) return a.sent_micros > b.sent_micros;
    return a.seq > b.seq;
  });
}

absl::Status CorruptEvent(uint64_t seq) {
  return absl::DataLossError(absl::StrCat("stored event ", seq, " is corrupt"));
}

}  // namespace

absl::StatusOr<std::vector<LoggedEvent>> EventLog::ReadHistory(
    uint32_t group_id, absl::string_view id, size_t limit,
    absl::optional<HistoryBound> before) const {
  std::vector<LoggedEvent> history;
  ASSIGN_OR_RETURN(
      const size_t sources,
      VisitHistory(group_id, id, limit, before,
                   [&](int64_t sent_micros, uint64_t seq, absl::string_view value) {
                     LoggedEvent& e = history.emplace_back();
                     e.sent_micros = sent_micros;
                     e.seq = seq;
                     if (!e.event.ParseFromArray(value.data(),
                                                 static_cast<int>(value.size()))) {
                       return CorruptEvent(seq);
                     }
                     return absl::OkStatus();
                   }));
  // Several sources (a user and its sessions) interleave in time.
  if (sources > 1) {
    SortNewestFirst(&history);
    if (history.size() > limit) history.resize(limit);
  }
  return history;
}

absl::StatusOr<std::vector<PastEvent>> EventLog::RecentEvents(
    uint32_t group_id, absl::string_view id, size_t limit,
    absl::optional<HistoryBound> before) const {
  // Only three fields of each event are needed: parsing every stored event
  // into one reused message keeps its strings' and repeated fields'
  // allocations (a fresh message per event made malloc and free most of a
  // recommendation's CPU when events carry impressions: measured with
  // recloop-engine-bench --impressions=10).
  struct Recent {
    int64_t sent_micros;
    uint64_t seq;
    PastEvent event;
  };
  std::vector<Recent> recent;
  v1::StoredEvent parsed;
  ASSIGN_OR_RETURN(
      const size_t sources,
      VisitHistory(group_id, id, limit, before,
                   [&](int64_t sent_micros, uint64_t seq, absl::string_view value) {
                     if (!parsed.ParseFromArray(value.data(),
                                                static_cast<int>(value.size()))) {
                       return CorruptEvent(seq);
                     }
                     recent.push_back({sent_micros, seq, PastEventOf(parsed.event())});
                     return absl::OkStatus();
                   }));
  if (sources > 1) {
    SortNewestFirst(&recent);
    if (recent.size() > limit) recent.resize(limit);
  }
  std::vector<PastEvent> events;
  events.reserve(recent.size());
  for (Recent& r : recent) {
    if (!r.event.item_id.empty()) events.push_back(std::move(r.event));
  }
  return events;
}

absl::Status EventLog::ScanGroup(
    uint32_t group_id, const Snapshot* snapshot,
    const std::function<absl::Status(const Owner&, const LoggedEvent&)>& fn) const {
  auto cursor = store_->NewPrefixCursor(Cf::kEvents, GroupPrefix(group_id), snapshot);
  // Keys run newest first within an owner: gather each owner's events, then
  // hand them over oldest first.
  std::vector<LoggedEvent> owner_events;
  Owner owner;
  auto flush = [&]() -> absl::Status {
    for (auto it = owner_events.rbegin(); it != owner_events.rend(); ++it) {
      RETURN_IF_ERROR(fn(owner, *it));
    }
    owner_events.clear();
    return absl::OkStatus();
  };
  for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
    auto key = ParseEventKey(cursor->key());
    if (!key) return absl::DataLossError("malformed event key");
    if (!owner_events.empty() && !(key->owner == owner)) RETURN_IF_ERROR(flush());
    owner = key->owner;
    LoggedEvent& logged = owner_events.emplace_back();
    logged.sent_micros = key->sent_micros;
    logged.seq = key->seq;
    if (!logged.event.ParseFromArray(cursor->value().data(),
                                     static_cast<int>(cursor->value().size()))) {
      return absl::DataLossError(absl::StrCat("stored event ", key->seq, " is corrupt"));
    }
  }
  RETURN_IF_ERROR(cursor->status());
  return flush();
}

absl::StatusOr<absl::optional<std::string>> EventLog::LinkedUser(
    uint32_t group_id, absl::string_view session_id) const {
  std::string user;
  ASSIGN_OR_RETURN(bool found, store_->Get(Cf::kSessions,
                                           SessionLinkKey(group_id, session_id), &user));
  if (!found) return absl::nullopt;
  return user;
}

absl::StatusOr<std::string> EventLog::ResolveIdentity(
    uint32_t group_id, absl::string_view user_id, absl::string_view session_id) const {
  if (!user_id.empty()) return std::string(user_id);
  ASSIGN_OR_RETURN(auto linked, LinkedUser(group_id, session_id));
  return linked ? *linked : std::string(session_id);
}

}  // namespace recloop

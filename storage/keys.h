// Every RocksDB key recloop writes is built and parsed here.
//
// Integers are fixed-width big-endian so that byte order is numeric order;
// signed times are stored with the sign bit flipped for the same reason.
// Strings inside composite keys carry a 2-byte length so that one id can
// never be a prefix of another's key (ids are at most 256 bytes).
//
// Column family layouts:
//   meta      'g' name                    -> DatasetGroupRecord
//             't' name                    -> EventTrackerRecord
//             'c'                         -> CheckpointRecord
//             'n'                         -> next group id (4 bytes)
//   events    gid owner ~sent_at ~seq     -> recloop.v1.StoredEvent
//             (inverted: an owner's newest event first)
//   dedup     gid 'e' event_id            -> events key
//             gid 'c' owner sent_at hash  -> ""
//   sessions  gid 's' str(session)        -> user id
//             gid 'u' str(user) session   -> ""
//   served    recommendation id           -> ExpiringValue(ServedList)
//   journal   seq                         -> JournalEntry
//             'r' str(group) name         -> RecommenderRecord
//   model     gid rid item_index          -> ItemModelRecord
//             gid rid 0xffffffff          -> ModelHeaderRecord
// where gid is the 4-byte group id, owner is kind ('u' user, 's' session)
// followed by str(id), and str(x) is a 2-byte length followed by x.
#ifndef RECLOOP_STORAGE_KEYS_H_
#define RECLOOP_STORAGE_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace recloop {

// Whose history an event belongs to: a known user, or an anonymous session.
struct Owner {
  enum class Kind : char { kUser = 'u', kSession = 's' };
  Kind kind = Kind::kUser;
  std::string id;

  static Owner User(absl::string_view id) { return {Kind::kUser, std::string(id)}; }
  static Owner Session(absl::string_view id) {
    return {Kind::kSession, std::string(id)};
  }
  bool operator==(const Owner& o) const { return kind == o.kind && id == o.id; }
};

// Big-endian fixed-width integers.
void PutFixed32BE(std::string* dst, uint32_t v);
void PutFixed64BE(std::string* dst, uint64_t v);
uint32_t DecodeFixed32BE(const char* p);
uint64_t DecodeFixed64BE(const char* p);

// Signed microseconds as an order-preserving unsigned integer.
inline uint64_t OrderedMicros(int64_t micros) {
  return static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63);
}
inline int64_t MicrosFromOrdered(uint64_t v) {
  return static_cast<int64_t>(v ^ (uint64_t{1} << 63));
}

// The smallest key greater than every key that starts with `prefix`, or ""
// when there is none (the prefix is all 0xff bytes).
std::string PrefixSuccessor(absl::string_view prefix);

namespace meta_key {
std::string DatasetGroup(absl::string_view name);
std::string DatasetGroupPrefix();
std::string EventTracker(absl::string_view name);
std::string EventTrackerPrefix();
std::string Checkpoint();
std::string NextGroupId();
}  // namespace meta_key

// Every key of a group's data in the events, dedup, sessions and model
// column families starts with this.
std::string GroupPrefix(uint32_t group_id);

// events CF.
std::string OwnerPrefix(uint32_t group_id, const Owner& owner);
std::string EventKey(uint32_t group_id, const Owner& owner, int64_t sent_micros,
                     uint64_t seq);
// The 16 bytes after the owner prefix: newest (largest sent_at, then seq)
// first.
void PutEventKeySuffix(std::string* key, int64_t sent_micros, uint64_t seq);
void DecodeEventKeySuffix(const char* suffix, int64_t* sent_micros, uint64_t* seq);
struct ParsedEventKey {
  uint32_t group_id;
  Owner owner;
  int64_t sent_micros;
  uint64_t seq;
};
absl::optional<ParsedEventKey> ParseEventKey(absl::string_view key);

// dedup CF.
std::string EventIdKey(uint32_t group_id, absl::string_view event_id);
std::string EventContentKey(uint32_t group_id, const Owner& owner,
                            int64_t sent_micros, uint64_t content_hash);

// sessions CF.
std::string SessionLinkKey(uint32_t group_id, absl::string_view session_id);
std::string UserSessionsPrefix(uint32_t group_id, absl::string_view user_id);
std::string UserSessionKey(uint32_t group_id, absl::string_view user_id,
                           absl::string_view session_id);

// journal CF.
std::string JournalKey(uint64_t seq);

// meta CF: recommenders of a group.
namespace meta_key {
std::string Recommender(absl::string_view group, absl::string_view name);
std::string RecommenderPrefix(absl::string_view group);
}  // namespace meta_key

// model CF: recommender `recommender_id` of group `group_id`.
std::string ModelPrefix(uint32_t group_id, uint32_t recommender_id);
std::string ModelItemKey(uint32_t group_id, uint32_t recommender_id,
                         uint32_t item_index);
std::string ModelHeaderKey(uint32_t group_id, uint32_t recommender_id);
inline constexpr uint32_t kModelHeaderIndex = 0xffffffffu;

// A stable 64-bit FNV-1a hash (persisted in keys, so it must never change).
uint64_t StableHash64(absl::string_view data, uint64_t seed = 14695981039346656037ull);

}  // namespace recloop

#endif  // RECLOOP_STORAGE_KEYS_H_

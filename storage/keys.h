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
//             (sent_at in microseconds; its sub-microsecond nanoseconds
//             are in the hash: see EventContent)
//   sessions  gid 's' str(session)        -> user id
//             gid 'u' str(user) session   -> ""
//   served    recommendation id           -> ExpiringValue(ServedList)
//   journal   seq                         -> JournalEntry
//   meta      'r' str(group) name         -> RecommenderRecord
//   model     gid rid item_index          -> ItemModelRecord
//             gid rid 0xffffffff          -> ModelHeaderRecord
//   catalog   gid 'i' str(item)           -> recloop.v1.Item (its metadata)
//             gid 'u' str(user)           -> recloop.v1.User
// where gid is the 4-byte group id, owner is kind ('u' user, 's' session)
// followed by str(id), and str(x) is a 2-byte length followed by x.
#ifndef RECLOOP_STORAGE_KEYS_H_
#define RECLOOP_STORAGE_KEYS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace recloop {

// Whose history an event belongs to: a known user, or an anonymous session.
struct Owner {
  enum class Kind : char { kUser = 'u', kSession = 's' };
  Kind kind = Kind::kUser;
  std::string id;

  static Owner User(absl::string_view id) { return {Kind::kUser, std::string(id)}; }
  static Owner Session(absl::string_view id) { return {Kind::kSession, std::string(id)}; }
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
// The name in a DatasetGroup or EventTracker key.
absl::string_view NameOf(absl::string_view key);
}  // namespace meta_key

// The value of meta_key::NextGroupId().
std::string EncodeNextGroupId(uint32_t id);
absl::optional<uint32_t> DecodeNextGroupId(absl::string_view value);

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
// The sent time and sequence of an events key that starts with a prefix of
// `prefix_size` bytes; false when the key is too short.
bool ParseEventKeySuffix(absl::string_view key, size_t prefix_size, int64_t* sent_micros,
                         uint64_t* seq);

// dedup CF.
std::string EventIdKey(uint32_t group_id, absl::string_view event_id);
std::string EventContentKey(uint32_t group_id, const Owner& owner, int64_t sent_micros,
                            uint64_t content_hash);
// What makes two events with the same owner and sent_at the same event
// (Personalize's duplicate rule).
struct EventContent {
  absl::string_view event_type;
  absl::string_view item_id;
  absl::optional<float> event_value;
  absl::string_view properties;
  std::vector<absl::string_view> impression;
  absl::string_view recommendation_id;
  // sent_at's nanoseconds past its microsecond (0-999). The key holds
  // sent_at in microseconds, so events sent nanoseconds apart differ only
  // here. Hashed only when not 0: a microsecond-aligned event hashes as
  // under the older rule that ignored them, so every stored key stays
  // valid; only an event with sub-microsecond nanos stored under that rule
  // is no longer matched by content (its event_id still is).
  uint32_t sub_micro_nanos = 0;
};
// The content hash of EventContentKey (persisted: it must never change).
uint64_t EventContentHash(const EventContent& content);

// sessions CF.
std::string SessionLinkKey(uint32_t group_id, absl::string_view session_id);
std::string UserSessionsPrefix(uint32_t group_id, absl::string_view user_id);
std::string UserSessionKey(uint32_t group_id, absl::string_view user_id,
                           absl::string_view session_id);
// The session id of a UserSessionKey under `prefix` (UserSessionsPrefix).
absl::string_view SessionOfUserSessionKey(absl::string_view key,
                                          absl::string_view prefix);
// The value of a UserSessionKey: the first journal sequence that sees the
// link (links stored before it have an empty value: 0).
std::string EncodeLinkSequence(uint64_t seq);
uint64_t DecodeLinkSequence(absl::string_view value);

// journal CF.
std::string JournalKey(uint64_t seq);
absl::optional<uint64_t> ParseJournalKey(absl::string_view key);

// meta CF: recommenders of a group.
namespace meta_key {
std::string Recommender(absl::string_view group, absl::string_view name);
std::string RecommenderPrefix(absl::string_view group);
// Every group's recommenders.
std::string AllRecommendersPrefix();
}  // namespace meta_key

// model CF: recommender `recommender_id` of group `group_id`.
std::string ModelPrefix(uint32_t group_id, uint32_t recommender_id);
std::string ModelItemKey(uint32_t group_id, uint32_t recommender_id, uint32_t item_index);
std::string ModelHeaderKey(uint32_t group_id, uint32_t recommender_id);
inline constexpr uint32_t kModelHeaderIndex = 0xffffffffu;
// The item index (or kModelHeaderIndex) of a model key.
absl::optional<uint32_t> ParseModelKey(absl::string_view key);

// catalog CF: item and user metadata.
enum class CatalogKind : char { kItem = 'i', kUser = 'u' };
std::string CatalogKey(uint32_t group_id, CatalogKind kind, absl::string_view id);

// A stable 64-bit FNV-1a hash (persisted in keys, so it must never change).
uint64_t StableHash64(absl::string_view data, uint64_t seed = 14695981039346656037ull);

}  // namespace recloop

#endif  // RECLOOP_STORAGE_KEYS_H_

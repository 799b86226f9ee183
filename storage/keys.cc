#include "storage/keys.h"

#include <cstring>

namespace recloop {
namespace {

void PutString(std::string* dst, absl::string_view s) {
  // Ids are validated to at most 256 bytes; the 2-byte length leaves room.
  dst->push_back(static_cast<char>((s.size() >> 8) & 0xff));
  dst->push_back(static_cast<char>(s.size() & 0xff));
  dst->append(s.data(), s.size());
}

void PutOwner(std::string* dst, const Owner& owner) {
  dst->push_back(static_cast<char>(owner.kind));
  PutString(dst, owner.id);
}

}  // namespace

void PutFixed32BE(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (24 - 8 * i));
  dst->append(buf, 4);
}

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (56 - 8 * i));
  dst->append(buf, 8);
}

uint32_t DecodeFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xff) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

namespace meta_key {
std::string DatasetGroup(absl::string_view name) { return "g" + std::string(name); }
std::string DatasetGroupPrefix() { return "g"; }
std::string EventTracker(absl::string_view name) { return "t" + std::string(name); }
std::string EventTrackerPrefix() { return "t"; }
std::string Checkpoint() { return "c"; }
std::string NextGroupId() { return "n"; }
absl::string_view NameOf(absl::string_view key) { return key.substr(1); }
}  // namespace meta_key

std::string EncodeNextGroupId(uint32_t id) {
  std::string v;
  PutFixed32BE(&v, id);
  return v;
}

absl::optional<uint32_t> DecodeNextGroupId(absl::string_view value) {
  if (value.size() != 4) return absl::nullopt;
  return DecodeFixed32BE(value.data());
}

std::string GroupPrefix(uint32_t group_id) {
  std::string k;
  PutFixed32BE(&k, group_id);
  return k;
}

std::string OwnerPrefix(uint32_t group_id, const Owner& owner) {
  std::string k = GroupPrefix(group_id);
  PutOwner(&k, owner);
  return k;
}

std::string EventKey(uint32_t group_id, const Owner& owner, int64_t sent_micros,
                     uint64_t seq) {
  std::string k = OwnerPrefix(group_id, owner);
  PutEventKeySuffix(&k, sent_micros, seq);
  return k;
}

void PutEventKeySuffix(std::string* key, int64_t sent_micros, uint64_t seq) {
  // Inverted, so that an owner's newest event comes first: reading recent
  // history is a forward scan (cheap in RocksDB, where Prev() is not).
  PutFixed64BE(key, ~OrderedMicros(sent_micros));
  PutFixed64BE(key, ~seq);
}

void DecodeEventKeySuffix(const char* suffix, int64_t* sent_micros, uint64_t* seq) {
  *sent_micros = MicrosFromOrdered(~DecodeFixed64BE(suffix));
  *seq = ~DecodeFixed64BE(suffix + 8);
}

absl::optional<ParsedEventKey> ParseEventKey(absl::string_view key) {
  // gid(4) kind(1) len(2) id(len) sent(8) seq(8)
  if (key.size() < 4 + 1 + 2 + 16) return absl::nullopt;
  ParsedEventKey parsed;
  parsed.group_id = DecodeFixed32BE(key.data());
  char kind = key[4];
  if (kind != 'u' && kind != 's') return absl::nullopt;
  parsed.owner.kind = static_cast<Owner::Kind>(kind);
  size_t len =
      (static_cast<unsigned char>(key[5]) << 8) | static_cast<unsigned char>(key[6]);
  if (key.size() != 7 + len + 16) return absl::nullopt;
  parsed.owner.id = std::string(key.substr(7, len));
  DecodeEventKeySuffix(key.data() + 7 + len, &parsed.sent_micros, &parsed.seq);
  return parsed;
}

std::string EventIdKey(uint32_t group_id, absl::string_view event_id) {
  std::string k = GroupPrefix(group_id);
  k.push_back('e');
  k.append(event_id.data(), event_id.size());
  return k;
}

bool ParseEventKeySuffix(absl::string_view key, size_t prefix_size, int64_t* sent_micros,
                         uint64_t* seq) {
  if (key.size() < prefix_size + 16) return false;
  DecodeEventKeySuffix(key.data() + key.size() - 16, sent_micros, seq);
  return true;
}

std::string EventContentKey(uint32_t group_id, const Owner& owner, int64_t sent_micros,
                            uint64_t content_hash) {
  std::string k = GroupPrefix(group_id);
  k.push_back('c');
  PutOwner(&k, owner);
  PutFixed64BE(&k, OrderedMicros(sent_micros));
  PutFixed64BE(&k, content_hash);
  return k;
}

std::string SessionLinkKey(uint32_t group_id, absl::string_view session_id) {
  std::string k = GroupPrefix(group_id);
  k.push_back('s');
  PutString(&k, session_id);
  return k;
}

std::string UserSessionsPrefix(uint32_t group_id, absl::string_view user_id) {
  std::string k = GroupPrefix(group_id);
  k.push_back('u');
  PutString(&k, user_id);
  return k;
}

std::string UserSessionKey(uint32_t group_id, absl::string_view user_id,
                           absl::string_view session_id) {
  std::string k = UserSessionsPrefix(group_id, user_id);
  k.append(session_id.data(), session_id.size());
  return k;
}

std::string CatalogKey(uint32_t group_id, CatalogKind kind, absl::string_view id) {
  std::string k = GroupPrefix(group_id);
  k.push_back(static_cast<char>(kind));
  PutString(&k, id);
  return k;
}

std::string JournalKey(uint64_t seq) {
  std::string k;
  PutFixed64BE(&k, seq);
  return k;
}

absl::optional<uint64_t> ParseJournalKey(absl::string_view key) {
  if (key.size() != 8) return absl::nullopt;
  return DecodeFixed64BE(key.data());
}

absl::string_view SessionOfUserSessionKey(absl::string_view key,
                                          absl::string_view prefix) {
  return key.substr(prefix.size());
}

std::string EncodeLinkSequence(uint64_t seq) {
  std::string v;
  PutFixed64BE(&v, seq);
  return v;
}

uint64_t DecodeLinkSequence(absl::string_view value) {
  return value.size() == 8 ? DecodeFixed64BE(value.data()) : 0;
}

namespace {

void PutHashedField(std::string* out, absl::string_view field) {
  PutFixed32BE(out, static_cast<uint32_t>(field.size()));
  out->append(field.data(), field.size());
}

}  // namespace

uint64_t EventContentHash(const EventContent& content) {
  std::string canonical;
  PutHashedField(&canonical, content.event_type);
  PutHashedField(&canonical, content.item_id);
  if (content.event_value) {
    const float v = *content.event_value;
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    canonical.push_back('v');
    PutFixed32BE(&canonical, bits);
  } else {
    canonical.push_back('-');
  }
  PutHashedField(&canonical, content.properties);
  PutFixed32BE(&canonical, static_cast<uint32_t>(content.impression.size()));
  for (absl::string_view item : content.impression) PutHashedField(&canonical, item);
  PutHashedField(&canonical, content.recommendation_id);
  if (content.sub_micro_nanos != 0) {
    canonical.push_back('n');
    PutFixed32BE(&canonical, content.sub_micro_nanos);
  }
  return StableHash64(canonical);
}

namespace meta_key {
std::string Recommender(absl::string_view group, absl::string_view name) {
  std::string k = RecommenderPrefix(group);
  k.append(name.data(), name.size());
  return k;
}
std::string AllRecommendersPrefix() { return "r"; }
std::string RecommenderPrefix(absl::string_view group) {
  std::string k = AllRecommendersPrefix();
  PutString(&k, group);
  return k;
}
}  // namespace meta_key

std::string ModelPrefix(uint32_t group_id, uint32_t recommender_id) {
  std::string k = GroupPrefix(group_id);
  PutFixed32BE(&k, recommender_id);
  return k;
}

std::string ModelItemKey(uint32_t group_id, uint32_t recommender_id,
                         uint32_t item_index) {
  std::string k = ModelPrefix(group_id, recommender_id);
  PutFixed32BE(&k, item_index);
  return k;
}

std::string ModelHeaderKey(uint32_t group_id, uint32_t recommender_id) {
  return ModelItemKey(group_id, recommender_id, kModelHeaderIndex);
}

absl::optional<uint32_t> ParseModelKey(absl::string_view key) {
  // gid(4) rid(4) index(4)
  if (key.size() != 12) return absl::nullopt;
  return DecodeFixed32BE(key.data() + 8);
}

uint64_t StableHash64(absl::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace recloop

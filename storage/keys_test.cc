#include "storage/keys.h"

#include <string>

#include "gtest/gtest.h"

namespace recloop {
namespace {

TEST(KeysTest, BigEndianIntegersSortNumerically) {
  std::string a, b;
  PutFixed64BE(&a, 255);
  PutFixed64BE(&b, 256);
  EXPECT_LT(a, b);
  EXPECT_EQ(DecodeFixed64BE(b.data()), 256u);
  std::string c;
  PutFixed32BE(&c, 0x01020304);
  EXPECT_EQ(DecodeFixed32BE(c.data()), 0x01020304u);
}

TEST(KeysTest, EventKeysOfOneOwnerSortNewestFirst) {
  const Owner u = Owner::User("alice");
  // Later sent_at first, then the later sequence; negative times (before
  // 1970) still sort as older than positive ones.
  EXPECT_GT(EventKey(1, u, -5, 9), EventKey(1, u, 3, 1));
  EXPECT_GT(EventKey(1, u, 3, 1), EventKey(1, u, 3, 2));
  EXPECT_GT(EventKey(1, u, 3, 2), EventKey(1, u, 4, 0));
}

TEST(KeysTest, OwnerPrefixesNeverContainEachOther) {
  // "ab" must not be a prefix of the events of "abc", nor a user of a session.
  const std::string ab = OwnerPrefix(1, Owner::User("ab"));
  const std::string abc_key = EventKey(1, Owner::User("abc"), 0, 0);
  EXPECT_NE(abc_key.compare(0, ab.size(), ab), 0);
  const std::string session = EventKey(1, Owner::Session("ab"), 0, 0);
  EXPECT_NE(session.compare(0, ab.size(), ab), 0);
  const std::string other_group = EventKey(2, Owner::User("ab"), 0, 0);
  EXPECT_NE(other_group.compare(0, ab.size(), ab), 0);
}

TEST(KeysTest, ParseEventKeyRoundTrips) {
  const std::string key = EventKey(7, Owner::Session("s-1"), 1700000000123456, 42);
  auto parsed = ParseEventKey(key);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->group_id, 7u);
  EXPECT_EQ(parsed->owner, Owner::Session("s-1"));
  EXPECT_EQ(parsed->sent_micros, 1700000000123456);
  EXPECT_EQ(parsed->seq, 42u);
  EXPECT_FALSE(ParseEventKey("short").has_value());
  EXPECT_FALSE(ParseEventKey(key + "x").has_value());
}

TEST(KeysTest, PrefixSuccessorBoundsThePrefix) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  const std::string group = GroupPrefix(3);
  EXPECT_LT(EventKey(3, Owner::User("zzz"), 99, 99), PrefixSuccessor(group));
  EXPECT_GE(EventKey(4, Owner::User(""), 0, 0), PrefixSuccessor(group));
}

TEST(KeysTest, StableHashIsStable) {
  // Persisted in dedup keys: these values must never change.
  EXPECT_EQ(StableHash64(""), 14695981039346656037ull);
  EXPECT_EQ(StableHash64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_NE(StableHash64("ab"), StableHash64("ba"));
}

TEST(KeysTest, EventContentHashDependsOnEveryFieldOfTheDuplicateRule) {
  EventContent base;
  base.event_type = "click";
  base.item_id = "i1";
  base.properties = R"({"a":1})";
  base.impression = {"i1", "i2"};
  base.recommendation_id = "RID-1";
  const uint64_t h = EventContentHash(base);
  EXPECT_EQ(EventContentHash(base), h);
  EventContent other = base;
  other.event_value = 1.0f;
  EXPECT_NE(EventContentHash(other), h);
  other = base;
  other.impression = {"i1i2"};
  EXPECT_NE(EventContentHash(other), h) << "fields are length-prefixed";
  other = base;
  other.recommendation_id = "";
  EXPECT_NE(EventContentHash(other), h);
  other = base;
  other.sub_micro_nanos = 1;
  EXPECT_NE(EventContentHash(other), h);
}

TEST(KeysTest, EventContentHashOfAMicrosecondAlignedEventNeverChanges) {
  // Persisted in dedup keys: stored keys keep matching only while the hash
  // of an event without sub-microsecond nanos stays this value.
  EventContent content;
  content.event_type = "click";
  content.item_id = "i1";
  content.event_value = 2.5f;
  content.properties = R"({"a":1})";
  content.impression = {"i1", "i2"};
  content.recommendation_id = "RID-1";
  EXPECT_EQ(EventContentHash(content), 14186699179774964946ull);
}

TEST(KeysTest, ValuesAndKeySuffixesParseBack) {
  EXPECT_EQ(DecodeNextGroupId(EncodeNextGroupId(77)), 77u);
  EXPECT_FALSE(DecodeNextGroupId("abc").has_value());
  EXPECT_EQ(ParseJournalKey(JournalKey(123456789)), 123456789u);
  EXPECT_FALSE(ParseJournalKey("1234567").has_value());
  EXPECT_EQ(ParseModelKey(ModelItemKey(1, 2, 3)), 3u);
  EXPECT_EQ(ParseModelKey(ModelHeaderKey(1, 2)), kModelHeaderIndex);
  EXPECT_FALSE(ParseModelKey(ModelPrefix(1, 2)).has_value());
  EXPECT_EQ(meta_key::NameOf(meta_key::DatasetGroup("shop")), "shop");
  EXPECT_EQ(meta_key::NameOf(meta_key::EventTracker("web")), "web");
  const std::string prefix = UserSessionsPrefix(5, "u1");
  EXPECT_EQ(SessionOfUserSessionKey(UserSessionKey(5, "u1", "s9"), prefix), "s9");
  const std::string owner = OwnerPrefix(5, Owner::User("u1"));
  int64_t sent;
  uint64_t seq;
  ASSERT_TRUE(ParseEventKeySuffix(EventKey(5, Owner::User("u1"), -7, 9), owner.size(), &sent,
                                  &seq));
  EXPECT_EQ(sent, -7);
  EXPECT_EQ(seq, 9u);
  EXPECT_FALSE(ParseEventKeySuffix(owner, owner.size(), &sent, &seq));
}

}  // namespace
}  // namespace recloop

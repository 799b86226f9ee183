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

}  // namespace
}  // namespace recloop

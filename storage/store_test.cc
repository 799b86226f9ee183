#include "storage/store.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/timestamped_value.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

StoreOptions SmallStore(const std::string& path) {
  StoreOptions o;
  o.path = path;
  o.small_footprint = true;
  return o;
}

TEST(StoreTest, CreatesMissingDirectoryAndPersistsWrites) {
  TempDir dir;
  const std::string path = dir.Sub("nested/store");
  {
    auto store = Store::Open(SmallStore(path));
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE((*store)->created());
    WriteBatch batch(**store);
    batch.Put(Cf::kEvents, "k1", "v1");
    batch.Put(Cf::kMeta, "k1", "meta");
    ASSERT_TRUE((*store)->Write(&batch).ok());
  }
  auto store = Store::Open(SmallStore(path));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE((*store)->created());
  EXPECT_EQ(*(*store)->Get(Cf::kEvents, "k1"), "v1");
  EXPECT_EQ(*(*store)->Get(Cf::kMeta, "k1"), "meta");
  // Column families are separate key spaces.
  EXPECT_TRUE(absl::IsNotFound((*store)->Get(Cf::kDedup, "k1").status()));
}

TEST(StoreTest, RefusesANonEmptyDirectoryThatHoldsNoStore) {
  TempDir dir;
  std::ofstream(dir.Sub("notes.txt")) << "not a database";
  auto store = Store::Open(SmallStore(dir.path()));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("holds no recloop store"), std::string::npos);
}

TEST(StoreTest, RefusesAPathThatIsAFile) {
  TempDir dir;
  std::ofstream(dir.Sub("file")) << "x";
  auto store = Store::Open(SmallStore(dir.Sub("file")));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("not a directory"), std::string::npos);
}

TEST(StoreTest, ASecondOpenOfTheSameDirectorySaysItIsLocked) {
  TempDir dir;
  auto first = Store::Open(SmallStore(dir.path()));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Store::Open(SmallStore(dir.path()));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("locked"), std::string::npos)
      << second.status();
}

TEST(StoreTest, BatchesAreAtomicAndDeleteRangeClearsAPrefix) {
  TempDir dir;
  auto store = *Store::Open(SmallStore(dir.path()));
  WriteBatch batch(*store);
  batch.Put(Cf::kEvents, "a1", "x");
  batch.Put(Cf::kEvents, "a2", "y");
  batch.Put(Cf::kEvents, "b1", "z");
  ASSERT_TRUE(store->Write(&batch).ok());
  WriteBatch del(*store);
  del.DeleteRange(Cf::kEvents, "a", "b");
  ASSERT_TRUE(store->Write(&del).ok());
  auto cursor = store->NewCursor(Cf::kEvents, "", "");
  std::string keys;
  for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) keys += std::string(cursor->key());
  EXPECT_EQ(keys, "b1");
}

TEST(StoreTest, PrefixCursorSeesOnlyThePrefixInBothDirections) {
  TempDir dir;
  auto store = *Store::Open(SmallStore(dir.path()));
  WriteBatch batch(*store);
  for (const char* k : {"a", "p1", "p2", "p3", "q"}) batch.Put(Cf::kEvents, k, k);
  ASSERT_TRUE(store->Write(&batch).ok());
  auto cursor = store->NewPrefixCursor(Cf::kEvents, "p");
  std::string back;
  for (cursor->SeekToLast(); cursor->Valid(); cursor->Prev()) back += std::string(cursor->key());
  EXPECT_EQ(back, "p3p2p1");
  cursor->SeekBefore("p3");
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "p2");
  cursor->SeekBefore("p1");
  EXPECT_FALSE(cursor->Valid());
}

TEST(StoreTest, ACursorOnASnapshotSeesTheStoreAsItWasThen) {
  TempDir dir;
  auto store = *Store::Open(SmallStore(dir.path()));
  WriteBatch before(*store);
  before.Put(Cf::kEvents, "a", "1");
  before.Put(Cf::kEvents, "b", "1");
  ASSERT_TRUE(store->Write(&before).ok());
  std::unique_ptr<Snapshot> snapshot = store->NewSnapshot();
  WriteBatch after(*store);
  after.Put(Cf::kEvents, "a", "2");
  after.Delete(Cf::kEvents, "b");
  after.Put(Cf::kEvents, "c", "2");
  ASSERT_TRUE(store->Write(&after).ok());
  // Flushed and compacted away: the snapshot still holds what it saw.
  ASSERT_TRUE(store->CompactAll(Cf::kEvents).ok());

  const auto read = [](Cursor* cursor) {
    std::string seen;
    for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
      seen += absl::StrCat(cursor->key(), "=", cursor->value(), " ");
    }
    return seen;
  };
  EXPECT_EQ(read(store->NewCursor(Cf::kEvents, "", "", snapshot.get()).get()), "a=1 b=1 ");
  EXPECT_EQ(read(store->NewPrefixCursor(Cf::kEvents, "b", snapshot.get()).get()), "b=1 ");
  EXPECT_EQ(read(store->NewCursor(Cf::kEvents, "", "").get()), "a=2 c=2 ");
}

TEST(StoreTest, CompactionDropsServedListsPastRetention) {
  TempDir dir;
  ManualClock clock(absl::FromUnixSeconds(1700000000));
  StoreOptions options = SmallStore(dir.path());
  options.clock = &clock;
  options.served_retention = absl::Hours(24);
  auto store = *Store::Open(options);
  WriteBatch batch(*store);
  batch.Put(Cf::kServed, "old", EncodeTimestampedValue(clock.Now(), "list-1"));
  ASSERT_TRUE(store->Write(&batch).ok());
  clock.Advance(absl::Hours(23));
  WriteBatch batch2(*store);
  batch2.Put(Cf::kServed, "new", EncodeTimestampedValue(clock.Now(), "list-2"));
  ASSERT_TRUE(store->Write(&batch2).ok());
  clock.Advance(absl::Hours(2));  // "old" is 25h old, "new" 2h.

  ASSERT_TRUE(store->CompactAll(Cf::kServed).ok());
  EXPECT_TRUE(absl::IsNotFound(store->Get(Cf::kServed, "old").status()));
  auto kept = store->Get(Cf::kServed, "new");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(DecodeTimestampedValue(*kept)->payload, "list-2");
}

}  // namespace
}  // namespace recloop

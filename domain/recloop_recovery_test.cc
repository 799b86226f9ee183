// Recloop's crash recovery through its public API, on real RocksDB stores:
// a store closed without a final checkpoint, as kill -9 leaves it, reopens
// with every acknowledged event and the models rebuilt from the last
// checkpoint plus the journal.
#include <string>
#include <vector>

#include "domain/recloop.h"
#include "domain/recloop_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(RecloopTest, ACrashLosesNothingAndTheJournalRebuildsTheModel) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(Put(tid, "z", "s", {"A"}).ok());
  Crash();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 10u);
  EXPECT_THAT(History("shop", "z"), ElementsAre("A"));
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  // The tracking id still works.
  ASSERT_TRUE(Put(tid, "y", "s", {"C"}).ok());
}

TEST_F(RecloopTest, StartUpAfterACheckpointReplaysOnlyWhatCameLater) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  ASSERT_TRUE(Put(tid, "z", "s", {"A"}).ok());
  Crash();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 1u);
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  // A clean close checkpoints everything: nothing to replay.
  Open(/*checkpoint_on_close=*/true);
  ASSERT_TRUE(Put(tid, "z", "s", {"D"}).ok());
  recloop_.reset();
  Open();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 0u);
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(Recommend("shop", "", "", 1), (std::vector<std::string>{"A"}));
}

TEST_F(RecloopTest, AFailedOpenLeavesTheStoreUntouched) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_TRUE(Put(tid, "u", "s", {"A"}).ok());
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  ASSERT_TRUE(Put(tid, "u", "s", {"B"}).ok());
  recloop_.reset();
  std::string checkpoint_before;
  {
    StoreOptions options;
    options.path = dir_.path();
    auto store = *Store::Open(options);
    checkpoint_before = *store->Get(Cf::kMeta, meta_key::Checkpoint());
    WriteBatch damage(*store);
    damage.Put(Cf::kJournal, JournalKey(1000), "not a journal entry");
    ASSERT_TRUE(store->Write(&damage).ok());
  }
  RecloopOptions options;
  options.store.path = dir_.path();
  options.checkpoint_on_close = true;
  auto failed = Recloop::Open(options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("journal entry 1000"));
  StoreOptions store_options;
  store_options.path = dir_.path();
  auto store = *Store::Open(store_options);
  EXPECT_EQ(*store->Get(Cf::kMeta, meta_key::Checkpoint()), checkpoint_before);
}

}  // namespace
}  // namespace recloop

#include "domain/learning_windows.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

std::vector<std::string> Items(const std::vector<PastEvent>& events) {
  std::vector<std::string> items;
  for (const PastEvent& e : events) items.push_back(e.item_id);
  return items;
}

PastEvent Item(const std::string& id) { return PastEvent{id, "click", absl::nullopt}; }

TEST(LearningWindowsTest, AdvancesWithNewerEventsAndSkipsItemlessOnes) {
  LearningWindows windows(10, 3);
  EXPECT_FALSE(windows.Before(1, "u", {100, 1}).has_value());
  windows.Fill(1, "u", {100, 1}, {Item("b"), Item(""), Item("a")});
  auto hit = windows.Before(1, "u", {200, 2});
  ASSERT_TRUE(hit.has_value());
  EXPECT_THAT(Items(hit->items), ::testing::ElementsAre("b", "a"));
  windows.Advance(1, "u", hit->token, {200, 2}, Item("c"));
  hit = windows.Before(1, "u", {300, 3});
  ASSERT_TRUE(hit.has_value());
  // The window keeps 3 events: c, b and the item-less one; a fell out.
  EXPECT_THAT(Items(hit->items), ::testing::ElementsAre("c", "b"));
}

TEST(LearningWindowsTest, AnOlderEventDropsTheEntry) {
  LearningWindows windows(10, 3);
  windows.Fill(1, "u", {100, 5}, {Item("a")});
  EXPECT_FALSE(windows.Before(1, "u", {50, 6}).has_value());
  EXPECT_FALSE(windows.Before(1, "u", {200, 7}).has_value());  // gone
}

TEST(LearningWindowsTest, AConcurrentUpdateDropsTheEntry) {
  LearningWindows windows(10, 3);
  windows.Fill(1, "u", {100, 1}, {Item("a")});
  auto first = windows.Before(1, "u", {200, 2});
  auto second = windows.Before(1, "u", {300, 3});
  ASSERT_TRUE(first && second);
  windows.Advance(1, "u", first->token, {200, 2}, Item("b"));
  windows.Advance(1, "u", second->token, {300, 3}, Item("c"));  // read a stale entry
  EXPECT_FALSE(windows.Before(1, "u", {400, 4}).has_value());
}

TEST(LearningWindowsTest, ANewerFillWins) {
  LearningWindows windows(10, 3);
  windows.Fill(1, "u", {200, 2}, {Item("b"), Item("a")});
  windows.Fill(1, "u", {100, 1}, {Item("a")});  // late, older: ignored
  auto hit = windows.Before(1, "u", {300, 3});
  ASSERT_TRUE(hit.has_value());
  EXPECT_THAT(Items(hit->items), ::testing::ElementsAre("b", "a"));
}

TEST(LearningWindowsTest, EvictsTheLeastRecentlyUsedAndKeysByGroup) {
  LearningWindows windows(2, 3);
  windows.Fill(1, "u1", {100, 1}, {Item("a")});
  windows.Fill(1, "u2", {100, 2}, {Item("a")});
  ASSERT_TRUE(windows.Before(1, "u1", {200, 3}).has_value());  // u1 used
  windows.Fill(2, "u1", {100, 4}, {Item("a")});                // evicts u2
  EXPECT_EQ(windows.size(), 2u);
  EXPECT_TRUE(windows.Before(1, "u1", {300, 5}).has_value());
  EXPECT_FALSE(windows.Before(1, "u2", {300, 6}).has_value());
  EXPECT_TRUE(windows.Before(2, "u1", {300, 7}).has_value());
  windows.Drop(2, "u1");
  EXPECT_FALSE(windows.Before(2, "u1", {400, 8}).has_value());
  windows.Clear();
  EXPECT_EQ(windows.size(), 0u);
}

TEST(LearningWindowsTest, RecentAnswersOnlyWhatTheEntryKnows) {
  LearningWindows windows(10, 3);
  EXPECT_FALSE(windows.Recent(1, "u", 2).has_value());
  windows.Fill(1, "short", {100, 1}, {Item("b"), Item("a")});  // the whole history
  EXPECT_THAT(Items(*windows.Recent(1, "short", 1000)), ::testing::ElementsAre("b", "a"));
  EXPECT_THAT(Items(*windows.Recent(1, "short", 1)), ::testing::ElementsAre("b"));
  windows.Fill(1, "long", {100, 2}, {Item("c"), Item(""), Item("a"), Item("z")});
  EXPECT_THAT(Items(*windows.Recent(1, "long", 3)), ::testing::ElementsAre("c", "a"));
  EXPECT_FALSE(windows.Recent(1, "long", 4).has_value());  // more than it keeps
}

TEST(LearningWindowsTest, CapacityZeroCachesNothing) {
  LearningWindows windows(0, 3);
  windows.Fill(1, "u", {100, 1}, {Item("a")});
  EXPECT_FALSE(windows.Before(1, "u", {200, 2}).has_value());
}

}  // namespace
}  // namespace recloop

#include "engine/user_window.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class UserWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"a", "b", "c", "d"}) catalog_.Add(id, 0);
  }
  uint32_t I(const std::string& id) const { return catalog_.Find(id); }
  ItemCatalog catalog_;
};

// One definition for every signal: uncounted entries keep their position,
// unknown items are skipped, an item appears once at its most recent place.
TEST_F(UserWindowTest, CountedKnownItemsOnceAtTheirMostRecentPosition) {
  ModelOptions options;
  options.window = 4;
  options.history_length = 2;
  options.recency_decay = 0.5;
  const std::vector<HistoryItem> history = {{"a", 2}, {"zz", 1}, {"b", 0},
                                            {"a", 1}, {"c", 20}, {"d", 1}};
  const UserWindow w = UserWindow::Of(history, catalog_, options);
  // Positions 0-3 are the window: a (2), zz (unknown), b (not counted), a.
  EXPECT_THAT(w.items, ElementsAre(Pair(I("a"), 2)));
  EXPECT_THAT(w.event_weights, ElementsAre(2));
  // Sources reach past the window: a, then c (weight capped at 10, one
  // recency step later).
  EXPECT_THAT(w.sources, ElementsAre(Pair(I("a"), 2), Pair(I("c"), 0.5 * 10)));
  // a, zz and a count: 3 entries -> stage 2 (3-6).
  EXPECT_EQ(w.stage, 2u);
  EXPECT_EQ(UserWindow::StageOf(history, options), w.stage);
  // Serving would exclude every known item of the window, counted or not.
  EXPECT_THAT(UserWindow::Interacted(history, catalog_, options),
              UnorderedElementsAre(I("a"), I("b")));
}

TEST_F(UserWindowTest, EmptyHistoryIsStageZero) {
  const UserWindow w = UserWindow::Of({}, catalog_, ModelOptions());
  EXPECT_TRUE(w.sources.empty());
  EXPECT_TRUE(w.items.empty());
  EXPECT_EQ(w.stage, 0u);
}

}  // namespace
}  // namespace recloop

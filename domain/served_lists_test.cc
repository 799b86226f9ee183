#include "domain/served_lists.h"

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace recloop {
namespace {

TEST(ServedListsTest, RecommendationIdsAreFreshAndFitTheLimit) {
  std::string a = ServedLists::NewRecommendationId();
  std::string b = ServedLists::NewRecommendationId();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("RID-", 0), 0u);
  EXPECT_EQ(a.size(), 40u);
}

TEST(ServedListsTest, LooksUpWhatWasServedUntilItExpires) {
  TempDir dir;
  auto store = OpenTestStore(dir.path());
  ASSERT_NE(store, nullptr);
  ManualClock clock(absl::FromUnixSeconds(1700000000));
  ServedLists served(store.get(), &clock, absl::Hours(24 * 7));

  internal::ServedList list;
  list.set_group_id(3);
  list.set_recommender("default");
  list.set_user_id("u");
  list.add_item_ids("a");
  list.add_item_ids("b");
  ASSERT_TRUE(served.Record("RID-1", list).ok());

  auto found = served.Lookup("RID-1", 3);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->recommender(), "default");
  EXPECT_EQ((*found)->item_ids_size(), 2);

  EXPECT_FALSE(served.Lookup("RID-1", 4)->has_value()) << "another group's id";
  EXPECT_FALSE(served.Lookup("RID-unknown", 3)->has_value());
  EXPECT_FALSE(served.Lookup("", 3)->has_value());

  clock.Advance(absl::Hours(24 * 7 - 1));
  EXPECT_TRUE(served.Lookup("RID-1", 3)->has_value());
  clock.Advance(absl::Hours(2));
  EXPECT_FALSE(served.Lookup("RID-1", 3)->has_value()) << "past the 7-day retention";
}

}  // namespace
}  // namespace recloop

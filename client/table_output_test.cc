#include "client/table_output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop::client {
namespace {

TEST(RenderTableTest, ListsBecomeRowsUnderAHeader) {
  v1::GetRecommendationsResponse response;
  auto* a = response.add_item_list();
  a->set_item_id("item-1");
  a->set_score(0.5);
  auto* b = response.add_item_list();
  b->set_item_id("a-longer-item");
  b->set_score(0.25);
  response.set_recommendation_id("RID-1");
  EXPECT_EQ(RenderTable(response),
            "item_id        score\n"
            "item-1         0.5\n"
            "a-longer-item  0.25\n"
            "recommendation_id: RID-1\n");
}

TEST(RenderTableTest, NestedFieldsListsAndTimestamps) {
  v1::GetUserHistoryResponse response;
  auto* stored = response.add_events();
  stored->set_user_id("u1");
  stored->mutable_event()->set_item_id("i1");
  stored->mutable_event()->mutable_sent_at()->set_seconds(1700000000);
  stored->add_effective_impression("i1");
  stored->add_effective_impression("i2");
  EXPECT_EQ(RenderTable(response),
            "user_id  event.item_id  event.sent_at              effective_impression\n"
            "u1       i1             2023-11-14T22:13:20+00:00  i1,i2\n");
}

TEST(RenderTableTest, EmptyListsAndSingleMessages) {
  EXPECT_EQ(RenderTable(v1::ListDatasetGroupsResponse()), "(no dataset_groups)\n");
  v1::EventTracker tracker;
  tracker.set_name("web");
  tracker.set_dataset_group("shop");
  EXPECT_EQ(RenderTable(tracker), "name: web\ndataset_group: shop\n");
  EXPECT_EQ(RenderTable(v1::DeleteEventTrackerResponse()), "(empty)\n");
}

}  // namespace
}  // namespace recloop::client

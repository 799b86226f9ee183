// Item and user metadata over real gRPC: PutItems, PutUsers, GetItem,
// GetUser and the dataset schemas, as a client sees them.
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "tests/e2e_fixture.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

TEST_F(E2eTest, ItemAndUserMetadataRoundTrip) {
  v1::CreateDatasetGroupRequest group;
  group.set_name("shop");
  group.set_items_schema(R"({"type": "record", "name": "Items", "fields": [
      {"name": "ITEM_ID", "type": "string"},
      {"name": "CATEGORY", "type": "string", "categorical": true}]})");
  group.set_users_schema(R"({"type": "record", "name": "Users", "fields": [
      {"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"}]})");
  {
    grpc::ClientContext c;
    v1::DatasetGroup created;
    ASSERT_TRUE(trackers_->CreateDatasetGroup(&c, group, &created).ok());
    EXPECT_EQ(created.items_schema(), group.items_schema());
    EXPECT_EQ(created.users_schema(), group.users_schema());
  }

  v1::PutItemsRequest items;
  items.set_dataset_group("shop");
  v1::Item* shoe = items.add_items();
  shoe->set_item_id("shoe");
  shoe->set_properties(R"({"category": "shoes|sale"})");
  {
    grpc::ClientContext c;
    v1::PutItemsResponse response;
    grpc::Status s = events_->PutItems(&c, items, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    v1::GetItemRequest get;
    get.set_dataset_group("shop");
    get.set_item_id("shoe");
    grpc::ClientContext c;
    v1::Item item;
    grpc::Status s = events_->GetItem(&c, get, &item);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(item.properties(), R"({"category": "shoes|sale"})");
  }
  {
    v1::PutUsersRequest users;
    users.set_dataset_group("shop");
    v1::User* ann = users.add_users();
    ann->set_user_id("ann");
    ann->set_properties(R"({"age": "forty"})");
    grpc::ClientContext c;
    v1::PutUsersResponse response;
    grpc::Status s = events_->PutUsers(&c, users, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("users[0].properties.age: expected an integer"));
  }
  {
    v1::GetUserRequest get;
    get.set_dataset_group("shop");
    get.set_user_id("ann");
    grpc::ClientContext c;
    v1::User user;
    grpc::Status s = events_->GetUser(&c, get, &user);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(s.error_message(), "user_id: ann not found in dataset group shop");
  }
}

}  // namespace
}  // namespace recloop

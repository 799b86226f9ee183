// Item and user metadata through Recloop's public API on a real RocksDB
// store: PutItems, PutUsers, GetItem and GetUser, dataset schemas, atomic
// calls, persistence and deletion with the group.
#include <string>

#include "domain/recloop.h"
#include "domain/recloop_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

constexpr char kItemsSchema[] = R"({"type": "record", "name": "Items", "fields": [
  {"name": "ITEM_ID", "type": "string"},
  {"name": "GENRES", "type": "string", "categorical": true},
  {"name": "PRICE", "type": ["null", "double"]}]})";
constexpr char kUsersSchema[] = R"({"type": "record", "name": "Users", "fields": [
  {"name": "USER_ID", "type": "string"},
  {"name": "AGE", "type": "int"}]})";

class RecloopCatalogTest : public RecloopTest {
 protected:
  absl::Status CreateShop(const std::string& items_schema = kItemsSchema,
                          const std::string& users_schema = kUsersSchema) {
    v1::CreateDatasetGroupRequest group;
    group.set_name("shop");
    group.set_items_schema(items_schema);
    group.set_users_schema(users_schema);
    return recloop_->CreateDatasetGroup(group).status();
  }

  absl::Status PutItem(const std::string& id, const std::string& properties) {
    v1::PutItemsRequest put;
    put.set_dataset_group("shop");
    v1::Item* item = put.add_items();
    item->set_item_id(id);
    item->set_properties(properties);
    return recloop_->PutItems(put).status();
  }

  absl::StatusOr<v1::Item> GetItem(const std::string& id) {
    v1::GetItemRequest get;
    get.set_dataset_group("shop");
    get.set_item_id(id);
    return recloop_->GetItem(get);
  }

  absl::StatusOr<v1::User> GetUser(const std::string& id) {
    v1::GetUserRequest get;
    get.set_dataset_group("shop");
    get.set_user_id(id);
    return recloop_->GetUser(get);
  }
};

TEST_F(RecloopCatalogTest, StoresAndReplacesItemsAndUsers) {
  ASSERT_TRUE(CreateShop().ok());
  v1::DescribeDatasetGroupRequest describe;
  describe.set_name("shop");
  auto described = recloop_->DescribeDatasetGroup(describe);
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_EQ(described->items_schema(), kItemsSchema);
  EXPECT_EQ(described->users_schema(), kUsersSchema);

  ASSERT_TRUE(PutItem("book-1", R"({"genres": "fiction|crime", "price": 12.5})").ok());
  auto item = GetItem("book-1");
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->item_id(), "book-1");
  EXPECT_EQ(item->properties(), R"({"genres": "fiction|crime", "price": 12.5})");
  // Putting it again replaces its properties.
  ASSERT_TRUE(PutItem("book-1", R"({"genres": "poetry"})").ok());
  EXPECT_EQ(GetItem("book-1")->properties(), R"({"genres": "poetry"})");
  EXPECT_EQ(GetItem("book-2").status().code(), absl::StatusCode::kNotFound);

  v1::PutUsersRequest users;
  users.set_dataset_group("shop");
  for (const char* id : {"ann", "bob"}) {
    v1::User* user = users.add_users();
    user->set_user_id(id);
    user->set_properties(R"({"age": 40})");
  }
  ASSERT_TRUE(recloop_->PutUsers(users).ok());
  EXPECT_EQ(GetUser("bob")->properties(), R"({"age": 40})");

  // Durable: the records and the schemas are there after a restart.
  Crash();
  EXPECT_EQ(GetItem("book-1")->properties(), R"({"genres": "poetry"})");
  EXPECT_EQ(GetUser("ann")->properties(), R"({"age": 40})");
  EXPECT_THAT(PutItem("book-3", R"({"price": "free"})").message(),
              HasSubstr("items[0].properties.price: expected a number"));
}

TEST_F(RecloopCatalogTest, ABadRecordStoresNothingOfItsCall) {
  ASSERT_TRUE(CreateShop().ok());
  v1::PutItemsRequest put;
  put.set_dataset_group("shop");
  v1::Item* good = put.add_items();
  good->set_item_id("good");
  good->set_properties(R"({"genres": "a"})");
  v1::Item* bad = put.add_items();
  bad->set_item_id("bad");
  bad->set_properties(R"({"genres": "a", "weight": 3})");
  auto status = recloop_->PutItems(put).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "items[1].properties.weight: not a field of the dataset group's Items schema");
  EXPECT_EQ(GetItem("good").status().code(), absl::StatusCode::kNotFound);

  bad->set_properties("");
  bad->set_item_id("");
  EXPECT_EQ(recloop_->PutItems(put).status().message(),
            "items[1].item_id: must be 1-256 characters");
  bad->set_item_id(std::string(257, 'x'));
  EXPECT_EQ(recloop_->PutItems(put).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetItem("good").status().code(), absl::StatusCode::kNotFound);

  v1::PutItemsRequest none;
  none.set_dataset_group("shop");
  EXPECT_EQ(recloop_->PutItems(none).status().message(), "items: 1-10 records per call");
  for (int i = 0; i < 11; ++i) none.add_items()->set_item_id("i");
  EXPECT_EQ(recloop_->PutItems(none).status().message(), "items: 1-10 records per call");
  v1::PutUsersRequest user;
  user.set_dataset_group("shop");
  user.add_users()->set_user_id("u");
  user.mutable_users(0)->set_properties(R"({"age": "old"})");
  EXPECT_THAT(recloop_->PutUsers(user).status().message(),
              HasSubstr("users[0].properties.age: expected an integer"));
  EXPECT_EQ(GetUser("u").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RecloopCatalogTest, WithoutASchemaMetadataIsAFailedPrecondition) {
  ASSERT_TRUE(CreateShop(kItemsSchema, "").ok());
  v1::PutUsersRequest users;
  users.set_dataset_group("shop");
  users.add_users()->set_user_id("ann");
  auto status = recloop_->PutUsers(users).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("has no users_schema"));
  EXPECT_TRUE(PutItem("a", "").ok());

  v1::PutItemsRequest elsewhere;
  elsewhere.set_dataset_group("nowhere");
  elsewhere.add_items()->set_item_id("a");
  EXPECT_EQ(recloop_->PutItems(elsewhere).status().code(), absl::StatusCode::kNotFound);
  elsewhere.set_dataset_group("");
  EXPECT_EQ(recloop_->PutItems(elsewhere).status().message(), "dataset_group: required");
}

TEST_F(RecloopCatalogTest, ABadSchemaCreatesNoGroup) {
  const absl::Status status =
      CreateShop(R"({"type": "record", "fields": [{"name": "SKU", "type": "string"}]})");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "items_schema: missing required field ITEM_ID");
  v1::DescribeDatasetGroupRequest describe;
  describe.set_name("shop");
  EXPECT_EQ(recloop_->DescribeDatasetGroup(describe).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RecloopCatalogTest, DeletingTheGroupDeletesItsMetadata) {
  ASSERT_TRUE(CreateShop().ok());
  ASSERT_TRUE(PutItem("book-1", R"({"genres": "fiction"})").ok());
  v1::DeleteDatasetGroupRequest del;
  del.set_name("shop");
  ASSERT_TRUE(recloop_->DeleteDatasetGroup(del).ok());
  EXPECT_EQ(GetItem("book-1").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(CreateShop().ok());
  EXPECT_EQ(GetItem("book-1").status().code(), absl::StatusCode::kNotFound);

  // Nothing of the first group (id 1) is left in the catalog.
  recloop_.reset();
  StoreOptions options;
  options.path = dir_.path();
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto records = (*store)->NewPrefixCursor(Cf::kCatalog, GroupPrefix(1));
  records->SeekToFirst();
  EXPECT_FALSE(records->Valid()) << "metadata of the deleted group is left";
}

}  // namespace
}  // namespace recloop

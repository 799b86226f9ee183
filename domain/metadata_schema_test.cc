// Items and Users schemas: parsing Personalize's Avro JSON and checking a
// record's properties against it.
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

constexpr char kItems[] = R"({"type": "record", "name": "Items", "fields": [
  {"name": "ITEM_ID", "type": "string"},
  {"name": "CREATION_TIMESTAMP", "type": "long"},
  {"name": "GENRES", "type": ["null", "string"], "categorical": true},
  {"name": "PRICE", "type": "double"},
  {"name": "STOCK", "type": "int"},
  {"name": "IN_STOCK", "type": "boolean"}], "version": "1.0"})";

constexpr char kUsers[] = R"({"type": "record", "name": "Users", "fields": [
  {"name": "USER_ID", "type": "string"},
  {"name": "AGE", "type": "int"},
  {"name": "GENDER", "type": "string", "categorical": true}]})";

TEST(MetadataSchemaTest, ParsesItemsAndUsersSchemas) {
  auto items = MetadataSchema::Parse(kItems, MetadataKind::kItems);
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_EQ(items->fields().size(), 6u);
  EXPECT_EQ(items->fields()[1].json_key, "creationTimestamp");
  EXPECT_TRUE(items->fields()[2].categorical);
  EXPECT_TRUE(items->fields()[2].nullable);
  auto users = MetadataSchema::Parse(kUsers, MetadataKind::kUsers);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->json(), kUsers);
}

TEST(MetadataSchemaTest, RejectsBadSchemasNamingTheRequestField) {
  struct Case {
    std::string json;
    MetadataKind kind;
    std::string error;
  };
  const Case cases[] = {
      {R"({"type": "record", "fields": [{"name": "GENRE", "type": "string"}]})",
       MetadataKind::kItems, "items_schema: missing required field ITEM_ID"},
      {R"({"type": "record", "fields": [{"name": "ITEM_ID", "type": "string"}]})",
       MetadataKind::kUsers, "users_schema: missing required field USER_ID"},
      {R"({"type": "record", "fields": [{"name": "ITEM_ID", "type": "string"},
          {"name": "CREATION_TIMESTAMP", "type": "string"}]})",
       MetadataKind::kItems, "items_schema: field CREATION_TIMESTAMP must be of type long"},
      {R"({"type": "record", "fields": [{"name": "ITEM_ID", "type": "long"}]})",
       MetadataKind::kItems, "items_schema: field ITEM_ID must be of type string"},
      {R"({"type": "record", "fields": [{"name": "USER_ID", "type": "string"},
          {"name": "AGE", "type": "int", "categorical": true}]})",
       MetadataKind::kUsers, "users_schema: field AGE: categorical fields must be strings"},
      {"not json", MetadataKind::kItems, "items_schema: not a JSON object"},
  };
  for (const Case& c : cases) {
    auto parsed = MetadataSchema::Parse(c.json, c.kind);
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.error));
  }
}

TEST(MetadataSchemaTest, ChecksPropertiesAgainstTheSchema) {
  auto items = MetadataSchema::Parse(kItems, MetadataKind::kItems);
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_TRUE(items->ValidateProperties("", "items[0].properties").ok());
  EXPECT_TRUE(items
                  ->ValidateProperties(R"({"genres": "comedy|drama", "price": 9.5,
                      "stock": 3, "inStock": true, "creationTimestamp": 1700000000})",
                                       "items[0].properties")
                  .ok());
  EXPECT_TRUE(items->ValidateProperties(R"({"genres": null})", "p").ok());

  struct Case {
    std::string properties;
    std::string error;
  };
  const Case cases[] = {
      {R"({"price": "cheap"})",
       "items[2].properties.price: expected a number (PRICE is double), got a string"},
      {R"({"stock": 1.5})", "items[2].properties.stock: expected a 32-bit integer"},
      {R"({"inStock": "yes"})", "items[2].properties.inStock: expected a boolean"},
      {R"({"colour": "red"})",
       "items[2].properties.colour: not a field of the dataset group's Items schema"},
      {R"({"itemId": "x"})", "items[2].properties.itemId: reserved key; use the record's item_id"},
      {R"({"price": null})", "items[2].properties.price: may not be null"},
      {"[1, 2]", "items[2].properties: not a JSON object"},
      {absl::StrCat(R"({"genres": ")", std::string(32000, 'x'), R"("})"),
       "items[2].properties: at most 32000 characters"},
  };
  for (const Case& c : cases) {
    const absl::Status status = items->ValidateProperties(c.properties, "items[2].properties");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.properties;
    EXPECT_THAT(status.message(), HasSubstr(c.error));
  }

  auto users = MetadataSchema::Parse(kUsers, MetadataKind::kUsers);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_TRUE(users->ValidateProperties(R"({"age": 31, "gender": "F"})", "p").ok());
  EXPECT_THAT(users->ValidateProperties(R"({"userId": "u"})", "users[0].properties")
                  .message(),
              HasSubstr("users[0].properties.userId: reserved key; use the record's user_id"));
  EXPECT_THAT(users->ValidateProperties(
                       absl::StrCat(R"({"gender": ")", std::string(24000, 'x'), R"("})"),
                       "users[0].properties")
                  .message(),
              HasSubstr("at most 24000 characters"));
}

}  // namespace
}  // namespace recloop

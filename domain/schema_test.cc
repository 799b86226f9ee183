#include "domain/schema.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

std::string Schema(const std::string& extra_fields) {
  return R"({"type":"record","name":"Interactions","fields":[)"
         R"({"name":"USER_ID","type":"string"},)"
         R"({"name":"ITEM_ID","type":"string"},)"
         R"({"name":"TIMESTAMP","type":"long"})" +
         extra_fields + R"(],"version":"1.0"})";
}

TEST(SchemaTest, EmptyMeansTheDefaultInteractionsSchema) {
  auto schema = InteractionsSchema::Parse("");
  ASSERT_TRUE(schema.ok()) << schema.status();
  std::vector<std::string> names;
  for (const auto& f : schema->fields()) names.push_back(f.name);
  EXPECT_THAT(names, ::testing::ElementsAre("USER_ID", "ITEM_ID", "TIMESTAMP",
                                            "EVENT_TYPE", "EVENT_VALUE", "IMPRESSION",
                                            "RECOMMENDATION_ID",
                                            "EVENT_ATTRIBUTION_SOURCE"));
  EXPECT_THAT(schema->json(), HasSubstr("\"USER_ID\""));
  // The default text parses to the same schema again.
  EXPECT_TRUE(InteractionsSchema::Parse(schema->json()).ok());
}

TEST(SchemaTest, AcceptsCustomMetadataFields) {
  auto schema = InteractionsSchema::Parse(Schema(
      R"(,{"name":"NUM_RATINGS","type":"int"},)"
      R"({"name":"DEVICE","type":["null","string"],"categorical":true})"));
  ASSERT_TRUE(schema.ok()) << schema.status();
  const SchemaField* device = schema->FindByJsonKey("device");
  ASSERT_NE(device, nullptr);
  EXPECT_TRUE(device->categorical);
  EXPECT_TRUE(device->nullable);
  const SchemaField* ratings = schema->FindByJsonKey("numRatings");
  ASSERT_NE(ratings, nullptr);
  EXPECT_EQ(ratings->type, FieldType::kInt);
}

TEST(SchemaTest, RejectsBadSchemasWithTheReason) {
  struct Case {
    std::string json;
    std::string reason;
  } cases[] = {
      {"not json", "not a JSON object"},
      {"[1,2]", "not a JSON object"},
      {R"({"type":"enum","fields":[]})", "\"type\" must be \"record\""},
      {R"({"type":"record"})", "\"fields\" must be a non-empty array"},
      {R"({"type":"record","fields":[{"name":"USER_ID","type":"string"},)"
       R"({"name":"ITEM_ID","type":"string"}]})",
       "missing required field TIMESTAMP"},
      {Schema("").substr(0, Schema("").find("{\"name\":\"TIMESTAMP\"")) +
           R"({"name":"TIMESTAMP","type":"string"}]})",
       "TIMESTAMP must be of type long"},
      {Schema(R"(,{"name":"USER_ID","type":"string"})"), "duplicate field USER_ID"},
      {Schema(R"(,{"name":"BAD-NAME","type":"string"})"), "invalid field name"},
      {Schema(R"(,{"name":"TAGS","type":"bytes"})"), "unsupported type \"bytes\""},
      {Schema(R"(,{"name":"N","type":"int","categorical":true})"),
       "categorical fields must be strings"},
      {Schema(R"(,{"name":"EVENT_VALUE","type":"string"})"),
       "EVENT_VALUE must be of type float or double"},
      {Schema(R"(,{"name":"X","type":["int","string"]})"), "one primitive type"},
  };
  for (const Case& c : cases) {
    auto schema = InteractionsSchema::Parse(c.json);
    ASSERT_FALSE(schema.ok()) << c.json;
    EXPECT_EQ(schema.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(schema.status().message()), HasSubstr(c.reason)) << c.json;
    EXPECT_THAT(std::string(schema.status().message()), HasSubstr("schema: "));
  }
}

TEST(SchemaTest, CamelCasesFieldNames) {
  EXPECT_EQ(CamelCaseFieldName("NUM_RATINGS"), "numRatings");
  EXPECT_EQ(CamelCaseFieldName("EVENT_ATTRIBUTION_SOURCE"), "eventAttributionSource");
  EXPECT_EQ(CamelCaseFieldName("DEVICE"), "device");
}

class PropertiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = InteractionsSchema::Parse(Schema(
        R"(,{"name":"NUM_RATINGS","type":"int"},)"
        R"({"name":"PRICE","type":"double"},)"
        R"({"name":"PREMIUM","type":"boolean"},)"
        R"({"name":"NOTE","type":["null","string"]},)"
        R"({"name":"DEVICE","type":"string","categorical":true})"));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    schema_ = *parsed;
  }
  absl::Status Check(const std::string& properties) {
    return schema_.ValidateProperties(properties, "event_list[3].properties").status();
  }
  InteractionsSchema schema_;
};

TEST_F(PropertiesTest, AcceptsValuesOfTheDeclaredTypes) {
  EXPECT_TRUE(Check("").ok());
  EXPECT_TRUE(Check("{}").ok());
  EXPECT_TRUE(Check(R"({"numRatings":5,"price":9.5,"premium":true,"note":null})").ok());
  auto props = schema_.ValidateProperties(R"({"device":"mobile|tablet","itemId":"i9"})",
                                          "p");
  ASSERT_TRUE(props.ok()) << props.status();
  ASSERT_EQ(props->categories.size(), 2u);
  EXPECT_EQ(props->categories[0], std::make_pair(std::string("DEVICE"),
                                                 std::string("mobile")));
  EXPECT_EQ(props->item_id, "i9");
}

TEST_F(PropertiesTest, RejectsWrongTypesNamingTheKey) {
  struct Case {
    std::string json;
    std::string message;
  } cases[] = {
      {R"({"numRatings":"five"})", "event_list[3].properties.numRatings: expected"},
      {R"({"numRatings":2.5})", "event_list[3].properties.numRatings: expected a 32-bit"},
      {R"({"numRatings":3000000000})", "numRatings: expected a 32-bit integer"},
      {R"({"price":"cheap"})", "event_list[3].properties.price: expected a number"},
      {R"({"premium":1})", "event_list[3].properties.premium: expected a boolean"},
      {R"({"device":null})", "event_list[3].properties.device: may not be null"},
      {R"({"color":"red"})", "properties.color: not a field of the dataset group's schema"},
      {R"({"userId":"u"})", "properties.userId: reserved key"},
      {R"({"impression":"a"})", "properties.impression: reserved key"},
      {R"([1,2])", "event_list[3].properties: not a JSON object"},
      {R"({"numRatings":)", "event_list[3].properties: not a JSON object"},
  };
  for (const Case& c : cases) {
    absl::Status s = Check(c.json);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.message)) << c.json;
  }
}

}  // namespace
}  // namespace recloop

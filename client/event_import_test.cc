#include "client/event_import.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const ImportDefaults kDefaults{"tracker-1", "", "view"};

TEST(ParseJsonLineTest, ReadsEveryField) {
  auto event = ParseJsonLine(
      R"({"user_id": "u1", "session_id": "s1", "event_type": "click", "item_id": "i1",
          "event_value": 4.5, "sent_at": "2026-11-23T10:00:00Z", "event_id": "e1",
          "recommendation_id": "RID-1", "impression": ["i1", "i2"],
          "properties": {"device": "mobile"}, "attribution_source": "email",
          "tracking_id": "tracker-2"})",
      kDefaults);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->tracking_id, "tracker-2");
  EXPECT_EQ(event->user_id, "u1");
  EXPECT_EQ(event->session_id, "s1");
  EXPECT_EQ(event->event.event_type(), "click");
  EXPECT_EQ(event->event.item_id(), "i1");
  EXPECT_FLOAT_EQ(event->event.event_value(), 4.5);
  EXPECT_EQ(event->event.sent_at().seconds(), 1795428000);
  EXPECT_EQ(event->event.event_id(), "e1");
  EXPECT_EQ(event->event.recommendation_id(), "RID-1");
  EXPECT_THAT(event->event.impression(), ElementsAre("i1", "i2"));
  EXPECT_EQ(event->event.properties(), R"({"device":"mobile"})");
  EXPECT_EQ(event->event.metric_attribution().event_attribution_source(), "email");
}

TEST(ParseJsonLineTest, FlagsFillWhatTheLineLeavesOut) {
  auto event = ParseJsonLine(R"({"user_id": "u1", "item_id": "i1", "sent_at": 1700000000.25})",
                             kDefaults);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->tracking_id, "tracker-1");
  EXPECT_EQ(event->session_id, "u1");  // one session per user
  EXPECT_EQ(event->event.event_type(), "view");
  EXPECT_EQ(event->event.sent_at().seconds(), 1700000000);
  EXPECT_EQ(event->event.sent_at().nanos(), 250000000);
  EXPECT_FALSE(event->event.has_event_value());
}

TEST(ParseJsonLineTest, ErrorsNameTheField) {
  EXPECT_THAT(ParseJsonLine(R"({"user_id": "u1", "itemid": "i1"})", kDefaults).status().message(),
              HasSubstr("itemid: unknown field"));
  EXPECT_THAT(ParseJsonLine(R"({"user_id": "u1", "sent_at": "yesterday"})", kDefaults)
                  .status()
                  .message(),
              HasSubstr("sent_at"));
  EXPECT_THAT(ParseJsonLine(R"({"user_id": "u1", "event_value": "high"})", kDefaults)
                  .status()
                  .message(),
              HasSubstr("event_value: must be a number"));
  EXPECT_THAT(ParseJsonLine(R"({"item_id": "i1"})", kDefaults).status().message(),
              HasSubstr("session_id"));
  EXPECT_THAT(ParseJsonLine(R"({"user_id": "u1"})", ImportDefaults{"", "", "view"})
                  .status()
                  .message(),
              HasSubstr("tracking_id"));
  EXPECT_THAT(ParseJsonLine(R"({"user_id": "u1"})", ImportDefaults{"t", "", ""})
                  .status()
                  .message(),
              HasSubstr("event_type"));
  EXPECT_EQ(ParseJsonLine("not json", kDefaults).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SplitCsvLineTest, HandlesQuotesAndEmptyFields) {
  auto fields = SplitCsvLine(R"(a,"b,c","say ""hi""",,e)"
                             "\r");
  ASSERT_TRUE(fields.ok());
  EXPECT_THAT(*fields, ElementsAre("a", "b,c", R"(say "hi")", "", "e"));
  EXPECT_FALSE(SplitCsvLine(R"(a,"open)").ok());
}

TEST(CsvEventReaderTest, ReadsPersonalizeInteractionsFiles) {
  auto reader = CsvEventReader::Create(
      "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE,IMPRESSION", kDefaults);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto event = reader->Parse("u1,i1,1700000000,purchase,3,i1|i2|i3");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->user_id, "u1");
  EXPECT_EQ(event->session_id, "u1");
  EXPECT_EQ(event->event.item_id(), "i1");
  EXPECT_EQ(event->event.sent_at().seconds(), 1700000000);
  EXPECT_EQ(event->event.event_type(), "purchase");
  EXPECT_FLOAT_EQ(event->event.event_value(), 3);
  EXPECT_THAT(event->event.impression(), ElementsAre("i1", "i2", "i3"));
  // Empty cells take the defaults.
  auto sparse = reader->Parse("u2,i2,1700000001,,,");
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  EXPECT_EQ(sparse->event.event_type(), "view");
  EXPECT_FALSE(sparse->event.has_event_value());
  EXPECT_TRUE(sparse->event.impression().empty());
}

TEST(CsvEventReaderTest, PropertiesAndQuotedCells) {
  auto reader = CsvEventReader::Create("user_id,item_id,properties", kDefaults);
  ASSERT_TRUE(reader.ok());
  auto event = reader->Parse(R"(u1,"item, with comma","{""device"": ""mobile""}")");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->event.item_id(), "item, with comma");
  EXPECT_EQ(event->event.properties(), R"({"device": "mobile"})");
}

TEST(CsvEventReaderTest, ErrorsNameTheColumn) {
  EXPECT_THAT(CsvEventReader::Create("user_id,item", kDefaults).status().message(),
              HasSubstr("unknown column \"item\""));
  EXPECT_THAT(CsvEventReader::Create("user_id,USER_ID", kDefaults).status().message(),
              HasSubstr("twice"));
  auto reader = CsvEventReader::Create("user_id,item_id,event_value", kDefaults);
  ASSERT_TRUE(reader.ok());
  EXPECT_THAT(reader->Parse("u1,i1").status().message(), HasSubstr("2 fields, the header has 3"));
  EXPECT_THAT(reader->Parse("u1,i1,lots").status().message(), HasSubstr("event_value"));
}

}  // namespace
}  // namespace recloop::client

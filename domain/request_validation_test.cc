#include "domain/request_validation.h"

#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

v1::PutEventsRequest ValidPut() {
  v1::PutEventsRequest r;
  r.set_tracking_id("t");
  r.set_session_id("s");
  r.set_user_id("u");
  for (int i = 0; i < 3; ++i) {
    v1::Event* e = r.add_event_list();
    e->set_event_type("click");
    e->set_item_id("item");
    e->mutable_sent_at()->set_seconds(1700000000);
  }
  return r;
}

void ExpectInvalid(const absl::Status& s, const std::string& message) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(message));
}

TEST(RequestValidationTest, AcceptsAValidPutEvents) {
  EXPECT_TRUE(ValidatePutEventsRequest(ValidPut()).ok());
}

TEST(RequestValidationTest, PutEventsLimitsNameTheFieldAndIndex) {
  const std::string k257(257, 'x');
  struct Case {
    std::function<void(v1::PutEventsRequest*)> mutate;
    std::string message;
  } cases[] = {
      {[](auto* r) { r->clear_tracking_id(); }, "tracking_id: required"},
      {[&](auto* r) { r->set_tracking_id(k257); }, "tracking_id: longer than 256"},
      {[](auto* r) { r->clear_session_id(); }, "session_id: required"},
      {[&](auto* r) { r->set_session_id(k257); }, "session_id: longer than 256"},
      {[&](auto* r) { r->set_user_id(k257); }, "user_id: longer than 256"},
      {[](auto* r) { r->clear_event_list(); }, "event_list: required"},
      {[](auto* r) {
         while (r->event_list_size() < 11) *r->add_event_list() = r->event_list(0);
       },
       "event_list: more than 10 events"},
      {[](auto* r) { r->mutable_event_list(2)->clear_event_type(); },
       "event_list[2].event_type: required"},
      {[&](auto* r) { r->mutable_event_list(1)->set_event_type(k257); },
       "event_list[1].event_type: longer than 256"},
      {[](auto* r) { r->mutable_event_list(2)->clear_sent_at(); },
       "event_list[2].sent_at: required"},
      {[](auto* r) { r->mutable_event_list(0)->mutable_sent_at()->set_nanos(-1); },
       "event_list[0].sent_at: not a valid timestamp"},
      {[&](auto* r) { r->mutable_event_list(1)->set_event_id(k257); },
       "event_list[1].event_id: longer than 256"},
      {[&](auto* r) { r->mutable_event_list(2)->set_item_id(k257); },
       "event_list[2].item_id: longer than 256"},
      {[](auto* r) { r->mutable_event_list(0)->set_properties(std::string(1025, ' ')); },
       "event_list[0].properties: longer than 1024"},
      {[](auto* r) { r->mutable_event_list(1)->set_recommendation_id(std::string(41, 'r')); },
       "event_list[1].recommendation_id: longer than 40"},
      {[](auto* r) {
         for (int i = 0; i < 26; ++i) r->mutable_event_list(2)->add_impression("i");
       },
       "event_list[2].impression: more than 25"},
      {[](auto* r) { r->mutable_event_list(0)->add_impression(""); },
       "event_list[0].impression[0]: required"},
      {[&](auto* r) {
         r->mutable_event_list(0)->add_impression("ok");
         r->mutable_event_list(0)->add_impression(k257);
       },
       "event_list[0].impression[1]: longer than 256"},
      {[](auto* r) {
         r->mutable_event_list(1)->mutable_metric_attribution()->set_event_attribution_source(
             std::string(1025, 'a'));
       },
       "event_list[1].metric_attribution.event_attribution_source: longer than 1024"},
      {[](auto* r) {
         r->mutable_event_list(1)->mutable_metric_attribution()->set_event_attribution_source(
             "tab\there");
       },
       "event_attribution_source: must be printable ASCII"},
      {[](auto* r) {
         r->mutable_event_list(0)->set_event_value(std::numeric_limits<float>::infinity());
       },
       "event_list[0].event_value: must be a finite number"},
  };
  for (const Case& c : cases) {
    v1::PutEventsRequest r = ValidPut();
    c.mutate(&r);
    ExpectInvalid(ValidatePutEventsRequest(r), c.message);
  }
}

TEST(RequestValidationTest, LimitsCountCharactersNotBytes) {
  v1::PutEventsRequest r = ValidPut();
  std::string e256;
  for (int i = 0; i < 256; ++i) e256 += "\xc3\xa9";  // 256 x U+00E9, 512 bytes
  r.set_user_id(e256);
  r.mutable_event_list(0)->set_item_id(e256);
  EXPECT_TRUE(ValidatePutEventsRequest(r).ok());
  r.set_user_id(e256 + "\xc3\xa9");
  ExpectInvalid(ValidatePutEventsRequest(r), "user_id: longer than 256 characters");
  r.set_user_id("bad\xc3");
  ExpectInvalid(ValidatePutEventsRequest(r), "user_id: not valid UTF-8");
  EXPECT_EQ(Utf8Length("a\xe2\x82\xac\xf0\x9f\x98\x80"), 3u);
  EXPECT_FALSE(Utf8Length("\x80").has_value());
}

TEST(RequestValidationTest, EverythingAtItsLimitIsAccepted) {
  v1::PutEventsRequest r = ValidPut();
  const std::string k256(256, 'k');
  r.set_tracking_id(k256);
  r.set_session_id(k256);
  r.set_user_id(k256);
  while (r.event_list_size() < 10) *r.add_event_list() = r.event_list(0);
  v1::Event* e = r.mutable_event_list(9);
  e->set_event_id(k256);
  e->set_event_type(k256);
  e->set_item_id(k256);
  e->set_recommendation_id(std::string(40, 'r'));
  e->set_properties("{" + std::string(1022, ' ') + "}");
  for (int i = 0; i < 25; ++i) e->add_impression(k256);
  e->mutable_metric_attribution()->set_event_attribution_source(std::string(1024, 'a'));
  absl::Status s = ValidatePutEventsRequest(r);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(RequestValidationTest, UserIdIsOptional) {
  v1::PutEventsRequest r = ValidPut();
  r.clear_user_id();
  EXPECT_TRUE(ValidatePutEventsRequest(r).ok());
}

TEST(RequestValidationTest, RecommendationLimits) {
  v1::GetRecommendationsRequest r;
  r.set_dataset_group("g");
  r.set_user_id("u");
  EXPECT_TRUE(ValidateGetRecommendationsRequest(r).ok());
  r.set_num_results(500);
  EXPECT_TRUE(ValidateGetRecommendationsRequest(r).ok());
  r.set_num_results(501);
  ExpectInvalid(ValidateGetRecommendationsRequest(r), "num_results: must be 0-500");
  r.set_num_results(-1);
  ExpectInvalid(ValidateGetRecommendationsRequest(r), "num_results");
  r.set_num_results(0);
  r.clear_dataset_group();
  ExpectInvalid(ValidateGetRecommendationsRequest(r), "dataset_group: required");
  r.set_dataset_group("g");
  (*r.mutable_context())["DEVICE"] = std::string(1001, 'v');
  ExpectInvalid(ValidateGetRecommendationsRequest(r), "context[DEVICE]");
}

TEST(RequestValidationTest, RankingLimits) {
  v1::GetPersonalizedRankingRequest r;
  r.set_dataset_group("g");
  r.set_user_id("u");
  // The list holds 1-500 ids, as the proto and Personalize say; no user
  // ranks by popularity.
  ExpectInvalid(ValidateGetPersonalizedRankingRequest(r), "input_list: required");
  r.clear_user_id();
  r.add_input_list("a");
  EXPECT_TRUE(ValidateGetPersonalizedRankingRequest(r).ok());
  r.clear_input_list();
  for (int i = 0; i < 500; ++i) r.add_input_list("item" + std::to_string(i));
  EXPECT_TRUE(ValidateGetPersonalizedRankingRequest(r).ok());
  r.add_input_list("one-too-many");
  ExpectInvalid(ValidateGetPersonalizedRankingRequest(r), "input_list: more than 500");
  r.clear_input_list();
  r.add_input_list("a");
  r.add_input_list("");
  ExpectInvalid(ValidateGetPersonalizedRankingRequest(r), "input_list[1]: required");
}

TEST(RequestValidationTest, HistoryLimits) {
  v1::GetUserHistoryRequest r;
  r.set_dataset_group("g");
  ExpectInvalid(ValidateGetUserHistoryRequest(r), "user_id: required");
  r.set_user_id("u");
  EXPECT_TRUE(ValidateGetUserHistoryRequest(r).ok());
  r.set_max_results(10001);
  ExpectInvalid(ValidateGetUserHistoryRequest(r), "max_results");
}

}  // namespace
}  // namespace recloop

// Recloop's notion of time through its public API, on a real RocksDB store:
// an event's sent_at is kept as given, to the nanosecond.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "domain/recloop.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// The server's clock when each test starts.
constexpr int64_t kNowSeconds = 1800000000;

class RecloopTimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open());
    v1::CreateDatasetGroupRequest group;
    group.set_name("shop");
    ASSERT_TRUE(recloop_->CreateDatasetGroup(group).ok());
    v1::CreateEventTrackerRequest tracker;
    tracker.set_name("web");
    tracker.set_dataset_group("shop");
    auto created = recloop_->CreateEventTracker(tracker);
    ASSERT_TRUE(created.ok()) << created.status();
    tracking_id_ = created->tracking_id();
  }

  // Opens (or reopens) the store; it closes as a crash would, leaving the
  // journal to replay.
  void Open() {
    recloop_.reset();
    RecloopOptions options;
    options.store.path = dir_.path();
    options.store.small_footprint = true;
    options.checkpoint_on_close = false;
    options.checkpoint_interval = absl::Hours(1);  // Only explicit ones.
    options.clock = &clock_;
    auto opened = Recloop::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    recloop_ = *std::move(opened);
  }

  static google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(seconds);
    ts.set_nanos(nanos);
    return ts;
  }

  // One click of `user` on `item`; the response of PutEvents.
  v1::PutEventsResponse Click(const std::string& user, const std::string& item,
                              const google::protobuf::Timestamp& sent_at,
                              const std::string& event_id = "") {
    v1::PutEventsRequest request;
    request.set_tracking_id(tracking_id_);
    request.set_user_id(user);
    request.set_session_id("s-" + user);
    v1::Event* event = request.add_event_list();
    event->set_event_id(event_id);
    event->set_event_type("click");
    event->set_item_id(item);
    *event->mutable_sent_at() = sent_at;
    auto response = recloop_->PutEvents(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : v1::PutEventsResponse();
  }

  // The sent_at of each of the user's stored events, oldest first.
  std::vector<std::pair<int64_t, int32_t>> SentAt(const std::string& user) {
    v1::GetUserHistoryRequest request;
    request.set_dataset_group("shop");
    request.set_user_id(user);
    auto response = recloop_->GetUserHistory(request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::pair<int64_t, int32_t>> sent;
    if (response.ok()) {
      for (const auto& e : response->events()) {
        sent.emplace_back(e.event().sent_at().seconds(), e.event().sent_at().nanos());
      }
    }
    return sent;
  }

  TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(kNowSeconds)};
  std::unique_ptr<Recloop> recloop_;
  std::string tracking_id_;
};

TEST_F(RecloopTimeTest, SentAtKeepsItsNanosecondsAndDeduplicatesByThem) {
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 500), "e1").stored_count(), 1);
  // The same content one nanosecond later, with another id: another event.
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 501), "e2").stored_count(), 1);
  // Exact repeats of either under new ids are duplicates.
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 501), "e3").duplicate_count(), 1);
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 500), "e4").duplicate_count(), 1);
  // So are repeats of a microsecond-aligned event.
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 7000), "e5").stored_count(), 1);
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 7000), "e6").duplicate_count(), 1);
  EXPECT_THAT(SentAt("u"), ElementsAre(Pair(kNowSeconds, 500), Pair(kNowSeconds, 501),
                                       Pair(kNowSeconds, 7000)));
}

}  // namespace
}  // namespace recloop

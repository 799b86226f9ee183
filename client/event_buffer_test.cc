// EventBuffer against a real RecloopServer on a real RocksDB store.
#include "client/event_buffer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/in_process_server.h"
#include "tests/testing/poll.h"

namespace recloop::client {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

class EventBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    ClientOptions client_options;
    client_options.max_attempts = 100;  // ride out a restart within the timeout
    client_ = Client::Connect(server_.address(), client_options);
    v1::CreateDatasetGroupRequest group;
    group.set_name("shop");
    ASSERT_TRUE(client_->CreateDatasetGroup(group).ok());
    v1::CreateEventTrackerRequest tracker;
    tracker.set_name("shop-tracker");
    tracker.set_dataset_group("shop");
    auto created = client_->CreateEventTracker(tracker);
    ASSERT_TRUE(created.ok()) << created.status();
    tracking_id_ = created->tracking_id();
  }

  static v1::Event View(int n) {
    v1::Event event;
    event.set_event_type("view");
    event.set_item_id(absl::StrCat("item-", n));
    event.mutable_sent_at()->set_seconds(1700000000 + n);
    return event;
  }

  v1::GetUserHistoryResponse History(const std::string& user) {
    v1::GetUserHistoryRequest request;
    request.set_dataset_group("shop");
    request.set_user_id(user);
    auto history = client_->GetUserHistory(request);
    EXPECT_TRUE(history.ok()) << history.status();
    return history.ok() ? *history : v1::GetUserHistoryResponse();
  }

  // Polls until `buffer` has had `calls` calls answered (or 30 s pass).
  static int64_t WaitForCalls(const EventBuffer& buffer, int64_t calls) {
    for (int i = 0; i < 3000 && buffer.stats().calls < calls; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return buffer.stats().calls;
  }

  InProcessServer server_;
  std::unique_ptr<Client> client_;
  std::string tracking_id_;
};

TEST_F(EventBufferTest, AFullBatchIsSentWithoutWaitingForTheDelay) {
  EventBufferOptions options;
  options.max_delay = absl::Hours(1);  // only size can trigger a send
  EventBuffer buffer(client_.get(), options);
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(buffer.Add(tracking_id_, "u1", "s1", View(i)).ok());
  ASSERT_EQ(WaitForCalls(buffer, 1), 1);
  EXPECT_EQ(buffer.stats().stored, 10);
  EXPECT_EQ(History("u1").events_size(), 10);
  // The remaining five wait for their batch to fill, or for Flush().
  EXPECT_EQ(History("u1").events_size(), 10);
  ASSERT_TRUE(buffer.Flush().ok());
  EXPECT_EQ(History("u1").events_size(), 15);
  EXPECT_EQ(buffer.stats().calls, 2);
}

TEST_F(EventBufferTest, APartialBatchIsSentAfterMaxDelay) {
  EventBufferOptions options;
  options.max_delay = absl::Milliseconds(50);
  EventBuffer buffer(client_.get(), options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(buffer.Add(tracking_id_, "u1", "s1", View(i)).ok());
  // No Flush(): only the delay can send them.
  ASSERT_EQ(WaitForCalls(buffer, 1), 1);
  EXPECT_EQ(History("u1").events_size(), 3);
}

TEST_F(EventBufferTest, CloseSendsEverythingAccepted) {
  EventBufferOptions options;
  options.max_delay = absl::Hours(1);
  {
    EventBuffer buffer(client_.get(), options);
    for (int i = 0; i < 25; ++i) {
      ASSERT_TRUE(buffer.Add(tracking_id_, absl::StrCat("u", i % 3), "s", View(i)).ok());
    }
    ASSERT_TRUE(buffer.Close().ok());
    EXPECT_EQ(buffer.stats().stored, 25);
    EXPECT_EQ(buffer.Add(tracking_id_, "u0", "s", View(99)).code(),
              absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(History("u0").events_size(), 9);
  EXPECT_EQ(History("u1").events_size(), 8);
  EXPECT_EQ(History("u2").events_size(), 8);
}

TEST_F(EventBufferTest, TheDestructorFlushes) {
  EventBufferOptions options;
  options.max_delay = absl::Hours(1);
  {
    EventBuffer buffer(client_.get(), options);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(buffer.Add(tracking_id_, "u1", "s1", View(i)).ok());
  }
  EXPECT_EQ(History("u1").events_size(), 4);
}

TEST_F(EventBufferTest, BatchesAreKeptPerUserAndSessionInOrder) {
  EventBufferOptions options;
  options.max_delay = absl::Hours(1);
  options.max_batch_events = 3;
  EventBuffer buffer(client_.get(), options);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(buffer.Add(tracking_id_, "u1", i % 2 == 0 ? "phone" : "laptop", View(i)).ok());
  }
  ASSERT_TRUE(buffer.Flush().ok());
  // Two sessions of three events: two full calls.
  EXPECT_EQ(buffer.stats().calls, 2);
  std::vector<std::string> sessions, items;
  const v1::GetUserHistoryResponse history = History("u1");
  for (const auto& e : history.events()) {
    sessions.push_back(e.session_id());
    items.push_back(e.event().item_id());
  }
  EXPECT_THAT(items, ElementsAre("item-0", "item-1", "item-2", "item-3", "item-4", "item-5"));
  EXPECT_THAT(sessions,
              ElementsAre("phone", "laptop", "phone", "laptop", "phone", "laptop"));
}

TEST_F(EventBufferTest, AddBlocksInsteadOfGrowingPastItsBound) {
  EventBufferOptions options;
  options.max_buffered_events = 5;
  options.max_delay = absl::Milliseconds(1);
  EventBuffer buffer(client_.get(), options);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(buffer.Add(tracking_id_, absl::StrCat("u", i % 7), "s", View(i)).ok());
  }
  ASSERT_TRUE(buffer.Close().ok());
  EXPECT_EQ(buffer.stats().stored, 200);
}

TEST_F(EventBufferTest, RejectedCallsAreReportedNotDropped) {
  absl::Mutex mu;
  std::vector<absl::Status> errors;
  int rejected_events = 0;
  EventBufferOptions options;
  options.on_error = [&](const absl::Status& status, const v1::PutEventsRequest& request) {
    absl::MutexLock lock(&mu);
    errors.push_back(status);
    rejected_events += request.event_list_size();
  };
  EventBuffer buffer(client_.get(), options);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(buffer.Add("no-such-tracker", "u1", "s1", View(i)).ok());
  ASSERT_TRUE(buffer.Add(tracking_id_, "u2", "s2", View(7)).ok());
  absl::Status flushed = buffer.Flush();
  EXPECT_EQ(flushed.code(), absl::StatusCode::kNotFound);
  absl::MutexLock lock(&mu);
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(rejected_events, 4);
  EXPECT_EQ(buffer.stats().failed, 4);
  EXPECT_EQ(buffer.stats().stored, 1);
  // The error is reported once; the next flush starts clean.
  EXPECT_TRUE(buffer.Flush().ok());
}

TEST_F(EventBufferTest, AddRequiresTrackingIdAndSession) {
  EventBuffer buffer(client_.get());
  EXPECT_EQ(buffer.Add("", "u1", "s1", View(1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(buffer.Add(tracking_id_, "u1", "", View(1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(buffer.stats().accepted, 0);
}

TEST_F(EventBufferTest, NothingAcceptedIsLostAcrossAServerRestart) {
  EventBufferOptions options;
  options.max_delay = absl::Milliseconds(5);
  EventBuffer buffer(client_.get(), options);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(buffer.Add(tracking_id_, "u1", "s1", View(i)).ok());
  ASSERT_TRUE(buffer.Flush().ok());
  server_.Stop();
  for (int i = 20; i < 40; ++i) ASSERT_TRUE(buffer.Add(tracking_id_, "u1", "s1", View(i)).ok());
  // Sends now fail with UNAVAILABLE and are retried until the server is back.
  EXPECT_TRUE(PollUntil([&] { return client_->stats().retries > 0; }, absl::Seconds(30),
                        absl::Milliseconds(1)))
      << "no retry while the server was down, within 30 s";
  ASSERT_TRUE(server_.Start().ok());
  ASSERT_TRUE(buffer.Close().ok());
  EXPECT_EQ(buffer.stats().stored, 40);
  EXPECT_EQ(buffer.stats().failed, 0);
  EXPECT_EQ(History("u1").events_size(), 40);
}

}  // namespace
}  // namespace recloop::client

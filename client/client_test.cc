// Client against a real RecloopServer on a real RocksDB store.
#include "client/client.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/admission.h"
#include "tests/testing/in_process_server.h"
#include "tests/testing/poll.h"

namespace recloop::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  std::unique_ptr<Client> Connect(ClientOptions options = {}) {
    return Client::Connect(server_.address(), options);
  }

  // A dataset group "shop" with a tracker; returns the tracking id.
  std::string Setup(Client& client) {
    v1::CreateDatasetGroupRequest group;
    group.set_name("shop");
    EXPECT_TRUE(client.CreateDatasetGroup(group).ok());
    v1::CreateEventTrackerRequest tracker;
    tracker.set_name("shop-tracker");
    tracker.set_dataset_group("shop");
    auto created = client.CreateEventTracker(tracker);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->tracking_id() : "";
  }

  static v1::PutEventsRequest View(const std::string& tracking_id, const std::string& user,
                                   const std::string& item) {
    v1::PutEventsRequest request;
    request.set_tracking_id(tracking_id);
    request.set_user_id(user);
    request.set_session_id(user + "-session");
    v1::Event* event = request.add_event_list();
    event->set_event_type("view");
    event->set_item_id(item);
    event->mutable_sent_at()->set_seconds(1700000000);
    return request;
  }

  std::vector<std::string> HistoryItems(Client& client, const std::string& user) {
    v1::GetUserHistoryRequest request;
    request.set_dataset_group("shop");
    request.set_user_id(user);
    auto history = client.GetUserHistory(request);
    EXPECT_TRUE(history.ok()) << history.status();
    std::vector<std::string> items;
    if (history.ok()) {
      for (const auto& e : history->events()) items.push_back(e.event().item_id());
    }
    return items;
  }

  // Takes every in-flight place of the server's data plane.
  std::vector<Admission::Ticket> FillAdmission() {
    std::vector<Admission::Ticket> held;
    // Bounded: an unlimited admission (max_in_flight 0) never refuses.
    for (int i = 0; i < 100000; ++i) {
      auto ticket = server_.server()->admission()->TryAcquire();
      if (!ticket.ok()) return held;
      held.push_back(*std::move(ticket));
    }
    ADD_FAILURE() << "admission took " << held.size() << " calls without refusing one";
    return held;
  }

  // Whether `client` retried a call within 30 s.
  static bool WaitForRetry(const Client& client) {
    return PollUntil([&] { return client.stats().retries > 0; }, absl::Seconds(30),
                     absl::Milliseconds(1));
  }

  InProcessServer server_;
};

TEST_F(ClientTest, EveryServiceRoundTrips) {
  auto client = Connect();
  const std::string tracking_id = Setup(*client);
  ASSERT_FALSE(tracking_id.empty());

  auto put = client->PutEvents(View(tracking_id, "u1", "item-1"));
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->stored_count(), 1);
  // The client named the event before sending it.
  ASSERT_THAT(put->results(), SizeIs(1));
  EXPECT_THAT(put->results(0).event_id(), SizeIs(36));
  EXPECT_THAT(HistoryItems(*client, "u1"), ElementsAre("item-1"));

  ASSERT_TRUE(client->PutEvents(View(tracking_id, "u2", "item-2")).ok());
  v1::GetRecommendationsRequest recs;
  recs.set_dataset_group("shop");
  recs.set_user_id("u1");
  auto list = client->GetRecommendations(recs);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_THAT(list->item_list(), SizeIs(1));
  EXPECT_EQ(list->item_list(0).item_id(), "item-2");

  v1::ListRecommendersRequest recommenders;
  recommenders.set_dataset_group("shop");
  auto listed = client->ListRecommenders(recommenders);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(listed->recommenders(), SizeIs(1));
  EXPECT_EQ(listed->recommenders(0).name(), "default");
  EXPECT_EQ(client->stats().retries, 0);
}

TEST_F(ClientTest, ErrorsKeepTheGrpcCodeAndMessageAndAreNotRetried) {
  auto client = Connect();
  v1::DescribeDatasetGroupRequest request;
  request.set_name("missing");
  auto described = client->DescribeDatasetGroup(request);
  EXPECT_EQ(described.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(described.status().message(), HasSubstr("missing"));

  const std::string tracking_id = Setup(*client);
  v1::PutEventsRequest bad = View(tracking_id, "u1", "item-1");
  bad.mutable_event_list(0)->clear_event_type();
  auto put = client->PutEvents(bad);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(put.status().message(), HasSubstr("event_list[0].event_type"));
  EXPECT_EQ(client->stats().retries, 0);
}

TEST_F(ClientTest, RetriesAnOverloadedServerUntilItAdmits) {
  auto client = Connect();
  const std::string tracking_id = Setup(*client);
  std::vector<Admission::Ticket> held = FillAdmission();
  absl::StatusOr<v1::PutEventsResponse> put;
  std::thread caller([&] { put = client->PutEvents(View(tracking_id, "u1", "item-1")); });
  EXPECT_TRUE(WaitForRetry(*client)) << "no retry of the refused call within 30 s";
  held.clear();
  caller.join();
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_GE(client->stats().retries, 1);
  EXPECT_THAT(HistoryItems(*client, "u1"), ElementsAre("item-1"));
}

TEST_F(ClientTest, GivesUpAfterMaxAttempts) {
  ClientOptions options;
  options.max_attempts = 3;
  options.initial_backoff = absl::Milliseconds(1);
  auto client = Connect(options);
  const std::string tracking_id = Setup(*client);
  std::vector<Admission::Ticket> held = FillAdmission();
  auto put = client->PutEvents(View(tracking_id, "u1", "item-1"));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(client->stats().retries, 2);
}

TEST_F(ClientTest, RetriesStopAtTheCallsDeadline) {
  ClientOptions options;
  options.timeout = absl::Milliseconds(300);
  options.max_attempts = 1000;
  options.initial_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(20);
  auto client = Connect(options);
  const std::string tracking_id = Setup(*client);
  std::vector<Admission::Ticket> held = FillAdmission();
  auto put = client->PutEvents(View(tracking_id, "u1", "item-1"));
  EXPECT_THAT(put.status().code(),
              ::testing::AnyOf(absl::StatusCode::kResourceExhausted,
                               absl::StatusCode::kDeadlineExceeded));
  // 300 ms of 20 ms backoffs leaves far fewer than 1000 attempts.
  EXPECT_LT(client->stats().retries, 100);
}

TEST_F(ClientTest, RetriesWhileTheServerRestarts) {
  ClientOptions options;
  options.max_attempts = 100;  // bounded by the 10 s timeout
  auto client = Connect(options);
  const std::string tracking_id = Setup(*client);
  server_.Stop();
  absl::StatusOr<v1::PutEventsResponse> put;
  std::thread caller([&] { put = client->PutEvents(View(tracking_id, "u1", "item-1")); });
  EXPECT_TRUE(WaitForRetry(*client)) << "no retry while the server was down, within 30 s";
  ASSERT_TRUE(server_.Start().ok());
  caller.join();
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_THAT(HistoryItems(*client, "u1"), ElementsAre("item-1"));
}

}  // namespace
}  // namespace recloop::client

// The E2eTest fixture: a real RecloopServer on a real RocksDB store, called
// over a real gRPC channel through the generated stubs, as clients do. Shared
// by tests/e2e_*test.cc.
#ifndef RECLOOP_TESTS_E2E_FIXTURE_H_
#define RECLOOP_TESTS_E2E_FIXTURE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "domain/recloop.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/temp_dir.h"

namespace recloop {


class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void TearDown() override { Stop(); }

  void Start() {
    RecloopOptions options;
    options.store.path = dir_.path();
    options.store.small_footprint = true;
    options.checkpoint_on_close = false;  // Every Stop() is a crash.
    options.clock = &clock_;
    auto recloop = Recloop::Open(options);
    ASSERT_TRUE(recloop.ok()) << recloop.status();
    recloop_ = *std::move(recloop);
    ServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    auto server = RecloopServer::Start(recloop_.get(), server_options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    trackers_ = v1::EventTrackerService::NewStub(channel_);
    events_ = v1::EventService::NewStub(channel_);
    recs_ = v1::RecommendationService::NewStub(channel_);
  }

  void Stop() {
    if (server_) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    recloop_.reset();
  }

  void Restart() {
    Stop();
    Start();
  }

  // A tracker on a new group; returns its tracking id.
  std::string Setup(const std::string& group, const std::string& schema = "") {
    grpc::ClientContext c1, c2;
    v1::CreateDatasetGroupRequest g;
    g.set_name(group);
    g.set_schema(schema);
    v1::DatasetGroup created;
    EXPECT_TRUE(trackers_->CreateDatasetGroup(&c1, g, &created).ok());
    v1::CreateEventTrackerRequest t;
    t.set_name(group + "-tracker");
    t.set_dataset_group(group);
    v1::EventTracker tracker;
    grpc::Status s = trackers_->CreateEventTracker(&c2, t, &tracker);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return tracker.tracking_id();
  }

  static v1::Event Click(const std::string& item, int64_t second,
                         const std::string& event_id = "") {
    v1::Event e;
    e.set_event_type("click");
    e.set_item_id(item);
    e.set_event_id(event_id);
    e.mutable_sent_at()->set_seconds(second);
    return e;
  }

  grpc::Status Put(const std::string& tid, const std::string& user,
                   const std::string& session, const std::vector<v1::Event>& events,
                   v1::PutEventsResponse* response = nullptr) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tid);
    r.set_user_id(user);
    r.set_session_id(session);
    for (const auto& e : events) *r.add_event_list() = e;
    grpc::ClientContext c;
    v1::PutEventsResponse ignored;
    return events_->PutEvents(&c, r, response ? response : &ignored);
  }

  grpc::Status PutItems(const std::string& tid, const std::string& user,
                        const std::vector<std::string>& items) {
    std::vector<v1::Event> events;
    for (const auto& item : items) events.push_back(Click(item, 1700000000 + (++seconds_)));
    return Put(tid, user, "session-of-" + user, events);
  }

  v1::GetRecommendationsResponse Recommend(const std::string& group,
                                           const std::string& user,
                                           const std::string& item = "", int n = 0) {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group(group);
    r.set_user_id(user);
    r.set_item_id(item);
    r.set_num_results(n);
    grpc::ClientContext c;
    v1::GetRecommendationsResponse response;
    grpc::Status s = recs_->GetRecommendations(&c, r, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  static std::vector<std::string> Ids(const v1::GetRecommendationsResponse& r) {
    std::vector<std::string> ids;
    for (const auto& i : r.item_list()) ids.push_back(i.item_id());
    return ids;
  }

  v1::GetUserHistoryResponse History(const std::string& group, const std::string& user) {
    v1::GetUserHistoryRequest r;
    r.set_dataset_group(group);
    r.set_user_id(user);
    grpc::ClientContext c;
    v1::GetUserHistoryResponse response;
    grpc::Status s = events_->GetUserHistory(&c, r, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  static std::vector<std::string> Items(const v1::GetUserHistoryResponse& h) {
    std::vector<std::string> ids;
    for (const auto& e : h.events()) ids.push_back(e.event().item_id());
    return ids;
  }

  void SeedCoOccurrence(const std::string& tid) {
    for (const char* u : {"u1", "u2", "u3"}) ASSERT_TRUE(PutItems(tid, u, {"A", "B"}).ok());
    ASSERT_TRUE(PutItems(tid, "u4", {"A", "C"}).ok());
  }

  TempDir dir_;
  ManualClock clock_{absl::Now()};
  std::unique_ptr<Recloop> recloop_;
  std::unique_ptr<RecloopServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EventTrackerService::Stub> trackers_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::unique_ptr<v1::RecommendationService::Stub> recs_;
  int64_t seconds_ = 0;
};

}  // namespace recloop

#endif  // RECLOOP_TESTS_E2E_FIXTURE_H_

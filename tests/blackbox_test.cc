// Black-box tests: the built recloopd binary, started, killed and restarted
// as an operator would, and the recloop CLI against it.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "tests/testing/poll.h"
#include "tests/testing/process.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/recloopd_process.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class BlackBoxTest : public ::testing::Test {
 protected:
  // Starts recloopd on dir_/data and waits until it accepts calls.
  void StartServer() {
    server_ = std::make_unique<RecloopdProcess>(data_dir(), log_path());
    ASSERT_TRUE(server_->started()) << "recloopd did not start; log:\n"
                                    << ReadFile(log_path());
    channel_ = server_->channel();
    trackers_ = v1::EventTrackerService::NewStub(channel_);
    events_ = v1::EventService::NewStub(channel_);
    recs_ = v1::RecommendationService::NewStub(channel_);
  }

  std::string data_dir() const { return dir_.Sub("data"); }
  std::string log_path() const { return dir_.Sub("recloopd.log"); }
  std::string address() const { return server_->address(); }

  std::string CreateTracker() {
    grpc::ClientContext c1, c2;
    v1::CreateDatasetGroupRequest g;
    g.set_name("shop");
    v1::DatasetGroup group;
    EXPECT_TRUE(trackers_->CreateDatasetGroup(&c1, g, &group).ok());
    v1::CreateEventTrackerRequest t;
    t.set_name("web");
    t.set_dataset_group("shop");
    v1::EventTracker tracker;
    EXPECT_TRUE(trackers_->CreateEventTracker(&c2, t, &tracker).ok());
    return tracker.tracking_id();
  }

  grpc::Status Put(const std::string& tid, const std::string& user,
                   const std::vector<std::string>& items) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tid);
    r.set_user_id(user);
    r.set_session_id("s-" + user);
    for (const auto& item : items) {
      v1::Event* e = r.add_event_list();
      e->set_event_type("watch");
      e->set_item_id(item);
      e->mutable_sent_at()->set_seconds(1700000000 + (++seconds_));
    }
    grpc::ClientContext c;
    v1::PutEventsResponse response;
    return events_->PutEvents(&c, r, &response);
  }

  std::vector<std::string> History(const std::string& user) {
    v1::GetUserHistoryRequest r;
    r.set_dataset_group("shop");
    r.set_user_id(user);
    grpc::ClientContext c;
    v1::GetUserHistoryResponse response;
    grpc::Status s = events_->GetUserHistory(&c, r, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> items;
    for (const auto& e : response.events()) items.push_back(e.event().item_id());
    return items;
  }

  std::vector<std::string> Recommend(const std::string& user, int n) {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group("shop");
    r.set_user_id(user);
    r.set_num_results(n);
    grpc::ClientContext c;
    v1::GetRecommendationsResponse response;
    grpc::Status s = recs_->GetRecommendations(&c, r, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> items;
    for (const auto& i : response.item_list()) items.push_back(i.item_id());
    return items;
  }

  TempDir dir_;
  int64_t seconds_ = 0;
  std::unique_ptr<RecloopdProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EventTrackerService::Stub> trackers_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::unique_ptr<v1::RecommendationService::Stub> recs_;
};

TEST_F(BlackBoxTest, SigkillLosesNoAcknowledgedEvent) {
  StartServer();
  const std::string tid = CreateTracker();
  for (int u = 0; u < 20; ++u) {
    ASSERT_TRUE(Put(tid, "user" + std::to_string(u), {"A", "B"}).ok());
  }
  ASSERT_TRUE(Put(tid, "x", {"A", "C"}).ok());
  ASSERT_TRUE(Put(tid, "target", {"A"}).ok());

  server_->Signal(SIGKILL);
  EXPECT_EQ(server_->Wait(10), 128 + SIGKILL);
  StartServer();

  EXPECT_THAT(History("target"), ElementsAre("A"));
  EXPECT_THAT(History("user7"), ElementsAre("A", "B"));
  EXPECT_THAT(Recommend("target", 2), ElementsAre("B", "C"));
  EXPECT_THAT(ReadFile(log_path()), HasSubstr("replayed 43 journaled event(s)"));
  // The tracking id survived too.
  ASSERT_TRUE(Put(tid, "target", {"B"}).ok());
  EXPECT_THAT(History("target"), ElementsAre("A", "B"));
}

TEST_F(BlackBoxTest, SigtermDrainsCheckpointsAndExitsZero) {
  StartServer();
  EXPECT_THAT(ReadFile(log_path()), HasSubstr("listening on " + address()));
  EXPECT_THAT(ReadFile(log_path()), HasSubstr("data_dir " + data_dir()));
  const std::string tid = CreateTracker();
  ASSERT_TRUE(Put(tid, "u", {"A", "B"}).ok());
  // An idle C++ client notices the server's GOAWAY only on its next poll;
  // close it so that shutdown need not wait for that.
  trackers_.reset();
  events_.reset();
  recs_.reset();
  channel_.reset();
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(20), 0);
  EXPECT_THAT(ReadFile(log_path()), HasSubstr("stopped cleanly"));

  StartServer();
  EXPECT_THAT(History("u"), ElementsAre("A", "B"));
  // The final checkpoint left nothing to replay.
  EXPECT_THAT(ReadFile(log_path()), HasSubstr("replayed 0 journaled event(s)"));
  server_->Signal(SIGINT);
  EXPECT_EQ(server_->Wait(20), 0);
}

TEST_F(BlackBoxTest, SigtermUnderLoadKeepsEveryAcknowledgedEvent) {
  StartServer();
  const std::string tid = CreateTracker();
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::string> acked_items;
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string item = "item" + std::to_string(i);
      grpc::Status s = Put(tid, "loaded", {item});
      if (!s.ok()) {
        // Once shutdown starts, calls fail; none of them was acknowledged.
        if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
            s.error_code() == grpc::StatusCode::CANCELLED) {
          continue;
        }
        ADD_FAILURE() << s.error_message();
        return;
      }
      acked_items.push_back(item);
      acknowledged.fetch_add(1);
    }
  });
  EXPECT_TRUE(PollUntil([&] { return acknowledged.load() >= 200; }, absl::Seconds(60)))
      << "only " << acknowledged.load() << " of 200 events acknowledged after 60 s";
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(30), 0);
  stop.store(true);
  writer.join();

  StartServer();
  std::vector<std::string> history = History("loaded");
  EXPECT_GE(history.size(), acked_items.size());
  for (const std::string& item : acked_items) {
    EXPECT_NE(std::find(history.begin(), history.end(), item), history.end()) << item;
  }
}

// Requests that do not parse are the client's error, and a client can send
// many a second: each is refused, and the log gets at most a line a second.
TEST_F(BlackBoxTest, UnparsableRequestsAreLoggedAtMostOnceASecond) {
  StartServer();
  const std::string tid = CreateTracker();
  v1::PutEventsRequest r;
  r.set_tracking_id(tid);
  r.set_session_id("s");
  r.set_user_id(std::string("\xff\xfe", 2));
  v1::Event* e = r.add_event_list();
  e->set_event_type("watch");
  e->set_item_id("A");
  const std::string bytes = r.SerializeAsString();
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    auto [status, response] =
        RawUnaryCall(channel_.get(), "/recloop.v1.EventService/PutEvents", bytes);
    refused += status.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
  }
  EXPECT_EQ(refused, 300);
  ASSERT_TRUE(Put(tid, "u", {"A"}).ok()) << "still serving";
  const std::string log = ReadFile(log_path());
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    lines += absl::StrContains(line, "PutEventsRequest");
    EXPECT_THAT(line, Not(HasSubstr("libprotobuf ERROR")));
  }
  EXPECT_GE(lines, 1) << "the refusals are logged";
  EXPECT_LE(lines, 10) << "at most a line a second:\n" << log;
}

TEST_F(BlackBoxTest, ALockedDataDirectoryIsAClearError) {
  StartServer();
  const std::string other_log = dir_.Sub("second.log");
  ChildProcess second(
      {BinaryFromEnv("RECLOOPD"), absl::StrCat("--listen=127.0.0.1:", PickFreePort()),
       "--data_dir=" + data_dir()},
      other_log);
  EXPECT_EQ(second.Wait(20), 1);
  EXPECT_THAT(ReadFile(other_log), HasSubstr("locked"));
}

TEST_F(BlackBoxTest, ADirectoryThatIsNotAStoreIsRefused) {
  const std::string not_a_store = dir_.Sub("photos");
  ASSERT_EQ(
      system(
          ("mkdir -p " + not_a_store + " && touch " + not_a_store + "/cat.jpg").c_str()),
      0);
  const std::string log = dir_.Sub("refused.log");
  ChildProcess server(
      {BinaryFromEnv("RECLOOPD"), "--listen=127.0.0.1:0", "--data_dir=" + not_a_store},
      log);
  EXPECT_EQ(server.Wait(20), 1);
  EXPECT_THAT(ReadFile(log), HasSubstr("holds no recloop store"));
}

TEST_F(BlackBoxTest, ReplayOnSyntheticDataBeatsPopularityClearly) {
  StartServer();
  CommandResult replay =
      RunCommand({BinaryFromEnv("RECLOOP_REPLAY"), "--address=" + address(),
                  "--format=synthetic", "--synthetic_users=200", "--synthetic_items=200",
                  "--progress=false", "--recipes=user-personalization,popularity-count",
                  "--require_lift_over=popularity-count", "--lift=1.5"});
  EXPECT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_THAT(replay.out, HasSubstr("check: HR user-personalization"));
  EXPECT_THAT(replay.out, HasSubstr("PASS"));
}

// recloop-engine-replay exists to iterate on quality without the server in
// between; it is only worth that if it measures what the server replay
// measures. Same synthetic log, same recipes: the same figures, also when
// events cite the served lists (implicit impressions).
TEST_F(BlackBoxTest, EngineReplayMeasuresWhatTheServerReplayMeasures) {
  StartServer();
  // The per-recipe rows: "  user-personalization     0.4555   0.2660     1.000".
  const auto rows = [](const std::string& out) {
    std::vector<std::string> found;
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      for (const char* recipe :
           {"user-personalization ", "popularity-count ", "trending-now "}) {
        if (absl::StartsWith(line, absl::StrCat("  ", recipe))) found.emplace_back(line);
      }
    }
    return found;
  };
  for (const char* cite : {"--cite=none", "--cite=hits"}) {
    const std::vector<std::string> log_flags = {
        "--format=synthetic", "--synthetic_users=150", "--synthetic_items=120",
        "--recipes=user-personalization,popularity-count,trending-now", cite};
    std::vector<std::string> server_cmd = {BinaryFromEnv("RECLOOP_REPLAY"),
                                           "--address=" + address(), "--progress=false"};
    std::vector<std::string> engine_cmd = {BinaryFromEnv("RECLOOP_ENGINE_REPLAY")};
    server_cmd.insert(server_cmd.end(), log_flags.begin(), log_flags.end());
    engine_cmd.insert(engine_cmd.end(), log_flags.begin(), log_flags.end());
    CommandResult server = RunCommand(server_cmd);
    CommandResult engine = RunCommand(engine_cmd);
    ASSERT_EQ(server.exit_code, 0) << cite << server.out << server.err;
    ASSERT_EQ(engine.exit_code, 0) << cite << engine.out << engine.err;
    const std::vector<std::string> from_server = rows(server.out);
    ASSERT_EQ(from_server.size(), 3u) << cite << server.out;
    EXPECT_EQ(rows(engine.out), from_server) << cite << engine.out;
  }
}

// The engine benchmark's figures are quoted in the README; this keeps the
// tool working (not its timings): a tiny run with impressions on every
// event loads, measures the user with 200 events and reports, and a bad
// impression size is refused naming the flag.
TEST_F(BlackBoxTest, EngineBenchRunsWithImpressions) {
  const std::string bench = BinaryFromEnv("RECLOOP_ENGINE_BENCH");
  CommandResult run =
      RunCommand({bench, "--data_dir=" + dir_.Sub("bench"), "--events=3000",
                  "--items=300", "--queries=20", "--impressions=10"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("10-item impressions"));
  EXPECT_THAT(run.out, HasSubstr("for a user with 200 events, num_results 25, 20 calls"));
  EXPECT_THAT(run.out, HasSubstr("p99 "));

  CommandResult bad =
      RunCommand({bench, "--data_dir=" + dir_.Sub("bad"), "--impressions=1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--impressions"));
}

TEST_F(BlackBoxTest, TheCliWalkThroughWorks) {
  StartServer();
  const std::string cli = BinaryFromEnv("RECLOOP_CLI");
  const std::string addr = "--address=" + address();
  CommandResult group = RunCommand({cli, addr, "create-dataset-group", "--name=shop"});
  ASSERT_EQ(group.exit_code, 0) << group.err;
  EXPECT_THAT(group.out, HasSubstr("\"status\": \"ACTIVE\""));
  CommandResult tracker = RunCommand(
      {cli, addr, "create-event-tracker", "--name=web", "--dataset_group=shop"});
  ASSERT_EQ(tracker.exit_code, 0) << tracker.err;
  const size_t at = tracker.out.find("\"tracking_id\": \"");
  ASSERT_NE(at, std::string::npos);
  const std::string tid = tracker.out.substr(at + 16, 36);
  for (const char* user : {"ann", "ben"}) {
    for (const char* item : {"A", "B"}) {
      CommandResult put =
          RunCommand({cli, addr, "put-events", "--tracking_id=" + tid,
                      std::string("--user_id=") + user, "--session_id=s1",
                      "--event_type=watch", std::string("--item_id=") + item});
      ASSERT_EQ(put.exit_code, 0) << put.err;
      EXPECT_THAT(put.out, HasSubstr("\"stored_count\": 1"));
    }
  }
  RunCommand({cli, addr, "put-events", "--tracking_id=" + tid, "--user_id=cat",
              "--session_id=s2", "--event_type=watch", "--item_id=A"});
  CommandResult recs =
      RunCommand({cli, addr, "get-recommendations", "--dataset_group=shop",
                  "--user_id=cat", "--num_results=1"});
  ASSERT_EQ(recs.exit_code, 0) << recs.err;
  EXPECT_THAT(recs.out, HasSubstr("\"item_id\": \"B\""));
  EXPECT_THAT(recs.out, HasSubstr("\"recommendation_id\": \"RID-"));

  CommandResult rec = RunCommand({cli, addr, "create-recommender", "--name=top",
                                  "--dataset_group=shop", "--recipe=popularity-count",
                                  R"(--config={"event_types": {"watch": 2}})"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  EXPECT_THAT(rec.out, HasSubstr("\"watch\": 2"));
  EXPECT_THAT(rec.out, HasSubstr("\"status\": \"CREATE_IN_PROGRESS\""));
  CommandResult described;
  EXPECT_TRUE(PollUntil(
      [&] {
        described = RunCommand({cli, addr, "describe-recommender", "--name=top",
                                "--dataset_group=shop"});
        return absl::StrContains(described.out, "\"status\": \"ACTIVE\"");
      },
      absl::Seconds(60)))
      << described.out << described.err;
  CommandResult top = RunCommand({cli, addr, "get-recommendations", "--dataset_group=shop",
                                  "--recommender=top", "--num_results=1"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr("\"item_id\": \"A\""));
  CommandResult bad_config =
      RunCommand({cli, addr, "create-recommender", "--name=x", "--dataset_group=shop",
                  R"(--config={"exploration_weight": 3})"});
  EXPECT_EQ(bad_config.exit_code, 1);
  EXPECT_THAT(bad_config.err, HasSubstr("config.exploration_weight"));

  CommandResult bad =
      RunCommand({cli, addr, "put-events", "--tracking_id=" + tid, "--session_id=s",
                  "--event_type=watch", "--item_id=" + std::string(300, 'x')});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(bad.err, HasSubstr("event_list[0].item_id"));
  CommandResult missing =
      RunCommand({cli, addr, "history", "--dataset_group=nope", "--user_id=cat"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  CommandResult usage = RunCommand({cli, addr, "put-events"});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace recloop

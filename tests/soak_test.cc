// Soak with faults: mixed load against the built recloopd while it is
// killed (SIGKILL) and restarted, its disk fills past the free-space
// reserve and empties, and recommenders are created. Writers retry a call
// until it is acknowledged (the same event ids, so a retry of a call that
// was stored is a duplicate). At the end every acknowledged event must be
// in its user's history exactly once. Needs root to mount the small disk
// (CI runs as root); RECLOOP_SOAK_SECONDS sets the length (default 90).
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "storage/disk_space.h"
#include "tests/testing/poll.h"
#include "tests/testing/process.h"
#include "tests/testing/recloopd_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tmpfs.h"

namespace recloop {
namespace {

constexpr int kWriters = 4;
constexpr int kUsersPerWriter = 40;
constexpr int64_t kReserve = 16 << 20;

class SoakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root (CI runs as root)";
    disk_ = std::make_unique<Tmpfs>(dir_.Sub("disk"), "512m");
    ASSERT_TRUE(disk_->mounted()) << disk_->error();
    mount_ = disk_->path();
  }
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      server_.reset();
    }
    disk_.reset();
  }

  void Start() {
    auto server = std::make_unique<RecloopdProcess>(
        mount_ + "/data", dir_.Sub("recloopd.log"),
        std::vector<std::string>{absl::StrCat("--min_free_disk_bytes=", kReserve),
                                 "--checkpoint_after_events=2000",
                                 "--checkpoint_interval=5s"});
    ASSERT_TRUE(server->started()) << ReadFile(dir_.Sub("recloopd.log"));
    std::lock_guard<std::mutex> lock(mu_);
    server_ = std::move(server);
    channel_ = server_->channel();
  }
  std::shared_ptr<grpc::Channel> channel() {
    std::lock_guard<std::mutex> lock(mu_);
    return channel_;
  }
  void Kill(int signal) {
    std::lock_guard<std::mutex> lock(mu_);
    server_->Signal(signal);
    EXPECT_NE(server_->Wait(60), -1) << "recloopd did not exit";
    server_.reset();
  }

  // Sends one call until it is acknowledged or `stop` is set.
  bool PutUntilAcknowledged(const v1::PutEventsRequest& request) {
    for (int attempt = 0; !stop_.load(); ++attempt) {
      auto stub = v1::EventService::NewStub(channel());
      grpc::ClientContext c;
      c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      v1::PutEventsResponse out;
      grpc::Status s = stub->PutEvents(&c, request, &out);
      if (s.ok()) return true;
      EXPECT_NE(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
      if (s.error_code() == grpc::StatusCode::UNAVAILABLE) ++unavailable_;
      std::this_thread::sleep_for(
          std::chrono::milliseconds(20 + 10 * std::min(attempt, 10)));
    }
    return false;
  }

  void Writer(int w) {
    for (int n = 0; !stop_.load(); ++n) {
      v1::PutEventsRequest r;
      r.set_tracking_id(tracking_id_);
      r.set_user_id(absl::StrCat("u", w, "-", n % kUsersPerWriter));
      r.set_session_id(absl::StrCat("s", w, "-", n % kUsersPerWriter));
      std::vector<std::string> ids;
      for (int k = 0; k <= n % 5; ++k) {
        v1::Event* e = r.add_event_list();
        e->set_event_id(absl::StrCat("w", w, "-", n, "-", k));
        e->set_event_type("click");
        e->set_item_id(absl::StrCat("i", (n * 7 + k * 13 + w) % 400));
        e->mutable_sent_at()->set_seconds(1700000000 + n);
        ids.push_back(e->event_id());
      }
      const bool acked = PutUntilAcknowledged(r);
      std::lock_guard<std::mutex> lock(log_mu_);
      for (const std::string& id : ids) (acked ? acked_ : unknown_).push_back(id);
    }
  }

  void Reader() {
    std::mt19937 random(7);
    while (!stop_.load()) {
      auto stub = v1::RecommendationService::NewStub(channel());
      grpc::ClientContext c;
      c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      v1::GetRecommendationsRequest r;
      r.set_dataset_group("shop");
      r.set_user_id(
          absl::StrCat("u", random() % kWriters, "-", random() % kUsersPerWriter));
      v1::GetRecommendationsResponse out;
      reads_ += stub->GetRecommendations(&c, r, &out).ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void FillDisk() { disk_->Fill(kReserve / 2); }

  void CreateRecommender(int n) {
    auto stub = v1::RecommendationService::NewStub(channel());
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::CreateRecommenderRequest r;
    r.set_name(absl::StrCat("r", n));
    r.set_dataset_group("shop");
    r.set_recipe(n % 2 == 0 ? "popularity-count" : "user-personalization");
    v1::Recommender out;
    grpc::Status s = stub->CreateRecommender(&c, r, &out);
    EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::ALREADY_EXISTS)
        << s.error_message();
    recommenders_ += s.ok();
  }

  TempDir dir_;
  std::unique_ptr<Tmpfs> disk_;
  std::string mount_;
  std::mutex mu_;
  std::unique_ptr<RecloopdProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string tracking_id_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> unavailable_{0}, reads_{0}, recommenders_{0};
  std::mutex log_mu_;
  std::vector<std::string> acked_, unknown_;
};

TEST_F(SoakTest, EveryAcknowledgedEventSurvivesKillsFullDisksAndNewRecommenders) {
  const char* env = std::getenv("RECLOOP_SOAK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 90;
  ASSERT_NO_FATAL_FAILURE(Start());
  {
    auto trackers = v1::EventTrackerService::NewStub(channel());
    grpc::ClientContext c1, c2;
    v1::CreateDatasetGroupRequest g;
    g.set_name("shop");
    v1::DatasetGroup group;
    ASSERT_TRUE(trackers->CreateDatasetGroup(&c1, g, &group).ok());
    v1::CreateEventTrackerRequest t;
    t.set_name("web");
    t.set_dataset_group("shop");
    v1::EventTracker tracker;
    ASSERT_TRUE(trackers->CreateEventTracker(&c2, t, &tracker).ok());
    tracking_id_ = tracker.tracking_id();
  }
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) threads.emplace_back([this, w] { Writer(w); });
  threads.emplace_back([this] { Reader(); });

  // One fault every few seconds, in turn.
  int kills = 0, fills = 0, created = 0, cycle = 0;
  const absl::Time end = absl::Now() + absl::Seconds(seconds);
  while (absl::Now() < end) {
    absl::SleepFor(absl::Seconds(3));
    switch (cycle++ % 3) {
      case 0:
        Kill(SIGKILL);
        ASSERT_NO_FATAL_FAILURE(Start());
        ++kills;
        break;
      case 1:
        FillDisk();
        absl::SleepFor(absl::Seconds(2));
        disk_->FreeFiller();
        ++fills;
        break;
      case 2:
        CreateRecommender(created++);
        break;
    }
  }
  // Let the last calls through, then stop.
  absl::SleepFor(absl::Seconds(2));
  stop_ = true;
  for (std::thread& t : threads) t.join();

  // Every acknowledged event exactly once; an unacknowledged one at most once.
  std::map<std::string, int> stored;
  auto stub = v1::EventService::NewStub(channel());
  for (int w = 0; w < kWriters; ++w) {
    for (int u = 0; u < kUsersPerWriter; ++u) {
      grpc::ClientContext c;
      v1::GetUserHistoryRequest r;
      r.set_dataset_group("shop");
      r.set_user_id(absl::StrCat("u", w, "-", u));
      r.set_max_results(10000);
      v1::GetUserHistoryResponse out;
      ASSERT_TRUE(stub->GetUserHistory(&c, r, &out).ok());
      for (const v1::StoredEvent& e : out.events()) ++stored[e.event().event_id()];
    }
  }
  int64_t missing = 0, duplicated = 0, unknown_stored = 0;
  for (const std::string& id : acked_) {
    missing += stored[id] == 0;
    duplicated += stored[id] > 1;
  }
  for (const std::string& id : unknown_) {
    unknown_stored += stored[id] == 1;
    duplicated += stored[id] > 1;
  }
  std::printf(
      "soak %d s: %zu events acknowledged, %lld missing, %lld stored twice; %zu never "
      "acknowledged (%lld of them stored); %d kills, %d full disks, %lld recommenders "
      "created; %lld UNAVAILABLE answers retried; %lld lists served\n",
      seconds, acked_.size(), static_cast<long long>(missing),
      static_cast<long long>(duplicated), unknown_.size(),
      static_cast<long long>(unknown_stored), kills, fills,
      static_cast<long long>(recommenders_.load()),
      static_cast<long long>(unavailable_.load()), static_cast<long long>(reads_.load()));
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_GT(acked_.size(), 1000u);
  EXPECT_GT(kills, 0);
  EXPECT_GT(fills, 0);
  EXPECT_GT(unavailable_.load(), 0) << "the full disk was never felt";
}

}  // namespace
}  // namespace recloop

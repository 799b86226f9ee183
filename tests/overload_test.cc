// Overload through real channels: thousands of concurrent calls against the
// built recloopd with a small --max_in_flight. The server must refuse what
// it cannot take at once (RESOURCE_EXHAUSTED), store nothing of a refused
// call, keep its memory bounded and serve normally afterwards.
#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "tests/testing/poll.h"
#include "tests/testing/process.h"
#include "tests/testing/recloopd_process.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

// AddressSanitizer holds freed memory in quarantine (256 MB by default), so
// resident memory says nothing about what the server keeps.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kResidentMemoryMeansSomething = false;
#else
constexpr bool kResidentMemoryMeansSomething = true;
#endif

// VmRSS or VmHWM of a process, in KiB (0 when unreadable).
int64_t MemoryKiB(pid_t pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, field)) continue;
    std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t kib = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib;
  }
  return 0;
}

class OverloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RecloopdProcess>(
        dir_.Sub("data"), dir_.Sub("recloopd.log"),
        std::vector<std::string>{"--max_in_flight=8", "--worker_threads=2",
                                 "--max_in_flight_bytes=4000000"});
    ASSERT_TRUE(server_->started()) << ReadFile(dir_.Sub("recloopd.log"));
    auto trackers = v1::EventTrackerService::NewStub(server_->channel());
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

  // One channel (connection) per index.
  std::shared_ptr<grpc::Channel> Channel(int i) {
    grpc::ChannelArguments args;
    args.SetInt("recloop.test.connection", i);  // distinct args: distinct connections
    args.SetMaxReceiveMessageSize(64 << 20);
    return grpc::CreateCustomChannel(server_->address(),
                                     grpc::InsecureChannelCredentials(), args);
  }

  int64_t HistorySize(v1::EventService::Stub* stub, const std::string& user) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::GetUserHistoryRequest r;
    r.set_dataset_group("shop");
    r.set_user_id(user);
    v1::GetUserHistoryResponse out;
    grpc::Status s = stub->GetUserHistory(&c, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.events_size();
  }

  TempDir dir_;
  std::unique_ptr<RecloopdProcess> server_;
  std::string tracking_id_;
};

TEST_F(OverloadTest, ThousandsOfConcurrentCallsAreRefusedAtOnceOrServed) {
  constexpr int kChannels = 20;
  constexpr int kCalls = 2000;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::EventService::Stub>> events;
  std::vector<std::unique_ptr<v1::RecommendationService::Stub>> recs;
  for (int i = 0; i < kChannels; ++i) {
    channels.push_back(Channel(i));
    events.push_back(v1::EventService::NewStub(channels.back()));
    recs.push_back(v1::RecommendationService::NewStub(channels.back()));
  }
  const int64_t rss_before = MemoryKiB(server_->pid(), "VmRSS:");

  // Even calls: PutEvents of user "u<k>" (one per call); odd calls: rankings
  // of 500 long item ids (about 120 KB each).
  struct Call {
    grpc::ClientContext context;
    v1::PutEventsRequest put;
    v1::PutEventsResponse put_response;
    v1::GetPersonalizedRankingRequest rank;
    v1::GetPersonalizedRankingResponse rank_response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  std::atomic<int> done{0};
  for (int k = 0; k < kCalls; ++k) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(60));
    if (k % 2 == 0) {
      call->put.set_tracking_id(tracking_id_);
      call->put.set_user_id(absl::StrCat("u", k));
      call->put.set_session_id(absl::StrCat("s", k));
      v1::Event* e = call->put.add_event_list();
      e->set_event_type("click");
      e->set_item_id(absl::StrCat("i", k % 50));
      e->mutable_sent_at()->set_seconds(1700000000 + k);
    } else {
      call->rank.set_dataset_group("shop");
      call->rank.set_user_id(absl::StrCat("u", k - 1));
      for (int i = 0; i < 500; ++i) {
        call->rank.add_input_list(absl::StrCat("item-", i, "-", std::string(230, 'x')));
      }
    }
    calls.push_back(std::move(call));
  }
  for (int k = 0; k < kCalls; ++k) {
    Call* call = calls[k].get();
    const auto finished = [call, &done](grpc::Status s) {
      call->status = std::move(s);
      done.fetch_add(1);
    };
    if (k % 2 == 0) {
      events[k % kChannels]->async()->PutEvents(&call->context, &call->put,
                                                &call->put_response, finished);
    } else {
      recs[k % kChannels]->async()->GetPersonalizedRanking(
          &call->context, &call->rank, &call->rank_response, finished);
    }
  }
  ASSERT_TRUE(PollUntil([&] { return done.load() == kCalls; }, absl::Seconds(120)))
      << done.load() << " of " << kCalls << " calls answered";

  int ok = 0, refused = 0;
  for (const auto& call : calls) {
    if (call->status.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(call->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << call->status.error_message();
      EXPECT_THAT(call->status.error_message(), ::testing::HasSubstr("overloaded"));
      ++refused;
    }
  }
  std::cout << "OverloadTest: " << ok << " served, " << refused << " refused of "
            << kCalls << "\n";
  EXPECT_GT(refused, 0) << "overload was never refused";
  EXPECT_GT(ok, 0);

  // Nothing of a refused PutEvents is stored; everything of a served one is.
  auto stub = v1::EventService::NewStub(server_->channel());
  for (int k = 0; k < kCalls; k += 2) {
    EXPECT_EQ(HistorySize(stub.get(), absl::StrCat("u", k)),
              calls[k]->status.ok() ? 1 : 0)
        << "call " << k;
  }
  // Memory: queued requests are bounded by --max_in_flight_bytes (4 MB) and
  // refused ones are dropped at once; 2000 requests of 120 KB would be
  // 240 MB if they queued.
  const int64_t peak = MemoryKiB(server_->pid(), "VmHWM:");
  std::cout << "OverloadTest: peak RSS grew from " << rss_before << " KiB to " << peak
            << " KiB\n";
  if (kResidentMemoryMeansSomething) EXPECT_LT(peak - rss_before, 150 * 1024);

  // And the server serves normally again.
  grpc::ClientContext c;
  v1::PutEventsResponse out;
  EXPECT_TRUE(stub->PutEvents(&c, calls[0]->put, &out).ok());
}

}  // namespace
}  // namespace recloop

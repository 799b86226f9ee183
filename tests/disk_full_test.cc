// A full disk, through the built recloopd on a small tmpfs (needs root to
// mount it; CI runs as root). recloopd must never abort: writes answer
// UNAVAILABLE while the disk is below the reserve, reads keep working, the
// health service says writes are not served, writes resume by themselves
// once space is freed, and every acknowledged event is there. Start-up on
// a full disk exits with a clear message.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
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

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kReserve = 8 << 20;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root (CI runs as root)";
    disk_ = std::make_unique<Tmpfs>(dir_.Sub("disk"), "48m");
    ASSERT_TRUE(disk_->mounted()) << disk_->error();
    mount_ = disk_->path();
  }
  void TearDown() override {
    server_.reset();
    disk_.reset();
  }

  std::vector<std::string> Flags() const {
    return {absl::StrCat("--min_free_disk_bytes=", reserve_)};
  }
  void Start() {
    server_ = std::make_unique<RecloopdProcess>(mount_ + "/data",
                                                dir_.Sub("recloopd.log"), Flags());
    ASSERT_TRUE(server_->started()) << ReadFile(dir_.Sub("recloopd.log"));
    events_ = v1::EventService::NewStub(server_->channel());
  }
  // Fills the disk with a file until `leave` bytes are free.
  void Fill(int64_t leave) { disk_->Fill(leave); }
  void FreeFiller() { disk_->FreeFiller(); }

  grpc::Status Put(int k) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tracking_id_);
    r.set_user_id(absl::StrCat("u", k % 20));
    r.set_session_id(absl::StrCat("s", k % 20));
    v1::Event* e = r.add_event_list();
    e->set_event_id(absl::StrCat("e", k, "-", std::string(200, 'x')));
    e->set_event_type("click");
    e->set_item_id(absl::StrCat("i", k % 300, "-", std::string(200, 'y')));
    e->mutable_sent_at()->set_seconds(1700000000 + k);
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::PutEventsResponse out;
    return events_->PutEvents(&c, r, &out);
  }
  int64_t Stored() {
    int64_t n = 0;
    for (int u = 0; u < 20; ++u) {
      grpc::ClientContext c;
      v1::GetUserHistoryRequest r;
      r.set_dataset_group("shop");
      r.set_user_id(absl::StrCat("u", u));
      r.set_max_results(10000);
      v1::GetUserHistoryResponse out;
      grpc::Status s = events_->GetUserHistory(&c, r, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      n += out.events_size();
    }
    return n;
  }
  std::string EventServiceHealth() {
    auto health = grpc::GenericStub(server_->channel());
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    // HealthCheckRequest{service: "recloop.v1.EventService"}
    const std::string service = "recloop.v1.EventService";
    grpc::Slice slice(std::string("\x0a", 1) + static_cast<char>(service.size()) +
                      service);
    grpc::ByteBuffer request(&slice, 1), response;
    std::atomic<bool> done{false};
    grpc::Status status;
    health.UnaryCall(&c, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                     &response, [&](grpc::Status s) {
                       status = s;
                       done = true;
                     });
    EXPECT_TRUE(PollUntil([&] { return done.load(); }, absl::Seconds(15)));
    std::vector<grpc::Slice> slices;
    if (!status.ok())
      return absl::StrCat("error ", status.error_code(), " ", status.error_message());
    if (!response.Dump(&slices).ok() || slices.empty()) return "empty";
    const std::string bytes(reinterpret_cast<const char*>(slices[0].begin()),
                            slices[0].size());
    return bytes == std::string("\x08\x01", 2) ? "SERVING" : "NOT_SERVING";
  }
  void CreateTracker() {
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

  int64_t reserve_ = kReserve;
  TempDir dir_;
  std::unique_ptr<Tmpfs> disk_;
  std::string mount_;
  std::unique_ptr<RecloopdProcess> server_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::string tracking_id_;
};

// Without a reserve RocksDB itself runs into the full disk: the failed
// write is refused, no write follows it until space is back, and the store
// resumes.
TEST_F(DiskFullTest, WithoutAReserveAFailedWriteStopsWritesUntilSpaceIsBack) {
  reserve_ = 0;
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateTracker());
  Fill(/*leave=*/4 << 20);
  int64_t acknowledged = 0;
  int refused_in_a_row = 0;
  int k = 0;
  for (; k < 200000 && refused_in_a_row < 20; ++k) {
    grpc::Status s = Put(k);
    if (s.ok()) {
      ++acknowledged;
      refused_in_a_row = 0;
      continue;
    }
    ++refused_in_a_row;
    ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    EXPECT_THAT(s.error_message(), Not(HasSubstr(mount_)))
        << "no server paths to clients";
  }
  ASSERT_EQ(refused_in_a_row, 20) << "writes were never refused";
  EXPECT_EQ(server_->Wait(0), -1) << "recloopd died:\n"
                                  << ReadFile(dir_.Sub("recloopd.log"));
  EXPECT_EQ(Stored(), acknowledged);
  FreeFiller();
  EXPECT_TRUE(
      PollUntil([&] { return Put(k).ok(); }, absl::Seconds(30), absl::Milliseconds(100)))
      << "writes did not resume after space was freed:\n"
      << ReadFile(dir_.Sub("recloopd.log"));
  ++acknowledged;
  EXPECT_EQ(Stored(), acknowledged) << "every acknowledged event, once";
}

TEST_F(DiskFullTest, WritesStopBeforeTheDiskIsFullAndResumeWhenSpaceIsBack) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateTracker());
  Fill(/*leave=*/kReserve + (6 << 20));
  int64_t acknowledged = 0;
  int refused_in_a_row = 0;
  int k = 0;
  for (; k < 200000 && refused_in_a_row < 20; ++k) {
    grpc::Status s = Put(k);
    if (s.ok()) {
      ++acknowledged;
      refused_in_a_row = 0;
      continue;
    }
    ++refused_in_a_row;
    ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("out of disk space"));
    EXPECT_THAT(s.error_message(), Not(HasSubstr(mount_)))
        << "no server paths to clients";
  }
  ASSERT_EQ(refused_in_a_row, 20) << "writes were never refused";
  EXPECT_EQ(server_->Wait(0), -1) << "recloopd died:\n"
                                  << ReadFile(dir_.Sub("recloopd.log"));
  std::cout << "DiskFullTest: " << acknowledged
            << " events acknowledged before the disk filled\n";
  // Reads work; health says writes are not served.
  EXPECT_EQ(Stored(), acknowledged);
  EXPECT_TRUE(
      PollUntil([&] { return EventServiceHealth() == "NOT_SERVING"; }, absl::Seconds(10)))
      << EventServiceHealth();

  FreeFiller();
  EXPECT_TRUE(
      PollUntil([&] { return Put(k).ok(); }, absl::Seconds(30), absl::Milliseconds(100)))
      << "writes did not resume after space was freed";
  ++acknowledged;
  EXPECT_TRUE(
      PollUntil([&] { return EventServiceHealth() == "SERVING"; }, absl::Seconds(10)));
  EXPECT_EQ(Stored(), acknowledged) << "every acknowledged event, once";
}

TEST_F(DiskFullTest, StartUpOnAFullDiskExitsWithAClearMessage) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateTracker());
  for (int k = 0; k < 100; ++k) ASSERT_TRUE(Put(k).ok());
  server_->Signal(SIGKILL);
  server_->Wait(30);
  Fill(/*leave=*/kReserve / 2);
  std::vector<std::string> argv = {BinaryFromEnv("RECLOOPD"), "--listen=127.0.0.1:0",
                                   "--data_dir=" + mount_ + "/data"};
  for (const std::string& flag : Flags()) argv.push_back(flag);
  CommandResult run = RunCommand(argv, "", absl::Seconds(60));
  EXPECT_EQ(run.exit_code, 1) << "exit 1, not an abort: " << run.err;
  EXPECT_THAT(run.err, HasSubstr("MiB free, below the"));
  FreeFiller();
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Stored(), 100) << "every acknowledged event survived";
}

}  // namespace
}  // namespace recloop

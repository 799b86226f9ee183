// recloopd: the recloop server.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "domain/recloop.h"
#include "server/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on (port 0 picks a free one)");
ABSL_FLAG(std::string, data_dir, "./recloop-data",
          "directory of the RocksDB store; created when missing or empty");
ABSL_FLAG(bool, sync, false,
          "fsync the WAL before acknowledging writes (survives power loss); "
          "without it an acknowledged event survives a process crash");
ABSL_FLAG(absl::Duration, recommendation_retention, absl::Hours(24 * 7),
          "how long served recommendation ids are remembered");
ABSL_FLAG(absl::Duration, checkpoint_interval, absl::Seconds(30),
          "how often model state is checkpointed");
ABSL_FLAG(int64_t, checkpoint_after_events, 50000,
          "checkpoint after this many events too: bounds what start-up after a crash "
          "replays");
ABSL_FLAG(int, max_receive_message_bytes, 4 << 20, "largest request accepted, in bytes");
ABSL_FLAG(int64_t, learning_cache_identities, 16384,
          "users or sessions whose recent events stay in memory for learning (0: none)");
ABSL_FLAG(int64_t, min_free_disk_bytes, int64_t{256} << 20,
          "free space kept on data_dir's disk: below it writes answer UNAVAILABLE "
          "until space is freed, and recloopd does not start (0: no check)");
ABSL_FLAG(absl::Duration, max_clock_skew, absl::Hours(1),
          "how far ahead of the server's clock an event's sent_at counts for "
          "learning (trending, item age); later ones count as received then plus "
          "this, and are still stored and returned as sent");
ABSL_FLAG(int, max_in_flight, 1000,
          "data-plane calls in progress (queued or running) beyond this get "
          "RESOURCE_EXHAUSTED at once (0: no bound)");
ABSL_FLAG(int64_t, max_in_flight_bytes, int64_t{256} << 20,
          "request bytes of the data-plane calls in progress beyond which new ones get "
          "RESOURCE_EXHAUSTED at once (0: no bound)");
ABSL_FLAG(int, worker_threads, 0, "threads that run calls (0: 4 per core, at least 8)");

namespace recloop {
namespace {

int Run() {
  // Block the shutdown signals before any thread starts, so that every
  // thread inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RecloopOptions options;
  options.store.path = absl::GetFlag(FLAGS_data_dir);
  options.store.sync_writes = absl::GetFlag(FLAGS_sync);
  options.store.min_free_bytes = static_cast<uint64_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_min_free_disk_bytes)));
  options.recommendation_retention = absl::GetFlag(FLAGS_recommendation_retention);
  options.checkpoint_interval = absl::GetFlag(FLAGS_checkpoint_interval);
  options.checkpoint_after_events =
      static_cast<uint64_t>(std::max<int64_t>(1, absl::GetFlag(FLAGS_checkpoint_after_events)));
  options.max_clock_skew = absl::GetFlag(FLAGS_max_clock_skew);
  if (options.max_clock_skew < absl::ZeroDuration()) {
    LogError("--max_clock_skew: must not be negative");
    return 2;
  }
  options.learning_window_cache =
      static_cast<size_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_learning_cache_identities)));
  ServerOptions server_options;
  server_options.listen = absl::GetFlag(FLAGS_listen);
  server_options.max_receive_message_bytes =
      absl::GetFlag(FLAGS_max_receive_message_bytes);
  server_options.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  server_options.max_in_flight_bytes = absl::GetFlag(FLAGS_max_in_flight_bytes);
  server_options.worker_threads = absl::GetFlag(FLAGS_worker_threads);

  absl::Time opening = absl::Now();
  auto recloop = Recloop::Open(options);
  if (!recloop.ok()) {
    LogError(absl::StrCat("cannot open data_dir ", options.store.path, ": ",
                          recloop.status().message()));
    return 1;
  }
  const RecoveryStats& recovery = (*recloop)->recovery_stats();
  LogInfo(
      absl::StrCat(recovery.created_store ? "created new store in " : "opened store in ",
                   options.store.path, ": ", recovery.dataset_groups,
                   " dataset group(s), replayed ", recovery.replayed_events,
                   " journaled event(s) in ", absl::FormatDuration(absl::Now() - opening),
                   options.store.sync_writes ? ", durability: fsync per write"
                                             : ", durability: WAL (process crash)"));

  auto server = RecloopServer::Start(recloop->get(), server_options);
  if (!server.ok()) {
    LogError(server.status().message());
    return 1;
  }
  std::string address = server_options.listen;
  address = absl::StrCat(address.substr(0, address.rfind(':')), ":", (*server)->port());
  LogInfo(absl::StrCat("recloopd listening on ", address, " with data_dir ",
                       options.store.path));

  int received = 0;
  sigwait(&signals, &received);
  LogInfo(absl::StrCat("received ", received == SIGINT ? "SIGINT" : "SIGTERM",
                       ": draining in-flight calls"));
  (*server)->Shutdown(absl::Seconds(10));
  recloop->reset();  // Final checkpoint, WAL sync, close.
  LogInfo("recloopd stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace recloop

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "recloopd --listen=HOST:PORT --data_dir=PATH: real-time event tracking "
      "and recommendation server");
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil without NDEBUG, which leaves its lock-order graph
  // (deadlock detection) running on every Mutex acquisition. Lock order is
  // checked at compile time by clang's thread-safety analysis instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return recloop::Run();
}

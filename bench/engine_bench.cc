// recloop-engine-bench: server-side latency and memory of the engine at
// scale, in process (no network): loads a synthetic log through
// Recloop::PutEvents, then times Recloop::GetRecommendations for a user with
// a long history, and reports resident memory as the state grows.
//
//   recloop-engine-bench --items=100000 --events=10000000 --data_dir=/tmp/eb
//
// --impressions=10 gives every event an explicit impression, so that the
// figures cover a deployment whose clients report what they showed (or
// cite recommendation ids): impressions counted per item, demotion applied
// to every candidate, and the blend learning from each choice.
//
// --build_recommender also times PutEvents while a recommender is created
// on the loaded group (it learns every loaded event in the background),
// against the same writer without a build:
//
//   recloop-engine-bench --data_dir=/tmp/eb --events=200000 --build_recommender
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/recloop.h"

ABSL_FLAG(std::string, data_dir, "", "store directory (created; must not exist)");
ABSL_FLAG(int64_t, items, 100000, "catalog size");
ABSL_FLAG(int64_t, events, 10000000, "events to load");
ABSL_FLAG(int64_t, events_per_user, 100, "average events per user");
ABSL_FLAG(int, history, 200, "events of the measured user");
ABSL_FLAG(int, queries, 20000, "GetRecommendations calls timed");
ABSL_FLAG(int, threads, 2, "loader threads");
ABSL_FLAG(bool, crash_after_load, false,
          "exit right after loading, without a final checkpoint, as kill -9 would: the "
          "store is left for measuring recloopd's start-up (bench/recovery.sh)");
ABSL_FLAG(int, impressions, 0,
          "items each loaded event says were shown (its item and others of the "
          "user's taste), 0 or 2-25; with them impressions demote and teach the "
          "blend, as when clients cite recommendation ids");
ABSL_FLAG(bool, build_recommender, false,
          "after loading, time PutEvents (one event per call, --put_rate calls/s) "
          "for --baseline_seconds, then from CreateRecommender until the new "
          "recommender, learning the loaded events, is ACTIVE");
ABSL_FLAG(int, put_rate, 500, "PutEvents calls per second of --build_recommender's writer");
ABSL_FLAG(double, baseline_seconds, 5, "how long --build_recommender times PutEvents alone");
ABSL_FLAG(std::vector<std::string>, report_at,
          std::vector<std::string>({"1000000", "2000000", "5000000"}),
          "also report memory after these many events");

namespace recloop {
namespace {

using Clock = std::chrono::steady_clock;

double RssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

// Items in 1000 taste clusters, Zipf-popular inside each; a user mostly
// stays in one cluster, like the replay's synthetic log.
class Generator {
 public:
  Generator(int64_t items, uint64_t seed) : items_(items), rng_(seed) {
    per_cluster_ = std::max<int64_t>(1, items / kClusters);
    std::vector<double> w;
    for (int64_t r = 0; r < per_cluster_; ++r) w.push_back(1.0 / (r + 1));
    in_cluster_ = std::discrete_distribution<int64_t>(w.begin(), w.end());
  }
  std::string Item(int64_t cluster) {
    int64_t item = std::bernoulli_distribution(0.15)(rng_)
                       ? std::uniform_int_distribution<int64_t>(0, items_ - 1)(rng_)
                       : (cluster * per_cluster_ + in_cluster_(rng_)) % items_;
    return absl::StrCat("item", item);
  }
  int64_t Cluster() { return std::uniform_int_distribution<int64_t>(0, kClusters - 1)(rng_); }

 private:
  static constexpr int64_t kClusters = 1000;
  int64_t items_;
  int64_t per_cluster_;
  std::mt19937_64 rng_;
  std::discrete_distribution<int64_t> in_cluster_;
};

struct Latencies {
  std::vector<double> micros;
  int failed = 0;
  double seconds = 0;
};

void PrintLatencies(const char* what, Latencies l) {
  std::sort(l.micros.begin(), l.micros.end());
  auto pct = [&](double p) {
    if (l.micros.empty()) return 0.0;
    return l.micros[std::min(l.micros.size() - 1,
                             static_cast<size_t>(p / 100 * l.micros.size()))];
  };
  std::printf("  %-18s %7zu calls in %5.1f s  p50 %.3f ms  p99 %.3f ms  max %.3f ms  "
              "failed %d\n",
              what, l.micros.size(), l.seconds, pct(50) / 1000, pct(99) / 1000,
              (l.micros.empty() ? 0 : l.micros.back()) / 1000, l.failed);
}

// PutEvents latency of a steady writer (one-event calls of the loaded
// users, --put_rate calls/s, on a thread of its own) alone, then from the
// moment CreateRecommender is called until the new recommender is ACTIVE.
// A call counts in the phase it was sent in.
int TimeBuild(Recloop& recloop, const std::string& tid, int64_t users) {
  const int rate = std::max(1, absl::GetFlag(FLAGS_put_rate));
  std::printf("PutEvents (in process, one event per call, %d calls/s) while a recommender "
              "learns the %lld stored events:\n",
              rate, static_cast<long long>(absl::GetFlag(FLAGS_events)));
  // Checkpoint pauses are their own figure (docs/benchmarks.md): one now
  // makes the next due only after --checkpoint_after_events more events,
  // beyond both phases at the default rate.
  if (absl::Status checkpoint = recloop.Checkpoint(); !checkpoint.ok()) {
    std::fprintf(stderr, "checkpoint failed: %s\n", checkpoint.ToString().c_str());
    return 1;
  }
  std::atomic<int> phase{0};  // 0: alone, 1: during the build, 2: done.
  Latencies by_phase[2];
  std::thread writer([&] {
    Generator gen(absl::GetFlag(FLAGS_items), 3000);
    const auto start = Clock::now();
    const auto interval = std::chrono::duration<double>(1.0 / rate);
    for (int64_t n = 0;; ++n) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                interval * static_cast<double>(n)));
      const int sent_in = phase.load();
      if (sent_in == 2) break;
      const int64_t u = (n * 7919) % users;
      v1::PutEventsRequest r;
      r.set_tracking_id(tid);
      r.set_user_id(absl::StrCat("u", u));
      r.set_session_id(absl::StrCat("s", u));
      v1::Event* e = r.add_event_list();
      e->set_event_type("click");
      e->set_item_id(gen.Item(gen.Cluster()));
      e->mutable_sent_at()->set_seconds(1800000000 + n);
      const auto sent = Clock::now();
      const bool ok = recloop.PutEvents(r).ok();
      by_phase[sent_in].micros.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
      by_phase[sent_in].failed += !ok;
    }
  });
  const auto baseline_start = Clock::now();
  std::this_thread::sleep_for(
      std::chrono::duration<double>(absl::GetFlag(FLAGS_baseline_seconds)));
  v1::CreateRecommenderRequest create;
  create.set_name("built");
  create.set_dataset_group("bench");
  const auto created_at = Clock::now();
  phase.store(1);
  auto created = recloop.CreateRecommender(create);
  const double create_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - created_at).count();
  v1::DescribeRecommenderRequest describe;
  describe.set_dataset_group("bench");
  describe.set_name("built");
  std::string status = created.ok() ? created->status() : created.status().ToString();
  while (status == "CREATE_IN_PROGRESS") {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto described = recloop.DescribeRecommender(describe);
    status = described.ok() ? described->status() : described.status().ToString();
  }
  const auto built_at = Clock::now();
  phase.store(2);
  writer.join();
  by_phase[0].seconds = std::chrono::duration<double>(created_at - baseline_start).count();
  by_phase[1].seconds = std::chrono::duration<double>(built_at - created_at).count();
  PrintLatencies("without a build", by_phase[0]);
  PrintLatencies("during the build", by_phase[1]);
  std::printf("  CreateRecommender returned in %.3f ms; the build took %.1f s and ended %s\n",
              create_ms, by_phase[1].seconds, status.c_str());
  return status == "ACTIVE" ? 0 : 1;
}

// Gives `event` an explicit impression of `size` items (none for 0): its
// own item first, then others of the user's cluster, without repeats.
void AddImpression(Generator* gen, int64_t cluster, int size, v1::Event* event) {
  if (size <= 0) return;
  event->add_impression(event->item_id());
  for (int tries = 0; event->impression_size() < size && tries < 4 * size; ++tries) {
    std::string item = gen->Item(cluster);
    if (std::find(event->impression().begin(), event->impression().end(), item) ==
        event->impression().end()) {
      event->add_impression(std::move(item));
    }
  }
}

int Run() {
  const int impressions = absl::GetFlag(FLAGS_impressions);
  if (impressions != 0 && (impressions < 2 || impressions > 25)) {
    std::fprintf(stderr, "--impressions must be 0 or in [2, 25]\n");
    return 2;
  }
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  if (dir.empty()) {
    std::fprintf(stderr, "--data_dir is required\n");
    return 2;
  }
  RecloopOptions options;
  options.store.path = dir;
  options.checkpoint_interval = absl::Minutes(5);
  auto opened = Recloop::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  Recloop& recloop = **opened;
  v1::CreateDatasetGroupRequest g;
  g.set_name("bench");
  (void)recloop.CreateDatasetGroup(g);
  v1::CreateEventTrackerRequest t;
  t.set_name("bench-tracker");
  t.set_dataset_group("bench");
  const std::string tid = recloop.CreateEventTracker(t)->tracking_id();

  const int64_t events = absl::GetFlag(FLAGS_events);
  const int64_t per_user = absl::GetFlag(FLAGS_events_per_user);
  const int64_t users = std::max<int64_t>(1, events / per_user);
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  std::vector<int64_t> report_at;
  for (const auto& s : absl::GetFlag(FLAGS_report_at)) {
    // Points past the end would never be reached.
    if (std::stoll(s) < events) report_at.push_back(std::stoll(s));
  }
  report_at.push_back(events);

  std::printf("engine benchmark: %lld items, %lld events, %lld users, %d-item impressions\n",
              static_cast<long long>(absl::GetFlag(FLAGS_items)),
              static_cast<long long>(events), static_cast<long long>(users), impressions);
  std::printf("  %12s %10s %12s %14s %10s\n", "events", "items", "neighbours",
              "load ev/s", "RSS MiB");
  std::atomic<int64_t> loaded{0};
  const auto load_start = Clock::now();
  size_t next_report = 0;
  // Users are loaded in interleaved sessions: each call is one user's next
  // 10 events, users taken round-robin across threads.
  auto loader = [&](int thread) {
    Generator gen(absl::GetFlag(FLAGS_items), 1000 + thread);
    // Impressions draw from their own generator, so that the events' items
    // are the same with and without them.
    Generator shown(absl::GetFlag(FLAGS_items), 2000 + thread);
    std::vector<int64_t> cluster(users);
    for (auto& c : cluster) c = gen.Cluster();
    int64_t second = 1600000000;
    for (int64_t round = 0; loaded.load() < events; ++round) {
      for (int64_t u = thread; u < users && loaded.load() < events; u += threads) {
        v1::PutEventsRequest r;
        r.set_tracking_id(tid);
        r.set_user_id(absl::StrCat("u", u));
        r.set_session_id(absl::StrCat("s", u));
        for (int i = 0; i < 10; ++i) {
          v1::Event* e = r.add_event_list();
          e->set_event_type("click");
          e->set_item_id(gen.Item(cluster[u]));
          e->mutable_sent_at()->set_seconds(second + round * 10 + i);
          AddImpression(&shown, cluster[u], impressions, e);
        }
        auto put = recloop.PutEvents(r);
        if (!put.ok()) {
          std::fprintf(stderr, "PutEvents: %s\n", put.status().ToString().c_str());
          std::exit(1);
        }
        loaded.fetch_add(put->stored_count());
      }
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back(loader, i);
  while (next_report < report_at.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int64_t now = loaded.load();
    while (next_report < report_at.size() && now >= report_at[next_report]) {
      const double secs = std::chrono::duration<double>(Clock::now() - load_start).count();
      const RecloopStats stats = recloop.Stats();
      std::printf("  %12lld %10zu %12zu %14.0f %10.0f\n", static_cast<long long>(now),
                  stats.items, stats.neighbours, now / secs, RssMiB());
      std::fflush(stdout);
      ++next_report;
    }
  }
  for (auto& w : workers) w.join();
  if (absl::GetFlag(FLAGS_crash_after_load)) {
    std::printf("exiting without a checkpoint\n");
    std::fflush(stdout);
    std::_Exit(0);
  }
  if (absl::GetFlag(FLAGS_build_recommender)) {
    if (int failed = TimeBuild(recloop, tid, users); failed != 0) return failed;
  }

  // The measured user: `history` events in one cluster.
  Generator gen(absl::GetFlag(FLAGS_items), 7);
  const int64_t cluster = gen.Cluster();
  Generator shown(absl::GetFlag(FLAGS_items), 8);
  const int history = absl::GetFlag(FLAGS_history);
  for (int i = 0; i < history; i += 10) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tid);
    r.set_user_id("measured");
    r.set_session_id("measured-session");
    for (int k = 0; k < 10 && i + k < history; ++k) {
      v1::Event* e = r.add_event_list();
      e->set_event_type("click");
      e->set_item_id(gen.Item(cluster));
      e->mutable_sent_at()->set_seconds(1900000000 + i + k);
      AddImpression(&shown, cluster, impressions, e);
    }
    (void)recloop.PutEvents(r);
  }
  v1::GetUserHistoryRequest h;
  h.set_dataset_group("bench");
  h.set_user_id("measured");
  const int stored_history = recloop.GetUserHistory(h)->events_size();

  v1::GetRecommendationsRequest q;
  q.set_dataset_group("bench");
  q.set_user_id("measured");
  q.set_num_results(25);
  std::vector<double> micros;
  const int queries = absl::GetFlag(FLAGS_queries);
  for (int i = 0; i < queries; ++i) {
    const auto start = Clock::now();
    auto resp = recloop.GetRecommendations(q);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!resp.ok() || resp->item_list_size() != 25) {
      std::fprintf(stderr, "bad response\n");
      return 1;
    }
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) {
    return micros[std::min(micros.size() - 1, static_cast<size_t>(p / 100 * micros.size()))];
  };
  std::printf("GetRecommendations (server side, in process) for a user with %d events, "
              "num_results 25, %d calls:\n",
              stored_history, queries);
  std::printf("  p50 %.3f ms  p95 %.3f ms  p99 %.3f ms  max %.3f ms\n", pct(50) / 1000,
              pct(95) / 1000, pct(99) / 1000, micros.back() / 1000);
  std::printf("RSS after the run: %.0f MiB\n", RssMiB());
  return 0;
}

}  // namespace
}  // namespace recloop

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("recloop-engine-bench --data_dir=PATH [--events=N]");
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil without NDEBUG, which leaves its lock-order graph
  // (deadlock detection) running on every Mutex acquisition. Lock order is
  // checked at compile time by clang's thread-safety analysis instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::printf("command: %s\n", absl::StrJoin(std::vector<std::string>(argv, argv + argc), " ").c_str());
  return recloop::Run();
}

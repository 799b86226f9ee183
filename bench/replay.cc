// recloop-replay: streams an interaction log through a running recloopd over
// gRPC, in timestamp order (ties broken by user id, then item id), and
// measures the quality of what the server recommends.
//
// For each event it asks every evaluated recommender for the user's top k
// (GetRecommendations), counts a hit when the event's item is in the list,
// then sends the event (PutEvents). Items the user already interacted with
// are excluded by the recommenders (exclude_interacted), as in the baselines.
//
// Inputs:
//   --format=tsv        MovieLens u.data: user TAB item TAB rating TAB unix-seconds
//   --format=csv        MovieLens ratings.csv: userId,movieId,rating,timestamp (header)
//   --format=synthetic  generated here (see --synthetic_*), for tests and CI
//   --format=mind       MIND behaviors.tsv: impressions with clicks; reports the
//                       click-through of the served lists instead of HR
//
// Output: HR@k, NDCG@k and catalog coverage per recommender (or CTR for
// MIND), client-side RPC rates and latency percentiles, and the command.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/interaction_log.h"
#include "bench/replay_log_flags.h"
#include "grpcpp/grpcpp.h"
#include "recloop/v1/recloop.grpc.pb.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "recloopd address");
ABSL_FLAG(int, k, 10, "list length asked for and evaluated");
ABSL_FLAG(std::vector<std::string>, recipes,
          std::vector<std::string>({"user-personalization", "popularity-count"}),
          "recipes to evaluate, each as its own recommender on the same events");
ABSL_FLAG(double, exploration_weight, 0,
          "exploration_weight of the user-personalization recommender");
ABSL_FLAG(std::string, require_lift_over, "",
          "fail (exit 1) unless the first recipe's HR is at least --lift times "
          "this recipe's");
ABSL_FLAG(double, lift, 1.5, "see --require_lift_over");
ABSL_FLAG(bool, progress, true, "print progress to stderr");

namespace recloop {
namespace {

using Clock = std::chrono::steady_clock;

// One MIND impression log.
struct Impression {
  int64_t ts;
  std::string user;
  std::vector<std::string> history;
  std::vector<std::pair<std::string, bool>> shown;  // item, clicked
};

bool ReadMind(const std::string& path, std::vector<Impression>* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 5) continue;
    Impression imp;
    imp.user = f[1];
    // "11/12/2019 2:14:46 PM"
    int mo, d, y, h, mi, s;
    char ampm[3] = {0};
    if (std::sscanf(f[2].c_str(), "%d/%d/%d %d:%d:%d %2s", &mo, &d, &y, &h, &mi, &s,
                    ampm) != 7) {
      continue;
    }
    if (h == 12) h = 0;
    if (ampm[0] == 'P') h += 12;
    imp.ts = absl::ToUnixSeconds(
        absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone()));
    for (absl::string_view item : absl::StrSplit(f[3], ' ', absl::SkipEmpty())) {
      imp.history.emplace_back(item);
    }
    for (absl::string_view entry : absl::StrSplit(f[4], ' ', absl::SkipEmpty())) {
      const size_t dash = entry.rfind('-');
      if (dash == absl::string_view::npos) continue;
      imp.shown.emplace_back(std::string(entry.substr(0, dash)),
                             entry.substr(dash + 1) == "1");
    }
    out->push_back(std::move(imp));
  }
  return true;
}

// Latencies of one RPC, in microseconds.
struct RpcStats {
  std::vector<double> micros;
  int errors = 0;
  void Add(Clock::duration d) {
    micros.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  double Percentile(double p) {
    if (micros.empty()) return 0;
    std::sort(micros.begin(), micros.end());
    return micros[std::min(micros.size() - 1,
                           static_cast<size_t>(p / 100.0 * micros.size()))];
  }
};

struct Quality {
  int64_t events = 0;
  int64_t hits = 0;
  double ndcg = 0;
  int64_t served = 0;   // MIND: served items
  int64_t clicked = 0;  // MIND: served items clicked in that impression
  int64_t lists_with_click = 0;
  absl::flat_hash_set<std::string> recommended;
};

class Replayer {
 public:
  explicit Replayer(std::shared_ptr<grpc::Channel> channel)
      : trackers_(v1::EventTrackerService::NewStub(channel)),
        events_(v1::EventService::NewStub(channel)),
        recs_(v1::RecommendationService::NewStub(channel)) {}

  bool Setup(const std::vector<std::string>& recipes) {
    group_ = absl::StrCat("replay-", absl::ToUnixMillis(absl::Now()));
    grpc::ClientContext c1, c2;
    v1::CreateDatasetGroupRequest g;
    g.set_name(group_);
    v1::DatasetGroup created;
    if (!Check(trackers_->CreateDatasetGroup(&c1, g, &created), "CreateDatasetGroup")) {
      return false;
    }
    v1::CreateEventTrackerRequest t;
    t.set_name(group_ + "-tracker");
    t.set_dataset_group(group_);
    v1::EventTracker tracker;
    if (!Check(trackers_->CreateEventTracker(&c2, t, &tracker), "CreateEventTracker")) {
      return false;
    }
    tracking_id_ = tracker.tracking_id();
    for (const std::string& recipe : recipes) {
      grpc::ClientContext c;
      v1::CreateRecommenderRequest r;
      r.set_name(absl::StrCat(group_, "-", recipe));
      r.set_dataset_group(group_);
      r.set_recipe(recipe);
      r.mutable_config()->set_exploration_weight(absl::GetFlag(FLAGS_exploration_weight));
      r.mutable_config()->set_exploration_seed(absl::GetFlag(FLAGS_seed));
      v1::Recommender out;
      if (!Check(recs_->CreateRecommender(&c, r, &out), "CreateRecommender")) return false;
      recommenders_.push_back(out.name());
    }
    // A created recommender serves once it has learned the group's stored
    // events (none here): wait until each is ACTIVE.
    for (const std::string& name : recommenders_) {
      if (!WaitUntilActive(name)) return false;
    }
    return true;
  }

  bool WaitUntilActive(const std::string& name) {
    v1::DescribeRecommenderRequest r;
    r.set_dataset_group(group_);
    r.set_name(name);
    for (int attempt = 0; attempt < 600; ++attempt) {
      grpc::ClientContext c;
      v1::Recommender out;
      if (!Check(recs_->DescribeRecommender(&c, r, &out), "DescribeRecommender")) return false;
      if (out.status() == "ACTIVE") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::cerr << "recommender " << name << " is not ACTIVE after 60 s\n";
    return false;
  }

  const std::vector<std::string>& recommenders() const { return recommenders_; }

  // Top-k for `user` from recommender `r`; empty on error.
  std::vector<std::string> Recommend(size_t r, const std::string& user, int k,
                                     std::string* recommendation_id = nullptr) {
    v1::GetRecommendationsRequest req;
    req.set_dataset_group(group_);
    req.set_recommender(recommenders_[r]);
    req.set_user_id(user);
    req.set_num_results(k);
    v1::GetRecommendationsResponse resp;
    grpc::ClientContext c;
    const auto start = Clock::now();
    grpc::Status s = recs_->GetRecommendations(&c, req, &resp);
    get_.Add(Clock::now() - start);
    std::vector<std::string> ids;
    if (!s.ok()) {
      if (get_.errors++ == 0) std::cerr << "GetRecommendations: " << s.error_message() << "\n";
      return ids;
    }
    for (const auto& i : resp.item_list()) ids.push_back(i.item_id());
    if (recommendation_id != nullptr) *recommendation_id = resp.recommendation_id();
    return ids;
  }

  bool Put(const std::string& user, std::vector<v1::Event> events) {
    v1::PutEventsRequest req;
    req.set_tracking_id(tracking_id_);
    req.set_user_id(user);
    req.set_session_id("s-" + user);
    for (auto& e : events) *req.add_event_list() = std::move(e);
    v1::PutEventsResponse resp;
    grpc::ClientContext c;
    const auto start = Clock::now();
    grpc::Status s = events_->PutEvents(&c, req, &resp);
    put_.Add(Clock::now() - start);
    if (!s.ok() && put_.errors++ == 0) std::cerr << "PutEvents: " << s.error_message() << "\n";
    return s.ok();
  }

  RpcStats& get_stats() { return get_; }
  RpcStats& put_stats() { return put_; }

 private:
  bool Check(const grpc::Status& s, const char* what) {
    if (!s.ok()) std::cerr << what << ": " << s.error_message() << "\n";
    return s.ok();
  }

  std::unique_ptr<v1::EventTrackerService::Stub> trackers_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::unique_ptr<v1::RecommendationService::Stub> recs_;
  std::string group_;
  std::string tracking_id_;
  std::vector<std::string> recommenders_;
  RpcStats get_;
  RpcStats put_;
};

v1::Event MakeEvent(const std::string& id, const std::string& type,
                    const std::string& item, int64_t ts) {
  v1::Event e;
  e.set_event_id(id);
  e.set_event_type(type);
  e.set_item_id(item);
  e.mutable_sent_at()->set_seconds(ts);
  return e;
}

void PrintRpc(const char* name, RpcStats& s, double seconds) {
  std::printf("  %-20s %9zu %9.0f %8.3f %8.3f %8.3f %7d\n", name, s.micros.size(),
              s.micros.size() / seconds, s.Percentile(50) / 1000,
              s.Percentile(95) / 1000, s.Percentile(99) / 1000, s.errors);
}

std::string Command(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return absl::StrJoin(args, " ");
}

int ReplayInteractions(int argc, char** argv) {
  absl::optional<ReplayInput> input = ReplayInputFromFlags("recloop-replay");
  if (!input) return 2;
  std::vector<LoggedInteraction> log = std::move(input->log);
  const Citation citation = input->citation;
  absl::flat_hash_set<std::string> users, items;
  for (const auto& e : log) {
    users.insert(e.user);
    items.insert(e.item);
  }

  Replayer replayer(grpc::CreateChannel(absl::GetFlag(FLAGS_address),
                                        grpc::InsecureChannelCredentials()));
  if (!replayer.Setup(absl::GetFlag(FLAGS_recipes))) return 2;
  const size_t nrec = replayer.recommenders().size();
  std::vector<Quality> quality(nrec);
  const int k = absl::GetFlag(FLAGS_k);
  const auto start = Clock::now();
  for (size_t n = 0; n < log.size(); ++n) {
    const LoggedInteraction& e = log[n];
    std::string first_recommendation_id;  // of the first recipe's list
    bool hit = false;
    for (size_t r = 0; r < nrec; ++r) {
      std::vector<std::string> list =
          replayer.Recommend(r, e.user, k, r == 0 ? &first_recommendation_id : nullptr);
      Quality& q = quality[r];
      ++q.events;
      for (size_t rank = 0; rank < list.size(); ++rank) {
        q.recommended.insert(list[rank]);
        if (list[rank] == e.item) {
          if (r == 0) hit = true;
          ++q.hits;
          q.ndcg += 1.0 / std::log2(rank + 2.0);
        }
      }
    }
    v1::Event event = MakeEvent(absl::StrCat("e", n), "rating", e.item, e.ts);
    if (e.has_value) event.set_event_value(static_cast<float>(e.value));
    if (citation == Citation::kAll || (citation == Citation::kHits && hit)) {
      event.set_recommendation_id(first_recommendation_id);
    }
    replayer.Put(e.user, {std::move(event)});
    if (absl::GetFlag(FLAGS_progress) && (n + 1) % 5000 == 0) {
      std::fprintf(stderr, "\r%zu/%zu events, HR@%d so far %.4f", n + 1, log.size(), k,
                   quality[0].hits / static_cast<double>(quality[0].events));
    }
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (absl::GetFlag(FLAGS_progress)) std::fprintf(stderr, "\n");

  std::printf("replay of %zu events (%zu users, %zu items) through %s, k=%d\n",
              log.size(), users.size(), items.size(), absl::GetFlag(FLAGS_address).c_str(),
              k);
  std::printf("command: %s\n", Command(argc, argv).c_str());
  std::printf("  %-22s %8s %8s %9s\n", "recipe", "HR", "NDCG", "coverage");
  const auto& recipes = absl::GetFlag(FLAGS_recipes);
  for (size_t r = 0; r < nrec; ++r) {
    const Quality& q = quality[r];
    std::printf("  %-22s %8.4f %8.4f %9.3f\n", recipes[r].c_str(),
                q.hits / static_cast<double>(q.events), q.ndcg / q.events,
                q.recommended.size() / static_cast<double>(items.size()));
  }
  std::printf("  %-20s %9s %9s %8s %8s %8s %7s  (client side, ms)\n", "rpc", "calls",
              "per s", "p50", "p95", "p99", "errors");
  PrintRpc("GetRecommendations", replayer.get_stats(), seconds);
  PrintRpc("PutEvents", replayer.put_stats(), seconds);

  if (replayer.get_stats().errors > 0 || replayer.put_stats().errors > 0) return 1;
  const std::string baseline = absl::GetFlag(FLAGS_require_lift_over);
  if (!baseline.empty()) {
    auto it = std::find(recipes.begin(), recipes.end(), baseline);
    if (it == recipes.end()) {
      std::cerr << "--require_lift_over names a recipe not in --recipes\n";
      return 2;
    }
    const double engine = quality[0].hits / static_cast<double>(quality[0].events);
    const double base = quality[it - recipes.begin()].hits /
                        static_cast<double>(quality[0].events);
    const double lift = absl::GetFlag(FLAGS_lift);
    std::printf("check: HR %s %.4f vs %s %.4f: %s (required lift %.2f)\n",
                recipes[0].c_str(), engine, baseline.c_str(), base,
                engine >= lift * base ? "PASS" : "FAIL", lift);
    if (engine < lift * base) return 1;
  }
  return 0;
}

// Sends `events` of `user` in PutEvents calls of up to 10, in order.
void PutInBatches(Replayer* replayer, const std::string& user,
                  std::vector<v1::Event> events) {
  for (size_t i = 0; i < events.size(); i += 10) {
    std::vector<v1::Event> batch(std::make_move_iterator(events.begin() + i),
                                 std::make_move_iterator(
                                     events.begin() + std::min(events.size(), i + 10)));
    replayer->Put(user, std::move(batch));
  }
}

// MIND: for each impression log in time order, every recommender serves a
// list to the user; a served item that the user clicked in that log counts
// as a click. Then the log is sent: its clicks as events whose explicit
// impression is the shown items, and the unclicked rest as impression-only
// events (impression lists are cut in chunks of 25, Personalize's limit).
int ReplayMind(int argc, char** argv) {
  std::vector<Impression> log;
  if (!ReadMind(absl::GetFlag(FLAGS_input), &log)) {
    std::cerr << "cannot read --input=" << absl::GetFlag(FLAGS_input) << "\n";
    return 2;
  }
  std::stable_sort(log.begin(), log.end(), [](const Impression& a, const Impression& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    return a.user < b.user;
  });
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit > 0 && static_cast<int64_t>(log.size()) > limit) log.resize(limit);
  Replayer replayer(grpc::CreateChannel(absl::GetFlag(FLAGS_address),
                                        grpc::InsecureChannelCredentials()));
  if (!replayer.Setup(absl::GetFlag(FLAGS_recipes))) return 2;
  const size_t nrec = replayer.recommenders().size();
  std::vector<Quality> quality(nrec);
  const int k = absl::GetFlag(FLAGS_k);
  absl::flat_hash_set<std::string> seeded;
  int64_t next_id = 0;
  const auto start = Clock::now();
  for (size_t n = 0; n < log.size(); ++n) {
    const Impression& imp = log[n];
    // The user's clicks before the log period, once, a day before.
    if (seeded.insert(imp.user).second && !imp.history.empty()) {
      std::vector<v1::Event> history;
      for (size_t h = 0; h < imp.history.size(); ++h) {
        history.push_back(MakeEvent(absl::StrCat("m", next_id++), "click", imp.history[h],
                                    imp.ts - 86400 - static_cast<int64_t>(
                                                         imp.history.size() - h)));
      }
      PutInBatches(&replayer, imp.user, std::move(history));
    }
    absl::flat_hash_set<std::string> clicked;
    for (const auto& [item, click] : imp.shown) {
      if (click) clicked.insert(item);
    }
    for (size_t r = 0; r < nrec; ++r) {
      std::vector<std::string> list = replayer.Recommend(r, imp.user, k);
      Quality& q = quality[r];
      ++q.events;
      q.served += static_cast<int64_t>(list.size());
      bool any = false;
      for (const std::string& id : list) {
        q.recommended.insert(id);
        if (clicked.contains(id)) {
          ++q.clicked;
          any = true;
        }
      }
      q.lists_with_click += any;
    }
    std::vector<v1::Event> log_events;
    for (size_t c = 0; c < imp.shown.size(); c += 25) {
      const size_t end = std::min(imp.shown.size(), c + 25);
      std::vector<std::string> chunk;
      std::vector<std::string> clicks;
      for (size_t i = c; i < end; ++i) {
        chunk.push_back(imp.shown[i].first);
        if (imp.shown[i].second) clicks.push_back(imp.shown[i].first);
      }
      if (clicks.empty()) clicks.push_back("");  // An impression-only event.
      for (const std::string& item : clicks) {
        v1::Event e = MakeEvent(absl::StrCat("m", next_id++),
                                item.empty() ? "impression" : "click", item, imp.ts);
        for (const std::string& shown : chunk) e.add_impression(shown);
        log_events.push_back(std::move(e));
      }
    }
    PutInBatches(&replayer, imp.user, std::move(log_events));
    if (absl::GetFlag(FLAGS_progress) && (n + 1) % 500 == 0) {
      std::fprintf(stderr, "\r%zu/%zu impression logs", n + 1, log.size());
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (absl::GetFlag(FLAGS_progress)) std::fprintf(stderr, "\n");
  std::printf("MIND replay of %zu impression logs through %s, k=%d, exploration_weight=%.2f\n",
              log.size(), absl::GetFlag(FLAGS_address).c_str(), k,
              absl::GetFlag(FLAGS_exploration_weight));
  std::printf("command: %s\n", Command(argc, argv).c_str());
  std::printf("  %-22s %10s %14s %12s\n", "recipe", "CTR", "lists clicked", "distinct");
  const auto& recipes = absl::GetFlag(FLAGS_recipes);
  for (size_t r = 0; r < nrec; ++r) {
    const Quality& q = quality[r];
    std::printf("  %-22s %10.5f %14.4f %12zu\n", recipes[r].c_str(),
                q.served ? q.clicked / static_cast<double>(q.served) : 0.0,
                q.lists_with_click / static_cast<double>(q.events), q.recommended.size());
  }
  std::printf("  %-20s %9s %9s %8s %8s %8s %7s  (client side, ms)\n", "rpc", "calls",
              "per s", "p50", "p95", "p99", "errors");
  PrintRpc("GetRecommendations", replayer.get_stats(), seconds);
  PrintRpc("PutEvents", replayer.put_stats(), seconds);
  return replayer.get_stats().errors > 0 || replayer.put_stats().errors > 0 ? 1 : 0;
}

}  // namespace
}  // namespace recloop

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "recloop-replay --address=HOST:PORT --format=tsv|csv|synthetic|mind "
      "[--input=PATH]: replay an interaction log through recloopd and measure "
      "recommendation quality");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_format) == "mind") return recloop::ReplayMind(argc, argv);
  return recloop::ReplayInteractions(argc, argv);
}

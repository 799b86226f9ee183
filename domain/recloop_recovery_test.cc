// Recloop's crash recovery through its public API, on real RocksDB stores:
// a store closed without a final checkpoint, as kill -9 leaves it, reopens
// with every acknowledged event and the models rebuilt from the last
// checkpoint plus the journal.
#include <cstdint>
#include <iomanip>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "domain/recloop.h"
#include "domain/recloop_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/testing/poll.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(RecloopTest, ACrashLosesNothingAndTheJournalRebuildsTheModel) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(Put(tid, "z", "s", {"A"}).ok());
  Crash();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 10u);
  EXPECT_THAT(History("shop", "z"), ElementsAre("A"));
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  // The tracking id still works.
  ASSERT_TRUE(Put(tid, "y", "s", {"C"}).ok());
}

TEST_F(RecloopTest, StartUpAfterACheckpointReplaysOnlyWhatCameLater) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  ASSERT_TRUE(Put(tid, "z", "s", {"A"}).ok());
  Crash();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 1u);
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  // A clean close checkpoints everything: nothing to replay.
  Open(/*checkpoint_on_close=*/true);
  ASSERT_TRUE(Put(tid, "z", "s", {"D"}).ok());
  recloop_.reset();
  Open();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 0u);
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(Recommend("shop", "", "", 1), (std::vector<std::string>{"A"}));
}

// Start-up replays a bounded journal whatever the history: with the
// default options a checkpoint follows every 50,000 events, without waiting
// for the 30-second timer.
TEST_F(RecloopTest, TheJournalStaysBoundedByEventCount) {
  const std::string tid = CreateGroupAndTracker("shop");
  constexpr int kCalls = 6000;
  for (int call = 0; call < kCalls; ++call) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tid);
    r.set_user_id(absl::StrCat("u", call % 500));
    r.set_session_id(absl::StrCat("s", call % 500));
    for (int k = 0; k < 10; ++k) {
      v1::Event* e = r.add_event_list();
      e->set_event_type("click");
      e->set_item_id(absl::StrCat("i", (call * 10 + k) % 200));
      e->mutable_sent_at()->set_seconds(1700000000 + call);
    }
    ASSERT_TRUE(recloop_->PutEvents(r).ok());
  }
  const RecloopOptions defaults;
  // The checkpoint runs on its own thread, beside the writes.
  ASSERT_TRUE(PollUntil(
      [&] {
        return recloop_->checkpointed_sequence() >= defaults.checkpoint_after_events;
      },
      absl::Seconds(60)));
  Crash();
  EXPECT_LT(recloop_->recovery_stats().replayed_events, kCalls * 10u);
  EXPECT_LE(recloop_->recovery_stats().replayed_events,
            defaults.checkpoint_after_events + 10000);
}

TEST_F(RecloopTest, AFailedOpenLeavesTheStoreUntouched) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_TRUE(Put(tid, "u", "s", {"A"}).ok());
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  ASSERT_TRUE(Put(tid, "u", "s", {"B"}).ok());
  recloop_.reset();
  std::string checkpoint_before;
  {
    StoreOptions options;
    options.path = dir_.path();
    auto store = *Store::Open(options);
    checkpoint_before = *store->Get(Cf::kMeta, meta_key::Checkpoint());
    WriteBatch damage(*store);
    damage.Put(Cf::kJournal, JournalKey(1000), "not a journal entry");
    ASSERT_TRUE(store->Write(&damage).ok());
  }
  RecloopOptions options;
  options.store.path = dir_.path();
  options.checkpoint_on_close = true;
  auto failed = Recloop::Open(options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("journal entry 1000"));
  StoreOptions store_options;
  store_options.path = dir_.path();
  auto store = *Store::Open(store_options);
  EXPECT_EQ(*store->Get(Cf::kMeta, meta_key::Checkpoint()), checkpoint_before);
}

}  // namespace
}  // namespace recloop
namespace recloop {
namespace {

// A model rebuilt at start-up from its checkpoint plus the replayed journal
// must serve exactly what the model that never stopped serves: a restart,
// or kill -9, must not change anyone's lists. Two stores get the same
// stream; A is checkpointed part way, crashes later (no final checkpoint)
// and reopens; then every list the compared recommenders serve must be
// equal, item for item and score for score, and stay equal as more events
// arrive. The stream has what replay could get wrong: recommenders created
// before and after the checkpoint, clicks on served lists (implicit
// impressions, also of lists served before the crash), explicit
// impressions, item-less events, event types and values the configuration
// weighs, categorical contexts, anonymous sessions linked to users later,
// retried calls, events sent out of order and events sent far ahead of the
// server's clock.
class RecoveryEquivalenceTest : public ::testing::Test {
 protected:
  static constexpr int kUsers = 300;
  // A quarter of the calls come from the first ten users, whose histories
  // grow past the 50-event learning window.
  static constexpr int kHeavyUsers = 10;
  static constexpr int kComparedUsers = 100;
  static constexpr int kSessions = 20;
  static constexpr int kItems = 200;
  using Scored = std::vector<std::pair<std::string, double>>;

  struct Instance {
    TempDir dir;
    std::unique_ptr<Recloop> recloop;
    std::string tracking_id;
    // The last list served to each user, and its recommendation id.
    std::map<std::string, std::pair<std::vector<std::string>, std::string>> served;
  };

  void SetUp() override {
    for (Instance* instance : {&a_, &b_}) {
      ASSERT_NO_FATAL_FAILURE(Open(*instance));
      v1::CreateDatasetGroupRequest group;
      group.set_name("shop");
      group.set_schema(
          R"({"type":"record","name":"Interactions","fields":[)"
          R"({"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},)"
          R"({"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"},)"
          R"({"name":"EVENT_VALUE","type":["null","float"]},)"
          R"({"name":"DEVICE","type":["null","string"],"categorical":true}],"version":"1.0"})");
      ASSERT_TRUE(instance->recloop->CreateDatasetGroup(group).ok());
      v1::CreateEventTrackerRequest tracker;
      tracker.set_name("web");
      tracker.set_dataset_group("shop");
      auto created = instance->recloop->CreateEventTracker(tracker);
      ASSERT_TRUE(created.ok()) << created.status();
      instance->tracking_id = created->tracking_id();
    }
    ASSERT_NO_FATAL_FAILURE(CreateRecommender("popular", "popularity-count"));
  }

  // Opens (or reopens) the instance's store; it closes as a crash would.
  void Open(Instance& instance) {
    instance.recloop.reset();
    RecloopOptions options;
    options.store.path = instance.dir.path();
    options.store.small_footprint = true;
    options.checkpoint_on_close = false;
    options.checkpoint_interval = absl::Hours(1);  // Only explicit checkpoints.
    options.clock = &clock_;
    auto opened = Recloop::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    instance.recloop = *std::move(opened);
  }

  // Creates the recommender in both stores and waits until it is ACTIVE
  // in B, and in A too unless `a_builds_meanwhile` (then A's build starts
  // last, and is still running when this returns).
  void CreateRecommender(const std::string& name, const std::string& recipe,
                         const v1::RecommenderConfig& config = {},
                         bool a_builds_meanwhile = false) {
    for (Instance* instance : {&b_, &a_}) {
      v1::CreateRecommenderRequest request;
      request.set_name(name);
      request.set_dataset_group("shop");
      request.set_recipe(recipe);
      *request.mutable_config() = config;
      auto created = instance->recloop->CreateRecommender(request);
      ASSERT_TRUE(created.ok()) << created.status();
      if (instance == &a_ && a_builds_meanwhile) continue;
      ASSERT_TRUE(BecomesActive(*instance->recloop, "shop", name));
    }
  }

  // Runs the whole scenario, comparing the GetRecommendations lists of
  // `listed` and the GetPersonalizedRanking lists of `ranked`.
  void CrashAndCompare(const std::vector<std::string>& listed,
                       const std::vector<std::string>& ranked) {
    listed_ = listed;
    ranked_ = ranked;
    Stream(250);
    // Trained from the store, then checkpointed.
    ASSERT_NO_FATAL_FAILURE(CreateRecommender("trending", "trending-now"));
    Stream(250);
    ASSERT_TRUE(a_.recloop->Checkpoint().ok());
    int64_t stored_after_checkpoint = Stream(200);
    // Trained from the store after the checkpoint: replay must skip what
    // it learned then.
    v1::RecommenderConfig purchases;
    (*purchases.mutable_event_types())["purchase"] = 1;
    ASSERT_NO_FATAL_FAILURE(
        CreateRecommender("purchases", "popularity-count", purchases));
    stored_after_checkpoint += Stream(200);
    // The premise: two stores fed alike serve alike.
    ExpectSameServing("before the crash");

    ASSERT_NO_FATAL_FAILURE(Open(a_));  // No final checkpoint: a crash.
    EXPECT_EQ(a_.recloop->recovery_stats().replayed_events,
              static_cast<uint64_t>(stored_after_checkpoint));
    ExpectSameServing("after recovery");

    // And the recovered store goes on learning what the other learns.
    Stream(200);
    ExpectSameServing("after more events");
  }

  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(random_);
  }

  Scored Recommend(Instance& instance, const v1::GetRecommendationsRequest& request) {
    auto response = instance.recloop->GetRecommendations(request);
    EXPECT_TRUE(response.ok()) << response.status();
    Scored list;
    if (!response.ok()) return list;
    for (const auto& item : response->item_list()) {
      list.emplace_back(item.item_id(), item.score());
    }
    if (!request.user_id().empty()) {
      std::vector<std::string> items;
      for (const auto& [item, score] : list) items.push_back(item);
      instance.served[request.user_id()] = {items, response->recommendation_id()};
    }
    return list;
  }

  Scored Rank(Instance& instance, const v1::GetPersonalizedRankingRequest& request) {
    auto response = instance.recloop->GetPersonalizedRanking(request);
    EXPECT_TRUE(response.ok()) << response.status();
    Scored list;
    if (!response.ok()) return list;
    for (const auto& item : response->personalized_ranking()) {
      list.emplace_back(item.item_id(), item.score());
    }
    return list;
  }

  // Sends the next `calls` calls of the synthetic stream to both stores;
  // returns how many events A stored.
  int64_t Stream(int calls) {
    int64_t stored = 0;
    for (int call = 0; call < calls; ++call) {
      // The server's clock keeps up with the stream, so that only the
      // events sent far ahead of it (below) are learned at a capped time.
      const absl::Time stream_time = absl::FromUnixSeconds(1700000000 + events_ * 10);
      if (clock_.Now() < stream_time) clock_.Advance(stream_time - clock_.Now());
      v1::PutEventsRequest request;
      const int kind = Uniform(0, 9);
      const std::string user = absl::StrCat(
          "u", Uniform(0, kUsers - 1) % (Uniform(0, 3) == 0 ? kHeavyUsers : kUsers));
      const std::string session = absl::StrCat("anon", Uniform(0, kSessions - 1));
      if (kind < 7) {  // a user on their own session
        request.set_user_id(user);
        request.set_session_id("s-" + user);
      } else if (kind < 9) {  // an anonymous session
        request.set_session_id(session);
      } else {  // a login: an anonymous session linked to a user
        request.set_user_id(user);
        request.set_session_id(session);
      }
      for (int e = Uniform(1, 6); e > 0; --e) {
        v1::Event* event = request.add_event_list();
        event->set_event_id(absl::StrCat("e", ++events_));
        const int type = Uniform(0, 11);
        event->set_event_type(type < 8 ? "click" : type < 10 ? "purchase" : "view");
        if (type == 9) event->set_event_value(static_cast<float>(Uniform(1, 5)));
        // Mostly in order, sometimes well before the latest, rarely from a
        // client clock days or millennia ahead (learned at a capped time).
        event->mutable_sent_at()->set_seconds(1700000000 + events_ * 10 -
                                              (Uniform(0, 7) == 0 ? Uniform(1, 400) : 0));
        if (Uniform(0, 199) == 0) {
          event->mutable_sent_at()->set_seconds(
              Uniform(0, 1) == 0 ? 253402300799  // 9999-12-31
                                 : 1700000000 + events_ * 10 + 86400 * 3);
        }
        const std::string item = absl::StrCat("i", Uniform(0, kItems - 1));
        const int shape = Uniform(0, 11);
        if (shape == 0) {
          event->add_impression(item);  // no item
        } else {
          event->set_item_id(item);
          if (shape == 1) {
            for (int i = 0; i < 3; ++i) {
              event->add_impression(absl::StrCat("i", Uniform(0, kItems - 1)));
            }
          }
        }
        if (Uniform(0, 2) == 0) {
          event->set_properties(Uniform(0, 1) == 0 ? R"({"device":"mobile"})"
                                                   : R"({"device":"desktop|tablet"})");
        }
      }
      // Now and then the user clicks a list served to them: a fresh one or
      // their last one, which after the crash may be from before it.
      const std::string& cited_by = request.user_id();
      bool cite = !cited_by.empty() && Uniform(0, 7) == 0;
      if (cite && (Uniform(0, 1) == 0 || a_.served.count(cited_by) == 0)) {
        v1::GetRecommendationsRequest serve;
        serve.set_dataset_group("shop");
        serve.set_recommender(listed_[0]);
        serve.set_user_id(cited_by);
        serve.set_num_results(10);
        EXPECT_EQ(Recommend(a_, serve), Recommend(b_, serve)) << "served to " << cited_by;
      }
      cite = cite && a_.served.count(cited_by) > 0 && !a_.served[cited_by].first.empty();
      if (cite) {
        const std::vector<std::string>& list = a_.served[cited_by].first;
        v1::Event* click = request.mutable_event_list(0);
        click->set_item_id(list[Uniform(0, static_cast<int>(list.size()) - 1)]);
        click->clear_impression();
      }
      // A retried call now and then: duplicates change nothing.
      const int copies = Uniform(0, 19) == 0 ? 2 : 1;
      for (Instance* instance : {&a_, &b_}) {
        request.set_tracking_id(instance->tracking_id);
        if (cite) {
          request.mutable_event_list(0)->set_recommendation_id(
              instance->served[cited_by].second);
        }
        for (int copy = 0; copy < copies; ++copy) {
          auto response = instance->recloop->PutEvents(request);
          EXPECT_TRUE(response.ok()) << response.status();
          if (instance == &a_ && response.ok()) stored += response->stored_count();
        }
      }
    }
    return stored;
  }

  // Every compared list, from A and from B: for the first kComparedUsers
  // users (the heavy ones among them), each anonymous session and no one,
  // GetRecommendations with and without a context and
  // GetPersonalizedRanking over a fixed list; and the items related to every
  // seventh item. Reports the first few that differ in full.
  void ExpectSameServing(const std::string& when) {
    int compared = 0, differing = 0;
    const auto expect_same = [&](const Scored& from_a, const Scored& from_b,
                                 const std::string& what) {
      ++compared;
      if (from_a == from_b) return;
      if (++differing > 3) return;
      std::ostringstream a_list, b_list;
      a_list << std::setprecision(17);
      b_list << std::setprecision(17);
      for (const auto& [item, score] : from_a) a_list << " " << item << "=" << score;
      for (const auto& [item, score] : from_b) b_list << " " << item << "=" << score;
      ADD_FAILURE() << when << ": " << what << " differs\n  A:" << a_list.str()
                    << "\n  B:" << b_list.str();
    };
    std::vector<std::string> identities = {""};
    for (int u = 0; u < kComparedUsers; ++u) identities.push_back(absl::StrCat("u", u));
    for (int s = 0; s < kSessions; ++s) identities.push_back(absl::StrCat("anon", s));
    for (const std::string& recommender : listed_) {
      int nonempty = 0;
      for (const std::string& identity : identities) {
        v1::GetRecommendationsRequest request;
        request.set_dataset_group("shop");
        request.set_recommender(recommender);
        request.set_user_id(identity);
        request.set_num_results(100);
        const Scored from_a = Recommend(a_, request);
        nonempty += !from_a.empty();
        expect_same(from_a, Recommend(b_, request),
                    absl::StrCat(recommender, " for '", identity, "'"));
        (*request.mutable_context())["DEVICE"] = "mobile";
        expect_same(Recommend(a_, request), Recommend(b_, request),
                    absl::StrCat(recommender, " on mobile for '", identity, "'"));
      }
      for (int i = 0; i < kItems; i += 7) {
        v1::GetRecommendationsRequest related;
        related.set_dataset_group("shop");
        related.set_recommender(recommender);
        related.set_item_id(absl::StrCat("i", i));
        related.set_num_results(100);
        expect_same(Recommend(a_, related), Recommend(b_, related),
                    absl::StrCat(recommender, " related to i", i));
      }
      // Lists worth comparing: nearly everyone gets one.
      EXPECT_GT(nonempty, kComparedUsers) << when << ": " << recommender;
    }
    for (const std::string& recommender : ranked_) {
      for (const std::string& identity : identities) {
        v1::GetPersonalizedRankingRequest ranking;
        ranking.set_dataset_group("shop");
        ranking.set_recommender(recommender);
        ranking.set_user_id(identity);
        for (int i = 0; i < kItems; i += 2) ranking.add_input_list(absl::StrCat("i", i));
        ranking.add_input_list("never-seen");
        expect_same(Rank(a_, ranking), Rank(b_, ranking),
                    absl::StrCat(recommender, " ranking for '", identity, "'"));
      }
    }
    EXPECT_EQ(differing, 0) << when << ": " << differing << " of " << compared
                            << " lists differ";
  }

  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  std::mt19937 random_{20240611};
  int64_t events_ = 0;
  std::vector<std::string> listed_, ranked_;
  Instance a_, b_;
};

TEST_F(RecoveryEquivalenceTest, PopularityAndTrendingListsAreExactlyTheSameAfterACrash) {
  CrashAndCompare(/*listed=*/{"popular", "trending", "purchases"}, /*ranked=*/{});
}

// User-personalization learns every event with the identity's window, so
// replay must read each window as the store held it when the event was
// learned (JournalEntry.visible_sequence), and a checkpoint must restore
// the totals and the blend's pacing exactly (ModelHeaderRecord).
TEST_F(RecoveryEquivalenceTest,
       PersonalizedListsAndRankingsAreExactlyTheSameAfterACrash) {
  // Without exploration, which draws at random.
  v1::RecommenderConfig personal;
  personal.set_exploration_weight(0);
  (*personal.mutable_event_types())["click"] = 1;
  (*personal.mutable_event_types())["purchase"] = 3;
  ASSERT_NO_FATAL_FAILURE(
      CreateRecommender("personal", "user-personalization", personal));
  CrashAndCompare(/*listed=*/{"personal"},
                  /*ranked=*/{"personal", "popular", "trending", "purchases"});
}

// A recommender created on a group that holds events learns them from a
// snapshot of the store while writes go on, then the events stored
// meanwhile from the journal, each with the window it was learned with
// live. It must end exactly where one ends whose build was over before
// those events came: A streams on right after creating it, B waits for
// its build first; then every list must be the same.
TEST_F(RecoveryEquivalenceTest,
       ARecommenderBuiltWhileEventsArriveServesAsOneBuiltBeforeThem) {
  listed_ = {"popular"};
  Stream(1500);
  v1::RecommenderConfig personal;
  personal.set_exploration_weight(0);
  (*personal.mutable_event_types())["click"] = 1;
  (*personal.mutable_event_types())["purchase"] = 3;
  ASSERT_NO_FATAL_FAILURE(CreateRecommender("personal", "user-personalization", personal,
                                            /*a_builds_meanwhile=*/true));
  Stream(20);
  v1::DescribeRecommenderRequest describe;
  describe.set_dataset_group("shop");
  describe.set_name("personal");
  EXPECT_EQ(a_.recloop->DescribeRecommender(describe)->status(), "CREATE_IN_PROGRESS")
      << "A's build ended before events arrived; stream more before it";
  Stream(280);
  ASSERT_TRUE(BecomesActive(*a_.recloop, "shop", "personal"));
  listed_ = {"personal"};
  ranked_ = {"personal"};
  ExpectSameServing("once A's build is over");
  // And both learn alike from then on, across a crash of A.
  Stream(100);
  ASSERT_NO_FATAL_FAILURE(Open(a_));
  Stream(100);
  ExpectSameServing("after more events and a crash");
}

}  // namespace
}  // namespace recloop

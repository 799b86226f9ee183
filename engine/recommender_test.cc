#include "engine/recommender.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::unique_ptr<Recommender> Make(const std::string& recipe, ModelOptions options = {}) {
  auto parsed = ParseRecipe(recipe);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? std::make_unique<Recommender>("r", *parsed, options) : nullptr;
}

ModelOptions NoExploration() {
  ModelOptions c;
  c.exploration_weight = 0;
  return c;
}

// Replays users' sequences into the recommender as the server would.
class Feeder {
 public:
  explicit Feeder(Recommender* r) : r_(r) {}
  void User(const std::string& user, const std::vector<std::string>& items,
            const std::string& type = "click", absl::Time t = kT0,
            absl::optional<float> value = absl::nullopt) {
    auto& past = past_[user];
    for (const std::string& item : items) {
      LearnedEvent e;
      e.item_id = item;
      e.event_type = type;
      e.event_value = value;
      e.sent_at = t;
      r_->Learn(e, past);
      past.insert(past.begin(), PastEvent{item, type, value});
    }
  }
  const std::vector<PastEvent>& Past(const std::string& user) { return past_[user]; }

 private:
  Recommender* r_;
  std::map<std::string, std::vector<PastEvent>> past_;
};

std::vector<std::string> Ids(const absl::StatusOr<std::vector<ScoredItem>>& items) {
  EXPECT_TRUE(items.ok()) << items.status();
  std::vector<std::string> ids;
  if (items.ok()) {
    for (const auto& i : *items) ids.push_back(i.item_id);
  }
  return ids;
}

RecommendInput For(absl::Span<const PastEvent> history, int n,
                   const std::string& item = "") {
  RecommendInput in;
  in.history = history;
  in.n = n;
  in.item_id = item;
  return in;
}

TEST(RecommenderTest, UserPersonalizationUsesTheUsersRecentItems) {
  auto r = Make("user-personalization", NoExploration());
  Feeder f(r.get());
  for (const char* u : {"u1", "u2"}) f.User(u, {"a", "b"});
  f.User("u3", {"c", "d"});
  f.User("me", {"a"});
  EXPECT_THAT(Ids(r->Recommend(For(f.Past("me"), 1))), ElementsAre("b"));
  // Without history: what users start with ("a" three times, "c" once),
  // although "b" is more popular than "c" overall.
  EXPECT_THAT(Ids(r->Recommend(For({}, 2))), ElementsAre("a", "c"));
  // The popularity recipe ignores stages.
  auto popularity = Make("popularity-count", NoExploration());
  Feeder g(popularity.get());
  for (const char* u : {"u1", "u2"}) g.User(u, {"a", "b"});
  g.User("u3", {"c", "d"});
  EXPECT_THAT(Ids(popularity->Recommend(For({}, 2))), ElementsAre("a", "b"));
}

TEST(RecommenderTest, SimilarItemsNeedsAnItem) {
  auto r = Make("similar-items");
  Feeder f(r.get());
  f.User("u1", {"a", "b"});
  f.User("u2", {"a", "b"});
  f.User("u3", {"a", "c"});
  EXPECT_THAT(Ids(r->Recommend(For({}, 2, "a"))), ElementsAre("b", "c"));
  auto missing = r->Recommend(For({}, 2));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("item_id"));
  // A user's interacted items are excluded from similar items too.
  f.User("me", {"b"});
  EXPECT_THAT(Ids(r->Recommend(For(f.Past("me"), 1, "a"))), ElementsAre("c"));
}

TEST(RecommenderTest, PopularityCountCountsWeightedEvents) {
  ModelOptions c;
  c.event_types["purchase"] = 5;
  c.event_types["view"] = 1;
  auto r = Make("popularity-count", c);
  Feeder f(r.get());
  for (int i = 0; i < 4; ++i) f.User("v" + std::to_string(i), {"viewed"}, "view");
  f.User("buyer", {"bought"}, "purchase");
  f.User("hoverer", {"hovered", "hovered2"}, "hover");  // not a listed type
  EXPECT_THAT(Ids(r->Recommend(For({}, 5))), ElementsAre("bought", "viewed"));
}

TEST(RecommenderTest, TrendingNowDecaysOldPopularity) {
  ModelOptions c;
  c.trending_half_life_hours = 1;
  auto trending = Make("trending-now", c);
  auto popular = Make("popularity-count", c);
  for (Recommender* r : {trending.get(), popular.get()}) {
    Feeder f(r);
    for (int i = 0; i < 8; ++i) f.User("o" + std::to_string(i), {"old-hit"}, "click", kT0);
    for (int i = 0; i < 2; ++i) {
      f.User("n" + std::to_string(i), {"new-hit"}, "click", kT0 + absl::Hours(4));
    }
  }
  EXPECT_THAT(Ids(trending->Recommend(For({}, 2))), ElementsAre("new-hit", "old-hit"));
  EXPECT_THAT(Ids(popular->Recommend(For({}, 2))), ElementsAre("old-hit", "new-hit"));
}

TEST(RecommenderTest, PersonalizedRankingServesOnlyRankings) {
  auto r = Make("personalized-ranking");
  Feeder f(r.get());
  f.User("u1", {"a", "b"});
  f.User("me", {"a"});
  auto list = r->Recommend(For(f.Past("me"), 5));
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(list.status().message()), HasSubstr("GetPersonalizedRanking"));
  std::vector<std::string> ranked;
  for (const auto& i : r->Rank(For(f.Past("me"), 0), {"x", "a", "b"})) ranked.push_back(i.item_id);
  EXPECT_THAT(ranked, ElementsAre("b", "a", "x"));
}

TEST(RecommenderTest, EventValueThresholdIgnoresLowValues) {
  ModelOptions c = NoExploration();
  c.event_value_threshold = 4;
  auto r = Make("user-personalization", c);
  Feeder f(r.get());
  // Everyone who loved a also loved "loved"; those who hated a rated "meh".
  for (int i = 0; i < 3; ++i) {
    f.User("fan" + std::to_string(i), {"a"}, "rating", kT0, 5.0f);
    f.User("fan" + std::to_string(i), {"loved"}, "rating", kT0, 5.0f);
    f.User("critic" + std::to_string(i), {"a"}, "rating", kT0, 1.0f);
    f.User("critic" + std::to_string(i), {"meh"}, "rating", kT0, 1.0f);
  }
  f.User("me", {"a"}, "rating", kT0, 5.0f);
  auto recs = Ids(r->Recommend(For(f.Past("me"), 5)));
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs[0], "loved");
  EXPECT_THAT(recs, ::testing::Not(::testing::Contains("meh")))
      << "events below the threshold teach nothing, not even popularity";
}

TEST(RecommenderTest, ExcludeInteractedCanBeTurnedOff) {
  ModelOptions keep = NoExploration();
  keep.exclude_interacted = false;
  auto r = Make("user-personalization", keep);
  Feeder f(r.get());
  for (int i = 0; i < 3; ++i) f.User("u" + std::to_string(i), {"a", "b"});
  f.User("me", {"a", "b"});
  EXPECT_THAT(Ids(r->Recommend(For(f.Past("me"), 2))), ::testing::UnorderedElementsAre("a", "b"));
  auto excluding = Make("user-personalization", NoExploration());
  Feeder g(excluding.get());
  for (int i = 0; i < 3; ++i) g.User("u" + std::to_string(i), {"a", "b"});
  g.User("me", {"a", "b"});
  EXPECT_THAT(Ids(excluding->Recommend(For(g.Past("me"), 2))), ElementsAre());
}

TEST(RecommenderTest, HistoryLengthAndRecencyDecayShapeTheProfile) {
  // "old" was the user's first item, "new" the latest. With history_length 1
  // only "new" counts; with recency_decay 1 both count equally.
  auto make_and_feed = [](ModelOptions c, std::vector<PastEvent>* me) {
    auto r = Make("user-personalization", c);
    Feeder f(r.get());
    for (int i = 0; i < 3; ++i) f.User("a" + std::to_string(i), {"old", "old-pair"});
    for (int i = 0; i < 2; ++i) f.User("b" + std::to_string(i), {"new", "new-pair"});
    f.User("me", {"old", "new"});
    *me = f.Past("me");
    return r;
  };
  std::vector<PastEvent> me;
  ModelOptions one = NoExploration();
  one.history_length = 1;
  auto r1 = make_and_feed(one, &me);
  EXPECT_THAT(Ids(r1->Recommend(For(me, 1))), ElementsAre("new-pair"));
  ModelOptions flat = NoExploration();
  flat.recency_decay = 1;
  auto r2 = make_and_feed(flat, &me);
  auto both = r2->Recommend(For(me, 2));
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  EXPECT_THAT(Ids(both), ::testing::UnorderedElementsAre("new-pair", "old-pair"));
  ModelOptions steep = NoExploration();
  steep.recency_decay = 0.1;
  auto r3 = make_and_feed(steep, &me);
  EXPECT_THAT(Ids(r3->Recommend(For(me, 2))), ElementsAre("new-pair", "old-pair"));
}

// Exploration: ten established items with history, ten brand-new ones.
// The new items' fans start with an old item, so that lists without
// exploration (what users start with, then popular items) hold old items.
std::unique_ptr<Recommender> ExplorationFixture(double weight, uint64_t seed,
                                                double cut_off_days = 30) {
  ModelOptions c;
  c.exploration_weight = weight;
  c.exploration_seed = seed;
  c.exploration_item_age_cut_off_days = cut_off_days;
  auto r = Make("user-personalization", c);
  Feeder f(r.get());
  for (int i = 0; i < 10; ++i) {
    for (int u = 0; u < 5; ++u) {
      f.User("old-fan" + std::to_string(i * 10 + u), {"old" + std::to_string(i)}, "click",
             kT0);
    }
  }
  for (int i = 0; i < 10; ++i) {
    f.User("new-fan" + std::to_string(i), {"old0", "new" + std::to_string(i)}, "click",
           kT0 + absl::Hours(24 * 60));
  }
  return r;
}

int CountNew(const std::vector<std::string>& ids) {
  int n = 0;
  for (const auto& id : ids) n += id.rfind("new", 0) == 0;
  return n;
}

TEST(RecommenderTest, ExplorationIsSeededAndReproducible) {
  auto a = ExplorationFixture(0.3, 1234);
  auto b = ExplorationFixture(0.3, 1234);
  std::vector<std::vector<std::string>> from_a, from_b;
  for (int i = 0; i < 20; ++i) {
    from_a.push_back(Ids(a->Recommend(For({}, 10))));
    from_b.push_back(Ids(b->Recommend(For({}, 10))));
  }
  EXPECT_EQ(from_a, from_b);
  // Different lists over time: exploration is random, not fixed.
  std::set<std::vector<std::string>> distinct(from_a.begin(), from_a.end());
  EXPECT_GT(distinct.size(), 1u);
}

TEST(RecommenderTest, ExplorationWeightSetsTheShareOfNewItems) {
  auto none = ExplorationFixture(0, 7);
  auto some = ExplorationFixture(0.3, 7);
  auto all = ExplorationFixture(1, 7);
  int new_none = 0, new_some = 0, new_all = 0;
  for (int i = 0; i < 200; ++i) {
    new_none += CountNew(Ids(none->Recommend(For({}, 10))));
    new_some += CountNew(Ids(some->Recommend(For({}, 10))));
    new_all += CountNew(Ids(all->Recommend(For({}, 10))));
  }
  // Without exploration the 10 popular old items fill every list.
  EXPECT_EQ(new_none, 0);
  EXPECT_EQ(new_all, 2000);
  // 0.3 of 2000 slots, binomially: 600 +- 4 sigma (~82).
  EXPECT_GT(new_some, 600 - 82);
  EXPECT_LT(new_some, 600 + 82);
}

TEST(RecommenderTest, ExplorationSkipsItemsOlderThanTheCutOff) {
  // Cut-off 1 day: at the latest event the "new" items are fresh and the old
  // ones 60 days old, so exploration picks only new items.
  auto r = ExplorationFixture(1, 9, /*cut_off_days=*/1);
  EXPECT_EQ(CountNew(Ids(r->Recommend(For({}, 10)))), 10);
  Feeder f(r.get());
  f.User("late", {"old0"}, "click", kT0 + absl::Hours(24 * 90));
  // Now everything is older than a day: exploration has nothing to explore.
  EXPECT_EQ(CountNew(Ids(r->Recommend(For({}, 10)))), 0);
}

TEST(RecommenderTest, ExplorationPrefersItemsWithFewImpressions) {
  auto r = ExplorationFixture(1, 11);
  // new0..new4 were shown 50 times each; new5..new9 never.
  for (int k = 0; k < 50; ++k) {
    LearnedEvent e;
    e.event_type = "view";
    e.sent_at = kT0 + absl::Hours(24 * 60);
    for (int i = 0; i < 5; ++i) e.impressions.push_back("new" + std::to_string(i));
    r->Learn(e, {});
  }
  int unshown_first = 0;
  for (int i = 0; i < 100; ++i) {
    auto ids = Ids(r->Recommend(For({}, 3)));
    for (const auto& id : ids) unshown_first += id >= "new5" && id <= "new9";
  }
  EXPECT_GT(unshown_first, 250) << "of 300 explored slots";
}

}  // namespace
}  // namespace recloop

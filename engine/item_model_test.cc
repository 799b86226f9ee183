#include "engine/item_model.h"

#include <string>
#include <vector>

#include "engine/item_model_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using testing::Feed;
using testing::History;
using testing::Ids;
using testing::Query;
using testing::RoundTrip;

TEST(ItemModelTest, LearnsCoOccurrenceIncrementally) {
  ItemModel model{ModelOptions()};
  Feed(&model, {"a", "b"});
  Feed(&model, {"a", "b"});
  Feed(&model, {"a", "c"});
  EXPECT_THAT(Ids(model.Related("a", Query({}, 2))), ElementsAre("b", "c"));
  const auto h = History({"a"});
  const absl::flat_hash_set<std::string> seen = {"a"};
  EXPECT_THAT(Ids(model.Personalized(Query(h, 2, &seen))), ElementsAre("b", "c"));
  EXPECT_EQ(model.item_count(), 3u);
}

TEST(ItemModelTest, NormalizationKeepsPopularItemsFromDrowningSpecificOnes) {
  ItemModel model{ModelOptions()};
  // "hit" co-occurs with everything; "niche" only ever with "x".
  for (int u = 0; u < 50; ++u) Feed(&model, {"hit", "filler" + std::to_string(u)});
  for (int u = 0; u < 3; ++u) Feed(&model, {"x", "hit"});
  for (int u = 0; u < 3; ++u) Feed(&model, {"x", "niche"});
  // Raw co-occurrence with x ties (3 and 3); cosine prefers the specific one.
  EXPECT_THAT(Ids(model.Related("x", Query({}, 2))), ElementsAre("niche", "hit"));
}

TEST(ItemModelTest, RecentHistoryCountsMore) {
  ItemModel model{ModelOptions()};
  Feed(&model, {"old", "old-neighbour"});
  Feed(&model, {"new", "new-neighbour"});
  const absl::flat_hash_set<std::string> seen = {"new", "old"};
  auto newest_new = History({"new", "old"});
  auto newest_old = History({"old", "new"});
  EXPECT_THAT(Ids(model.Personalized(Query(newest_new, 2, &seen))),
              ElementsAre("new-neighbour", "old-neighbour"));
  EXPECT_THAT(Ids(model.Personalized(Query(newest_old, 2, &seen))),
              ElementsAre("old-neighbour", "new-neighbour"));
}

TEST(ItemModelTest, NeighbourListsAreCappedAndStrongPairsSurvive) {
  ModelOptions options;
  options.max_neighbours = 5;
  ItemModel model(options);
  for (int i = 0; i < 100; ++i) Feed(&model, {"hub", "spoke" + std::to_string(i)});
  EXPECT_LE(model.neighbour_count(), 2u * 5 + 100);  // hub <= 2*cap; each spoke 1
  for (int i = 0; i < 20; ++i) Feed(&model, {"hub", "favourite"});
  for (int i = 0; i < 100; ++i) Feed(&model, {"hub", "late" + std::to_string(i)});
  EXPECT_EQ(model.Related("hub", Query({}, 1))[0].item_id, "favourite");
}

TEST(ItemModelTest, WindowBoundsHowFarBackPairsReach) {
  ModelOptions options;
  options.window = 2;
  ItemModel model(options);
  Feed(&model, {"first", "second", "third", "fourth"});
  auto related = model.Related("fourth", Query({}, 10));
  ASSERT_EQ(related.size(), 3u);
  EXPECT_THAT(std::vector<std::string>({related[0].item_id, related[1].item_id}),
              ::testing::UnorderedElementsAre("third", "second"));
  // "first" only as a popularity fill-in, scored below real neighbours.
  EXPECT_EQ(related[2].item_id, "first");
  EXPECT_LT(related[2].score, related[1].score);
}

TEST(ItemModelTest, EventWeightsScaleWhatIsLearned) {
  ItemModel model{ModelOptions()};
  std::vector<HistoryItem> window = {{"viewed", 1}};
  Interaction bought;
  bought.item_id = "bought";
  bought.time = absl::FromUnixSeconds(1);
  bought.weight = 3;
  model.Observe(bought, {});
  Interaction ignored;
  ignored.item_id = "ignored";
  ignored.time = absl::FromUnixSeconds(2);
  ignored.weight = 0;
  model.Observe(ignored, window);
  EXPECT_EQ(model.Stats("bought")->weight, 3);
  EXPECT_FALSE(model.Stats("ignored").has_value()) << "weight 0 learns nothing";
  EXPECT_THAT(Ids(model.Popular(Query({}, 5))), ElementsAre("bought"));
}

TEST(ItemModelTest, PopularityFallsBackAndHonoursExclusions) {
  ItemModel model{ModelOptions()};
  for (int i = 0; i < 3; ++i) Feed(&model, {"p1"});
  for (int i = 0; i < 2; ++i) Feed(&model, {"p2"});
  Feed(&model, {"p3"});
  EXPECT_THAT(Ids(model.Popular(Query({}, 2))), ElementsAre("p1", "p2"));
  const absl::flat_hash_set<std::string> no_p1 = {"p1"};
  EXPECT_THAT(Ids(model.Popular(Query({}, 5, &no_p1))), ElementsAre("p2", "p3"));
  auto unknown = History({"unknown"});
  EXPECT_THAT(Ids(model.Personalized(Query(unknown, 2))), ElementsAre("p1", "p2"));
}

TEST(ItemModelTest, PopularPoolTracksRisingItems) {
  ModelOptions options;
  options.popular_pool = 2;
  ItemModel model(options);
  Feed(&model, {"a"});
  Feed(&model, {"b"});
  for (int i = 0; i < 5; ++i) Feed(&model, {"c"});  // passes both
  EXPECT_THAT(Ids(model.Popular(Query({}, 1))), ElementsAre("c"));
  // Exclusions beyond the pool fall back to ranking everything.
  const absl::flat_hash_set<std::string> no_c = {"c"};
  EXPECT_THAT(Ids(model.Popular(Query({}, 3, &no_c))), ElementsAre("a", "b"));
}

TEST(ItemModelTest, TrendingFavoursRecentInteractions) {
  ModelOptions options;
  options.trending_half_life_hours = 24;
  ItemModel model(options);
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  for (int i = 0; i < 10; ++i) Feed(&model, {"classic"}, t0);
  for (int i = 0; i < 3; ++i) Feed(&model, {"fresh"}, t0 + absl::Hours(24 * 5));
  // 10 * 2^-5 < 3: fresh trends; classic is still the most popular.
  EXPECT_THAT(Ids(model.Trending(Query({}, 1))), ElementsAre("fresh"));
  EXPECT_THAT(Ids(model.Popular(Query({}, 1))), ElementsAre("classic"));
  // Far in the future the scores are rescaled without changing the order.
  for (int i = 0; i < 2; ++i) Feed(&model, {"later"}, t0 + absl::Hours(24 * 400));
  Feed(&model, {"fresh"}, t0 + absl::Hours(24 * 399));
  EXPECT_THAT(Ids(model.Trending(Query({}, 2))), ElementsAre("later", "fresh"));
}

TEST(ItemModelTest, ItemsShownOftenAndSeldomChosenAreDemoted) {
  ItemModel model{ModelOptions()};
  // "shown" and "chosen" are equally related to "a".
  Feed(&model, {"a", "shown"});
  Feed(&model, {"a", "chosen"});
  const auto h = History({"a"});
  const absl::flat_hash_set<std::string> seen = {"a"};
  auto before = model.Personalized(Query(h, 2, &seen));
  ASSERT_EQ(before.size(), 2u);
  EXPECT_DOUBLE_EQ(before[0].score, before[1].score);
  // Both are shown 20 times; only "chosen" is ever chosen. (Weight 0 keeps
  // the clicks out of co-occurrence, to isolate the demotion.)
  for (int i = 0; i < 20; ++i) {
    Interaction view;
    view.item_id = i % 2 == 0 ? "chosen" : "";
    view.weight = 0;
    view.time = absl::FromUnixSeconds(1700000000);
    view.impressions = {"shown", "chosen"};
    model.Observe(view, {});
  }
  EXPECT_EQ(model.Stats("shown")->impressions, 20);
  EXPECT_EQ(model.Stats("shown")->clicks, 0);
  EXPECT_EQ(model.Stats("chosen")->clicks, 10);
  auto after = model.Personalized(Query(h, 2, &seen));
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].item_id, "chosen");
  EXPECT_EQ(after[1].item_id, "shown");
  EXPECT_LT(after[1].score, before[1].score / 2) << "demoted, not just reordered";
}

TEST(ItemModelTest, PopularityIsConditionedOnContext) {
  ItemModel model{ModelOptions()};
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  for (int i = 0; i < 10; ++i) Feed(&model, {"desktop-hit"}, t, {"DEVICE=desktop"});
  for (int i = 0; i < 4; ++i) Feed(&model, {"mobile-hit"}, t, {"DEVICE=mobile"});
  Feed(&model, {"desktop-hit"}, t, {"DEVICE=mobile"});
  ServeQuery q = Query({}, 2);
  EXPECT_THAT(Ids(model.Popular(q)), ElementsAre("desktop-hit", "mobile-hit"));
  const std::vector<std::string> mobile = {"DEVICE=mobile"};
  q.contexts = mobile;
  EXPECT_THAT(Ids(model.Popular(q)), ElementsAre("mobile-hit", "desktop-hit"));
  const std::vector<std::string> unseen = {"DEVICE=watch"};
  q.contexts = unseen;
  EXPECT_THAT(Ids(model.Popular(q)), ElementsAre("desktop-hit", "mobile-hit"));
}

TEST(ItemModelTest, ContextBoostsPersonalizedScores) {
  ItemModel model{ModelOptions()};
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  Feed(&model, {"a", "tv-show"}, t, {"DEVICE=tv"});
  Feed(&model, {"a", "phone-clip"}, t, {"DEVICE=mobile"});
  const auto h = History({"a"});
  const absl::flat_hash_set<std::string> seen = {"a"};
  ServeQuery q = Query(h, 2, &seen);
  const std::vector<std::string> tv = {"DEVICE=tv"}, mobile = {"DEVICE=mobile"};
  q.contexts = tv;
  EXPECT_EQ(model.Personalized(q)[0].item_id, "tv-show");
  q.contexts = mobile;
  EXPECT_EQ(model.Personalized(q)[0].item_id, "phone-clip");
}

TEST(ItemModelTest, NewItemsAreThoseFirstSeenWithinTheCutOff) {
  ItemModel model{ModelOptions()};
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  Feed(&model, {"old"}, t0);
  Feed(&model, {"recent"}, t0 + absl::Hours(24 * 40));
  Interaction impression_only;
  impression_only.time = t0 + absl::Hours(24 * 45);
  impression_only.impressions = {"shown-new"};
  model.Observe(impression_only, {});
  auto fresh = model.NewItems(absl::Hours(24 * 30), nullptr, 10);
  std::vector<std::string> ids;
  for (const auto& n : fresh) ids.push_back(n.item_id);
  EXPECT_THAT(ids, ElementsAre("shown-new", "recent"));
  EXPECT_EQ(fresh[0].impressions, 1);
}

TEST(ItemModelTest, RankPutsUnknownItemsLast) {
  ItemModel model{ModelOptions()};
  Feed(&model, {"a", "b"});
  Feed(&model, {"c"});
  Feed(&model, {"c"});
  auto h = History({"a"});
  auto ranked = Ids(model.Rank(Query(h, 4), {"zz", "c", "b", "yy"}));
  // b is a's neighbour; c is only popular; unknown ones keep input order.
  EXPECT_THAT(ranked, ElementsAre("b", "c", "zz", "yy"));
}

// News-like stream: every hour one new story, read by users right after one
// of ten old items. Co-occurrence favours the oldest stories (read by the
// most users), but what users read next is always the story of the hour.
TEST(ItemModelTest, BlendLearnsThatTrendingPredictsWhatUsersReadNext) {
  ModelOptions options;
  options.trending_half_life_hours = 1;
  ItemModel model(options);
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  const int hours = 60;
  int user = 0;
  for (int h = 0; h < hours; ++h) {
    const int readers = 20 + 2 * (hours - h);
    for (int r = 0; r < readers; ++r, ++user) {
      Feed(&model, {"old" + std::to_string(user % 10), "s" + std::to_string(h)},
           t0 + absl::Hours(h));
    }
  }
  const std::string current = "s" + std::to_string(hours - 1);
  // Collaborative similarity alone prefers an older story.
  EXPECT_NE(model.Related("old3", Query({}, 1))[0].item_id, current);
  const auto weights = model.blend_weights();
  EXPECT_GT(weights[kTrending], 0);
  const auto h = History({"old3"});
  const absl::flat_hash_set<std::string> seen = {"old3"};
  EXPECT_EQ(model.Personalized(Query(h, 1, &seen))[0].item_id, current)
      << "blend weights " << weights[kCollaborative] << " " << weights[kTrending] << " "
      << weights[kPopularity];
  // Personalized ranking uses the same blend.
  EXPECT_EQ(model.Rank(Query(h, 2), {"s0", current})[0].item_id, current);

  // The learned weights survive a checkpoint.
  ItemModel restored(options);
  RoundTrip(&model, &restored);
  EXPECT_EQ(restored.blend_weights(), weights);
  EXPECT_EQ(restored.Personalized(Query(h, 1, &seen))[0].item_id, current);
}

// A click on one of the items a user was shown says which signals told it
// apart from the rest: every such click teaches the blend, where other
// interactions teach it one in eight.
TEST(ItemModelTest, ClicksAmongShownItemsTeachTheBlendWhatTellsThemApart) {
  ModelOptions options;
  options.trending_half_life_hours = 1;
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  const auto setup = [&](ItemModel* model) {
    // Equally popular; "cold" was read ten half-lives ago, "hot" just now.
    for (int i = 0; i < 5; ++i) Feed(model, {"cold"}, t0);
    for (int i = 0; i < 5; ++i) Feed(model, {"hot"}, t0 + absl::Hours(10));
  };
  const auto click = [&](ItemModel* model, bool with_impression) {
    Interaction interaction;
    interaction.item_id = "hot";
    interaction.time = t0 + absl::Hours(10);
    if (with_impression) interaction.impressions = {"cold", "hot"};
    model->Observe(interaction, History({"x"}));
  };
  ItemModel shown(options);
  ItemModel not_shown(options);
  setup(&shown);
  setup(&not_shown);
  const auto initial = shown.blend_weights();
  ASSERT_EQ(initial[kTrending], 0);
  ASSERT_EQ(initial[kPopularity], 0);

  click(&shown, true);
  click(&not_shown, false);
  // Only the trend tells "hot" from "cold": that weight, and only it, moves.
  EXPECT_GT(shown.blend_weights()[kTrending], 0);
  EXPECT_EQ(shown.blend_weights()[kPopularity], 0);
  EXPECT_EQ(shown.blend_weights()[kCollaborative], initial[kCollaborative]);
  // The same click without an impression waits for its turn (one in eight).
  EXPECT_EQ(not_shown.blend_weights(), initial);

  // And the learned weight ranks the trending item first.
  for (int i = 0; i < 20; ++i) click(&shown, true);
  const auto h = History({"x"});
  EXPECT_THAT(Ids(shown.Rank(Query(h, 2), {"cold", "hot"})), ElementsAre("hot", "cold"));
}

// Whether impressions should demote is learned from the stream: where users
// go on to choose items they were shown and skipped (as MovieLens raters
// do), demotion fades; where they keep skipping them, it stays.
TEST(ItemModelTest, HowMuchImpressionsDemoteIsLearnedFromChoices) {
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  const auto run = [&](const std::string& chosen) {
    ItemModel model{ModelOptions()};
    Feed(&model, {"a", "shown"});
    Feed(&model, {"a", "fresh"});
    // "shown" was shown 100 times and never chosen.
    for (int i = 0; i < 100; ++i) {
      Interaction view;
      view.time = t;
      view.impressions = {"shown", "other"};
      model.Observe(view, {});
    }
    // Then users who read "a" pick from {"shown", "fresh"}.
    for (int i = 0; i < 10; ++i) {
      Interaction click;
      click.item_id = chosen;
      click.time = t;
      click.impressions = {"shown", "fresh"};
      model.Observe(click, History({"a"}));
    }
    return model.demotion_exponent();
  };
  EXPECT_LT(run("shown"), 1) << "demotion fades: the demoted item was chosen";
  EXPECT_GT(run("fresh"), 1) << "demotion sharpens: the demoted item was skipped again";
}

// Users start with "intro" although "hit" is the most popular item; a user
// with no history is offered what users start with, the popularity recipe
// stays global.
TEST(ItemModelTest, UsersWithoutHistoryGetWhatUsersStartWith) {
  ItemModel model{ModelOptions()};
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  for (int u = 0; u < 4; ++u) Feed(&model, {"intro", "hit"}, t);
  for (int u = 0; u < 6; ++u) Feed(&model, {"other", "hit"}, t);
  EXPECT_THAT(Ids(model.Popular(Query({}, 3))), ElementsAre("hit", "other", "intro"));
  EXPECT_THAT(Ids(model.PopularForUser(Query({}, 3))),
              ElementsAre("other", "intro", "hit"));
  // A week later, newer users start elsewhere: starters decay like trending.
  for (int u = 0; u < 2; ++u) Feed(&model, {"intro"}, t + absl::Hours(24 * 7));
  EXPECT_THAT(Ids(model.PopularForUser(Query({}, 2))), ElementsAre("intro", "other"));
  // With history, the stage's popularity is a signal of the blend, and
  // popular fill-ins still come in.
  EXPECT_EQ(model.PopularForUser(Query(History({"x"}), 3)).size(), 3u);
}

}  // namespace
}  // namespace recloop

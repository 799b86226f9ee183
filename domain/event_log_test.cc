#include "domain/event_log.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;

constexpr uint32_t kGroup = 1;

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    served_ = std::make_unique<ServedLists>(store_.get(), &clock_, absl::Hours(24));
    log_ = std::make_unique<EventLog>(store_.get(), &clock_, served_.get());
  }

  static v1::Event Ev(const std::string& id, const std::string& item, int64_t second) {
    v1::Event e;
    e.set_event_id(id);
    e.set_event_type("click");
    e.set_item_id(item);
    e.mutable_sent_at()->set_seconds(second);
    return e;
  }

  AppendResult Put(const std::string& user, const std::string& session,
                   std::vector<v1::Event> events) {
    auto identity = log_->ResolveIdentity(kGroup, user, session);
    EXPECT_TRUE(identity.ok()) << identity.status();
    auto result = log_->Append(kGroup, user, session, identity.value_or(""), events);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : AppendResult();
  }

  std::vector<std::string> Items(const std::string& id, size_t limit = 100,
                                 absl::optional<HistoryBound> before = absl::nullopt) {
    auto events = log_->RecentEvents(kGroup, id, limit, before);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> items;
    if (events.ok()) {
      for (const PastEvent& e : *events) items.push_back(e.item_id);
    }
    return items;
  }

  TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ServedLists> served_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(EventLogTest, HistoryIsOrderedBySentAtWhateverTheArrivalOrder) {
  Put("u", "s", {Ev("e1", "b", 200), Ev("e2", "a", 100)});
  Put("u", "s", {Ev("e3", "c", 150)});
  EXPECT_THAT(Items("u"), ElementsAre("b", "c", "a"));  // newest first
  EXPECT_THAT(Items("u", 10, HistoryBound{200 * 1000000, 0}), ElementsAre("c", "a"));
  EXPECT_THAT(Items("u", 1), ElementsAre("b"));
}

TEST_F(EventLogTest, RepeatedEventIdsAreStoredOnce) {
  AppendResult first = Put("u", "s", {Ev("e1", "a", 100)});
  EXPECT_EQ(first.response.stored_count(), 1);
  // A retry with the same id, even with other fields, is a duplicate.
  AppendResult retry = Put("u", "s", {Ev("e1", "a", 100), Ev("e1", "x", 999)});
  EXPECT_EQ(retry.response.stored_count(), 0);
  EXPECT_EQ(retry.response.duplicate_count(), 2);
  EXPECT_TRUE(retry.response.results(0).duplicate());
  // Within one batch, too.
  AppendResult batch = Put("u", "s", {Ev("e2", "b", 101), Ev("e2", "b", 101)});
  EXPECT_EQ(batch.response.stored_count(), 1);
  EXPECT_EQ(batch.response.duplicate_count(), 1);
  EXPECT_FALSE(batch.response.results(0).duplicate());
  EXPECT_TRUE(batch.response.results(1).duplicate());
  EXPECT_THAT(Items("u"), ElementsAre("b", "a"));
}

TEST_F(EventLogTest, IdenticalEventsAtTheSameTimeAreStoredOnce) {
  Put("u", "s", {Ev("e1", "a", 100)});
  // Different ids, same user, same sent_at and fields: a duplicate.
  AppendResult same = Put("u", "s", {Ev("e2", "a", 100)});
  EXPECT_EQ(same.response.duplicate_count(), 1);
  // Any differing field makes it a new event.
  v1::Event valued = Ev("e3", "a", 100);
  valued.set_event_value(4.5f);
  AppendResult other = Put("u", "s", {valued, Ev("e4", "a", 101), Ev("e5", "b", 100)});
  EXPECT_EQ(other.response.stored_count(), 3);
  // Another user may do the same thing at the same time.
  EXPECT_EQ(Put("v", "s2", {Ev("e6", "a", 100)}).response.stored_count(), 1);
}

TEST_F(EventLogTest, IdenticalEventsAreDuplicatesForTheSameSessionToo) {
  Put("", "s", {Ev("e1", "a", 100)});
  // The same event again once the user is known: same session, so a duplicate.
  EXPECT_EQ(Put("u", "s", {Ev("e2", "a", 100)}).response.duplicate_count(), 1);
  // The same user from another session: same user, so a duplicate too.
  Put("v", "s1", {Ev("e3", "b", 200)});
  EXPECT_EQ(Put("v", "s2", {Ev("e4", "b", 200)}).response.duplicate_count(), 1);
  // The link was still made by the all-duplicate call.
  EXPECT_EQ(*log_->LinkedUser(kGroup, "s").value(), "u");
}

TEST_F(EventLogTest, ASessionNamedLikeAUserJoinsOnlyItsOwnUser) {
  // Anonymous session "abc" belongs to bob; user "abc" must not inherit it.
  Put("", "abc", {Ev("e1", "secret", 100)});
  Put("bob", "abc", {Ev("e2", "b", 110)});
  Put("abc", "s-abc", {Ev("e3", "mine", 120)});
  EXPECT_THAT(Items("abc"), ElementsAre("mine"));
  EXPECT_THAT(Items("bob"), ElementsAre("b", "secret"));
  // An unlinked session of the same name is the user's own anonymous past.
  Put("", "carol", {Ev("e4", "anon", 130)});
  Put("carol", "s-carol", {Ev("e5", "known", 140)});
  EXPECT_THAT(Items("carol"), ElementsAre("known", "anon"));
}

TEST_F(EventLogTest, AnonymousSessionsJoinTheUserOnceLinked) {
  Put("", "anon", {Ev("e1", "a", 100), Ev("e2", "b", 110)});
  EXPECT_THAT(Items("anon"), ElementsAre("b", "a"));
  EXPECT_THAT(Items("u"), ElementsAre());
  ASSERT_FALSE(log_->LinkedUser(kGroup, "anon")->has_value());

  // The first event with both ids links the session's past to the user.
  Put("u", "anon", {Ev("e3", "c", 120)});
  EXPECT_EQ(*log_->LinkedUser(kGroup, "anon").value(), "u");
  EXPECT_THAT(Items("u"), ElementsAre("c", "b", "a"));
  EXPECT_EQ(*log_->ResolveIdentity(kGroup, "", "anon"), "u");
  // A later link of the same session to another user is ignored.
  Put("w", "anon", {Ev("e4", "d", 130)});
  EXPECT_EQ(*log_->LinkedUser(kGroup, "anon").value(), "u");
  EXPECT_THAT(Items("w"), ElementsAre("d"));
}

// Replay reads a window as the store held it when the event was learned:
// without the events stored after it and the sessions linked after it.
TEST_F(EventLogTest, HistoryAsOfASequenceLeavesOutWhatCameLater) {
  Put("", "anon", {Ev("e1", "a", 100)});                           // seq 1
  const AppendResult first = Put("u", "s", {Ev("e2", "b", 300)});  // seq 2
  Put("u", "anon", {Ev("e3", "c", 310)});  // seq 3: links anon to u
  Put("u", "s", {Ev("e4", "d", 200)});     // seq 4: sent earlier
  const uint64_t seq = first.stored[0].seq;
  const HistoryBound before_e3{310 * 1000000, 3};
  EXPECT_THAT(Items("u", 10, before_e3), ElementsAre("b", "d", "a"));
  EXPECT_THAT(Items("u", 10, HistoryBound{310 * 1000000, 3, /*as_of=*/3}),
              ElementsAre("b", "a"));
  EXPECT_THAT(Items("u", 10, HistoryBound{310 * 1000000, 3, /*as_of=*/seq}),
              ElementsAre("b"))
      << "anon was linked by call 3";
  // The limit counts only what is visible.
  EXPECT_THAT(Items("u", 1, HistoryBound{310 * 1000000, 3, /*as_of=*/3}),
              ElementsAre("b"));
}

TEST_F(EventLogTest, ImpressionsAndAttributionFollowPersonalizesRules) {
  internal::ServedList list;
  list.set_group_id(kGroup);
  list.set_recommender("default");
  list.add_item_ids("x");
  list.add_item_ids("y");
  ASSERT_TRUE(served_->Record("RID-1", list).ok());

  v1::Event implicit = Ev("e1", "x", 100);
  implicit.set_recommendation_id("RID-1");
  v1::Event explicit_both = Ev("e2", "y", 101);
  explicit_both.set_recommendation_id("RID-1");
  explicit_both.add_impression("p");
  explicit_both.add_impression("q");
  explicit_both.mutable_metric_attribution()->set_event_attribution_source("email");
  v1::Event unknown = Ev("e3", "z", 102);
  unknown.set_recommendation_id("RID-unknown");
  AppendResult result = Put("u", "s", {implicit, explicit_both, unknown});
  ASSERT_EQ(result.stored.size(), 3u);

  const v1::StoredEvent& a = result.stored[0].event;
  EXPECT_THAT(a.effective_impression(), ElementsAre("x", "y"));
  EXPECT_EQ(a.attribution_source(), "default");
  const v1::StoredEvent& b = result.stored[1].event;
  EXPECT_THAT(b.effective_impression(), ElementsAre("p", "q"));
  EXPECT_EQ(b.attribution_source(), "email");
  const v1::StoredEvent& c = result.stored[2].event;
  EXPECT_THAT(c.effective_impression(), ElementsAre());
  EXPECT_EQ(c.attribution_source(), kSourceNameUndefined);
  EXPECT_EQ(c.event().recommendation_id(), "RID-unknown");

  // What was returned is what was stored.
  auto history = log_->ReadHistory(kGroup, "u", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_THAT((*history)[2].event.effective_impression(), ElementsAre("x", "y"));
  EXPECT_EQ((*history)[2].event.attribution_source(), "default");
  EXPECT_EQ((*history)[2].event.received_at().seconds(), 1700000000);

  // Expired ids give no impressions either.
  clock_.Advance(absl::Hours(25));
  v1::Event late = Ev("e4", "x", 200);
  late.set_recommendation_id("RID-1");
  AppendResult expired = Put("u", "s", {late});
  EXPECT_THAT(expired.stored[0].event.effective_impression(), ElementsAre());
  EXPECT_EQ(expired.stored[0].event.attribution_source(), kSourceNameUndefined);
}

TEST_F(EventLogTest, SequenceNumbersAreJournaled) {
  log_->set_last_sequence(41);
  AppendResult r = Put("u", "s", {Ev("e1", "a", 1), Ev("e2", "b", 2)});
  ASSERT_EQ(r.stored.size(), 2u);
  EXPECT_EQ(r.stored[0].seq, 42u);
  EXPECT_EQ(r.stored[1].seq, 43u);
  EXPECT_EQ(log_->last_sequence(), 43u);
  auto cursor = store_->NewCursor(Cf::kJournal, "", "");
  int entries = 0;
  for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) ++entries;
  EXPECT_EQ(entries, 2);
}

}  // namespace
}  // namespace recloop

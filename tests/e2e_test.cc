// End-to-end tests: a real RecloopServer on a real RocksDB store, called over
// a real gRPC channel through the generated stubs, as clients do. Each
// numbered behaviour of the v1 contract has a test here.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/recloop.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// A unary call with raw bytes, as a client that bypasses the generated
// stubs would make it. Returns the status and the response bytes.
std::pair<grpc::Status, std::string> RawUnaryCall(grpc::Channel* channel,
                                                  const std::string& method,
                                                  const std::string& request_bytes) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::ClientContext c;
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&c, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = s;
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  std::string bytes;
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const auto& s : slices) bytes += std::string(s.begin(), s.end());
  }
  return {status, bytes};
}

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void TearDown() override { Stop(); }

  void Start() {
    RecloopOptions options;
    options.store.path = dir_.path();
    options.store.small_footprint = true;
    options.checkpoint_on_close = false;  // Every Stop() is a crash.
    options.clock = &clock_;
    auto recloop = Recloop::Open(options);
    ASSERT_TRUE(recloop.ok()) << recloop.status();
    recloop_ = *std::move(recloop);
    ServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    auto server = RecloopServer::Start(recloop_.get(), server_options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    trackers_ = v1::EventTrackerService::NewStub(channel_);
    events_ = v1::EventService::NewStub(channel_);
    recs_ = v1::RecommendationService::NewStub(channel_);
  }

  void Stop() {
    if (server_) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    recloop_.reset();
  }

  void Restart() {
    Stop();
    Start();
  }

  // A tracker on a new group; returns its tracking id.
  std::string Setup(const std::string& group, const std::string& schema = "") {
    grpc::ClientContext c1, c2;
    v1::CreateDatasetGroupRequest g;
    g.set_name(group);
    g.set_schema(schema);
    v1::DatasetGroup created;
    EXPECT_TRUE(trackers_->CreateDatasetGroup(&c1, g, &created).ok());
    v1::CreateEventTrackerRequest t;
    t.set_name(group + "-tracker");
    t.set_dataset_group(group);
    v1::EventTracker tracker;
    grpc::Status s = trackers_->CreateEventTracker(&c2, t, &tracker);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return tracker.tracking_id();
  }

  static v1::Event Click(const std::string& item, int64_t second,
                         const std::string& event_id = "") {
    v1::Event e;
    e.set_event_type("click");
    e.set_item_id(item);
    e.set_event_id(event_id);
    e.mutable_sent_at()->set_seconds(second);
    return e;
  }

  grpc::Status Put(const std::string& tid, const std::string& user,
                   const std::string& session, const std::vector<v1::Event>& events,
                   v1::PutEventsResponse* response = nullptr) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tid);
    r.set_user_id(user);
    r.set_session_id(session);
    for (const auto& e : events) *r.add_event_list() = e;
    grpc::ClientContext c;
    v1::PutEventsResponse ignored;
    return events_->PutEvents(&c, r, response ? response : &ignored);
  }

  grpc::Status PutItems(const std::string& tid, const std::string& user,
                        const std::vector<std::string>& items) {
    std::vector<v1::Event> events;
    for (const auto& item : items) events.push_back(Click(item, 1700000000 + (++seconds_)));
    return Put(tid, user, "session-of-" + user, events);
  }

  v1::GetRecommendationsResponse Recommend(const std::string& group,
                                           const std::string& user,
                                           const std::string& item = "", int n = 0) {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group(group);
    r.set_user_id(user);
    r.set_item_id(item);
    r.set_num_results(n);
    grpc::ClientContext c;
    v1::GetRecommendationsResponse response;
    grpc::Status s = recs_->GetRecommendations(&c, r, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  static std::vector<std::string> Ids(const v1::GetRecommendationsResponse& r) {
    std::vector<std::string> ids;
    for (const auto& i : r.item_list()) ids.push_back(i.item_id());
    return ids;
  }

  v1::GetUserHistoryResponse History(const std::string& group, const std::string& user) {
    v1::GetUserHistoryRequest r;
    r.set_dataset_group(group);
    r.set_user_id(user);
    grpc::ClientContext c;
    v1::GetUserHistoryResponse response;
    grpc::Status s = events_->GetUserHistory(&c, r, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  static std::vector<std::string> Items(const v1::GetUserHistoryResponse& h) {
    std::vector<std::string> ids;
    for (const auto& e : h.events()) ids.push_back(e.event().item_id());
    return ids;
  }

  void SeedCoOccurrence(const std::string& tid) {
    for (const char* u : {"u1", "u2", "u3"}) ASSERT_TRUE(PutItems(tid, u, {"A", "B"}).ok());
    ASSERT_TRUE(PutItems(tid, "u4", {"A", "C"}).ok());
  }

  TempDir dir_;
  ManualClock clock_{absl::Now()};
  std::unique_ptr<Recloop> recloop_;
  std::unique_ptr<RecloopServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EventTrackerService::Stub> trackers_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::unique_ptr<v1::RecommendationService::Stub> recs_;
  int64_t seconds_ = 0;
};

// --- Control plane ---------------------------------------------------------------

TEST_F(E2eTest, ControlPlaneLifecycle) {
  const std::string tid = Setup("shop");
  EXPECT_EQ(tid.size(), 36u);
  {
    grpc::ClientContext c;
    v1::CreateDatasetGroupRequest g;
    g.set_name("shop");
    v1::DatasetGroup out;
    EXPECT_EQ(trackers_->CreateDatasetGroup(&c, g, &out).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  {
    grpc::ClientContext c;
    v1::CreateDatasetGroupRequest g;
    g.set_name("bad");
    g.set_schema(R"({"type":"record","fields":[{"name":"USER_ID","type":"string"}]})");
    v1::DatasetGroup out;
    grpc::Status s = trackers_->CreateDatasetGroup(&c, g, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("schema: missing required field ITEM_ID"));
  }
  {
    grpc::ClientContext c;
    v1::CreateEventTrackerRequest t;
    t.set_name("second");
    t.set_dataset_group("shop");
    v1::EventTracker out;
    EXPECT_EQ(trackers_->CreateEventTracker(&c, t, &out).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  {
    grpc::ClientContext c;
    v1::CreateEventTrackerRequest t;
    t.set_name("orphan");
    t.set_dataset_group("missing");
    v1::EventTracker out;
    EXPECT_EQ(trackers_->CreateEventTracker(&c, t, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext c;
    v1::DescribeEventTrackerRequest d;
    d.set_name("shop-tracker");
    v1::EventTracker out;
    ASSERT_TRUE(trackers_->DescribeEventTracker(&c, d, &out).ok());
    EXPECT_EQ(out.tracking_id(), tid);
    EXPECT_EQ(out.status(), "ACTIVE");
  }
  {
    grpc::ClientContext c;
    v1::ListDatasetGroupsResponse out;
    ASSERT_TRUE(trackers_->ListDatasetGroups(&c, v1::ListDatasetGroupsRequest(), &out).ok());
    ASSERT_EQ(out.dataset_groups_size(), 1);
    EXPECT_EQ(out.dataset_groups(0).name(), "shop");
  }
  {
    grpc::ClientContext c;
    v1::ListEventTrackersResponse out;
    ASSERT_TRUE(trackers_->ListEventTrackers(&c, v1::ListEventTrackersRequest(), &out).ok());
    ASSERT_EQ(out.event_trackers_size(), 1);
  }
  ASSERT_TRUE(PutItems(tid, "u", {"A"}).ok());
  {
    grpc::ClientContext c;
    v1::DeleteEventTrackerRequest d;
    d.set_name("shop-tracker");
    v1::DeleteEventTrackerResponse out;
    ASSERT_TRUE(trackers_->DeleteEventTracker(&c, d, &out).ok());
  }
  grpc::Status gone = PutItems(tid, "u", {"B"});
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  {
    grpc::ClientContext c;
    v1::DeleteDatasetGroupRequest d;
    d.set_name("shop");
    v1::DeleteDatasetGroupResponse out;
    ASSERT_TRUE(trackers_->DeleteDatasetGroup(&c, d, &out).ok());
    grpc::ClientContext c2;
    v1::DescribeDatasetGroupRequest describe;
    describe.set_name("shop");
    v1::DatasetGroup group;
    EXPECT_EQ(trackers_->DescribeDatasetGroup(&c2, describe, &group).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

// --- 1. Validation ---------------------------------------------------------------

TEST_F(E2eTest, BadEventsAreRejectedNamingFieldAndIndexAndNothingIsStored) {
  const std::string tid = Setup("shop");
  std::vector<v1::Event> batch = {Click("a", 100), Click("b", 101), Click("c", 102)};
  batch[2].set_item_id(std::string(257, 'x'));
  grpc::Status s = Put(tid, "u", "s", batch);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_list[2].item_id"));
  EXPECT_EQ(History("shop", "u").events_size(), 0);

  batch[2].set_item_id("c");
  batch[1].clear_sent_at();
  s = Put(tid, "u", "s", batch);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_list[1].sent_at"));

  batch[1] = Click("b", 101);
  batch[0].set_properties(R"({"userId":"x"})");
  s = Put(tid, "u", "s", batch);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_list[0].properties.userId"));

  batch[0] = Click("a", 100);
  s = Put(tid, "u", "", batch);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("session_id"));
  s = Put(tid, "u", "s", {});
  EXPECT_THAT(s.error_message(), HasSubstr("event_list"));
  EXPECT_EQ(History("shop", "u").events_size(), 0);

  s = Put("no-such-tracker", "u", "s", batch);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::GetRecommendationsRequest r;
  r.set_dataset_group("shop");
  r.set_num_results(501);
  grpc::ClientContext c;
  v1::GetRecommendationsResponse out;
  s = recs_->GetRecommendations(&c, r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("num_results"));

  ASSERT_TRUE(Put(tid, "u", "s", batch).ok());
  EXPECT_THAT(Items(History("shop", "u")), ElementsAre("a", "b", "c"));
}

TEST_F(E2eTest, OversizedRequestsAreRejectedByTheTransport) {
  const std::string tid = Setup("shop");
  v1::Event e = Click("a", 1);
  e.set_properties(std::string(5 << 20, ' '));
  grpc::Status s = Put(tid, "u", "s", {e});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(History("shop", "u").events_size(), 0);
}

TEST_F(E2eTest, OverloadIsRefusedAtOnceAndStoresNothing) {
  const std::string tid = Setup("shop");
  // Fill every in-flight place, as a burst of slow calls would.
  std::vector<Admission::Ticket> held;
  while (true) {
    auto ticket = server_->admission()->TryAcquire();
    if (!ticket.ok()) break;
    held.push_back(*std::move(ticket));
  }
  grpc::Status s = PutItems(tid, "u", {"A"});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("overloaded"));
  v1::GetRecommendationsRequest r;
  r.set_dataset_group("shop");
  grpc::ClientContext c;
  v1::GetRecommendationsResponse out;
  EXPECT_EQ(recs_->GetRecommendations(&c, r, &out).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  held.clear();
  EXPECT_EQ(History("shop", "u").events_size(), 0) << "the refused call stored nothing";
  ASSERT_TRUE(PutItems(tid, "u", {"A"}).ok());
  EXPECT_EQ(History("shop", "u").events_size(), 1);
}

TEST_F(E2eTest, ExpiredDeadlinesAreHonoured) {
  const std::string tid = Setup("shop");
  v1::PutEventsRequest r;
  r.set_tracking_id(tid);
  r.set_session_id("s");
  *r.add_event_list() = Click("A", 1);
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  v1::PutEventsResponse out;
  EXPECT_EQ(events_->PutEvents(&c, r, &out).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(History("shop", "s").events_size(), 0);
}

TEST_F(E2eTest, MalformedProtobufBytesAreRejectedWithoutHarm) {
  const std::string tid = Setup("shop");
  grpc::GenericStub stub(channel_);
  for (const std::string& garbage :
       {std::string("\xff\xff\xff\xff\xff", 5), std::string("\x0a\xff\x01", 3),
        std::string(1000, '\x0a')}) {
    grpc::Status status =
        RawUnaryCall(channel_.get(), "/recloop.v1.EventService/PutEvents", garbage).first;
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE) << "the server survived";
  }
  // Still serving.
  ASSERT_TRUE(PutItems(tid, "u", {"A"}).ok());
}

// --- 2. Storage -------------------------------------------------------------------

TEST_F(E2eTest, AcknowledgedEventsSurviveACrashAndKeepCounting) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(PutItems(tid, "z", {"A"}).ok());
  Restart();  // No final checkpoint: like kill -9.
  EXPECT_THAT(Items(History("shop", "z")), ElementsAre("A"));
  EXPECT_EQ(Ids(Recommend("shop", "z", "", 2)), (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(Ids(Recommend("shop", "", "A", 1)), std::vector<std::string>{"B"});
  ASSERT_TRUE(PutItems(tid, "z", {"B"}).ok());
  EXPECT_THAT(Items(History("shop", "z")), ElementsAre("A", "B"));
}

// --- 3. Dedup ---------------------------------------------------------------------

TEST_F(E2eTest, RetriesAndIdenticalEventsAreStoredOnceAndCounted) {
  const std::string tid = Setup("shop");
  v1::PutEventsResponse first, retry, same, mixed;
  ASSERT_TRUE(Put(tid, "u", "s", {Click("a", 100, "id-1"), Click("b", 101, "id-2")}, &first).ok());
  EXPECT_EQ(first.stored_count(), 2);
  EXPECT_EQ(first.duplicate_count(), 0);
  ASSERT_TRUE(Put(tid, "u", "s", {Click("a", 100, "id-1"), Click("b", 101, "id-2")}, &retry).ok());
  EXPECT_EQ(retry.stored_count(), 0);
  EXPECT_EQ(retry.duplicate_count(), 2);
  // No event_id: identical fields at the same sent_at for the same user.
  ASSERT_TRUE(Put(tid, "u", "s", {Click("c", 102)}, &same).ok());
  ASSERT_TRUE(Put(tid, "u", "s", {Click("c", 102)}, &same).ok());
  EXPECT_EQ(same.duplicate_count(), 1);
  ASSERT_TRUE(Put(tid, "u", "s", {Click("c", 102), Click("d", 103)}, &mixed).ok());
  EXPECT_EQ(mixed.stored_count(), 1);
  EXPECT_EQ(mixed.duplicate_count(), 1);
  ASSERT_EQ(mixed.results_size(), 2);
  EXPECT_TRUE(mixed.results(0).duplicate());
  EXPECT_FALSE(mixed.results(1).duplicate());
  EXPECT_THAT(Items(History("shop", "u")), ElementsAre("a", "b", "c", "d"));
}

// --- 4. Anonymous users -------------------------------------------------------------

TEST_F(E2eTest, AnonymousSessionsArePersonalizedAndLinkToTheUser) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(Put(tid, "", "anon-1", {Click("A", 1800000000)}).ok());
  EXPECT_THAT(Items(History("shop", "anon-1")), ElementsAre("A"));
  EXPECT_EQ(Ids(Recommend("shop", "anon-1", "", 1)), std::vector<std::string>{"B"});

  // The user logs in: the session's earlier events join the user's history.
  ASSERT_TRUE(Put(tid, "alice", "anon-1", {Click("C", 1800000010)}).ok());
  EXPECT_THAT(Items(History("shop", "alice")), ElementsAre("A", "C"));
  std::vector<std::string> recs = Ids(Recommend("shop", "alice", "", 5));
  EXPECT_THAT(recs, ::testing::Not(::testing::Contains("A")));
  EXPECT_THAT(recs, ::testing::Not(::testing::Contains("C")));
  EXPECT_EQ(recs[0], "B");
}

// --- 5. Recommendation ids, implicit impressions, attribution ------------------------

TEST_F(E2eTest, ClicksOnServedListsGetImpressionsAndAttribution) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  v1::GetRecommendationsResponse served = Recommend("shop", "bob", "", 3);
  ASSERT_EQ(served.item_list_size(), 3);
  EXPECT_THAT(served.recommendation_id(), ::testing::StartsWith("RID-"));
  EXPECT_EQ(served.recommendation_id().size(), 40u);
  EXPECT_NE(Recommend("shop", "bob", "", 3).recommendation_id(), served.recommendation_id());

  v1::Event implicit = Click(served.item_list(0).item_id(), 1800000000);
  implicit.set_recommendation_id(served.recommendation_id());
  v1::Event explicit_impression = Click("B", 1800000001);
  explicit_impression.set_recommendation_id(served.recommendation_id());
  explicit_impression.add_impression("B");
  explicit_impression.add_impression("Z");
  explicit_impression.mutable_metric_attribution()->set_event_attribution_source("newsletter");
  v1::Event unknown = Click("C", 1800000002);
  unknown.set_recommendation_id("RID-never-served");
  v1::Event plain = Click("D", 1800000003);
  ASSERT_TRUE(Put(tid, "bob", "s", {implicit, explicit_impression, unknown, plain}).ok());

  v1::GetUserHistoryResponse h = History("shop", "bob");
  ASSERT_EQ(h.events_size(), 4);
  std::vector<std::string> listed = Ids(served);
  EXPECT_THAT(h.events(0).effective_impression(), ElementsAreArray(listed));
  EXPECT_EQ(h.events(0).attribution_source(), "default");
  EXPECT_THAT(h.events(1).effective_impression(), ElementsAre("B", "Z"));
  EXPECT_EQ(h.events(1).attribution_source(), "newsletter");
  EXPECT_THAT(h.events(2).effective_impression(), ElementsAre());
  EXPECT_EQ(h.events(2).event().recommendation_id(), "RID-never-served");
  EXPECT_EQ(h.events(2).attribution_source(), "SOURCE_NAME_UNDEFINED");
  EXPECT_EQ(h.events(3).attribution_source(), "SOURCE_NAME_UNDEFINED");

  // Served lists are remembered across a crash too.
  Restart();
  v1::Event later = Click("C", 1800000100);
  later.set_recommendation_id(served.recommendation_id());
  ASSERT_TRUE(Put(tid, "bob", "s", {later}).ok());
  EXPECT_THAT(History("shop", "bob").events(4).effective_impression(),
              ElementsAreArray(listed));
}

TEST_F(E2eTest, ExpiredRecommendationIdsGiveNoImpressions) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  const std::string rid = Recommend("shop", "late", "", 3).recommendation_id();
  clock_.Advance(absl::Hours(24 * 7 + 1));  // Past the default 7-day retention.
  v1::Event click = Click("B", 1800000000);
  click.set_recommendation_id(rid);
  ASSERT_TRUE(Put(tid, "late", "s", {click}).ok());
  const auto h = History("shop", "late");
  ASSERT_EQ(h.events_size(), 1);
  EXPECT_EQ(h.events(0).event().recommendation_id(), rid) << "stored as given";
  EXPECT_EQ(h.events(0).effective_impression_size(), 0);
  EXPECT_EQ(h.events(0).attribution_source(), "SOURCE_NAME_UNDEFINED");
}

TEST_F(E2eTest, CustomSchemaFieldsAreCheckedInProperties) {
  const std::string tid = Setup(
      "movies",
      R"({"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",)"
      R"("fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},)"
      R"({"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"},)"
      R"({"name":"NUM_RATINGS","type":"int"},)"
      R"({"name":"DEVICE","type":["null","string"],"categorical":true}],"version":"1.0"})");
  v1::Event good = Click("m1", 100);
  good.set_properties(R"({"numRatings":12,"device":"mobile"})");
  ASSERT_TRUE(Put(tid, "u", "s", {good}).ok());
  EXPECT_EQ(History("movies", "u").events(0).event().properties(),
            R"({"numRatings":12,"device":"mobile"})");

  v1::Event wrong_type = Click("m2", 101);
  wrong_type.set_properties(R"({"numRatings":"twelve"})");
  grpc::Status s = Put(tid, "u", "s", {Click("m3", 102), wrong_type});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_list[1].properties.numRatings"));
  v1::Event unknown_key = Click("m2", 101);
  unknown_key.set_properties(R"({"colour":"red"})");
  s = Put(tid, "u", "s", {unknown_key});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_list[0].properties.colour"));
  EXPECT_EQ(History("movies", "u").events_size(), 1);
}

TEST_F(E2eTest, RankingResponsesCarryRecommendationIdsToo) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  v1::GetPersonalizedRankingRequest r;
  r.set_dataset_group("shop");
  r.set_user_id("u1");
  for (const char* i : {"C", "B", "new"}) r.add_input_list(i);
  grpc::ClientContext c;
  v1::GetPersonalizedRankingResponse ranked;
  ASSERT_TRUE(recs_->GetPersonalizedRanking(&c, r, &ranked).ok());
  EXPECT_THAT(ranked.recommendation_id(), ::testing::StartsWith("RID-"));
  v1::Event click = Click("C", 1800000000);
  click.set_recommendation_id(ranked.recommendation_id());
  ASSERT_TRUE(Put(tid, "u1", "s", {click}).ok());
  const auto h = History("shop", "u1");
  EXPECT_EQ(h.events(h.events_size() - 1).effective_impression_size(), 3);
}

// --- 6. Recommendations -------------------------------------------------------------

TEST_F(E2eTest, RecommendationsReflectTheEventJustAcknowledged) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(PutItems(tid, "extra", {"D"}).ok());
  // Cold user: most popular first.
  EXPECT_EQ(Ids(Recommend("shop", "carol", "", 1)), std::vector<std::string>{"A"});
  EXPECT_EQ(Recommend("shop", "carol").item_list_size(), 4) << "all items (default 25)";
  ASSERT_TRUE(PutItems(tid, "carol", {"A"}).ok());
  EXPECT_EQ(Ids(Recommend("shop", "carol", "", 2)), (std::vector<std::string>{"B", "C"}));
  // A brand-new item is recommendable the moment it co-occurs.
  ASSERT_TRUE(PutItems(tid, "dave", {"D", "fresh"}).ok());
  ASSERT_TRUE(PutItems(tid, "erin", {"D"}).ok());
  EXPECT_EQ(Ids(Recommend("shop", "erin", "", 1)), std::vector<std::string>{"fresh"});
  // item_id without user_id: related items.
  EXPECT_EQ(Ids(Recommend("shop", "", "A", 2)), (std::vector<std::string>{"B", "C"}));
  auto scored = Recommend("shop", "", "A", 2);
  EXPECT_GT(scored.item_list(0).score(), scored.item_list(1).score());
}

TEST_F(E2eTest, RankingReturnsExactlyTheInputItems) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(PutItems(tid, "ranker", {"A"}).ok());
  v1::GetPersonalizedRankingRequest r;
  r.set_dataset_group("shop");
  r.set_user_id("ranker");
  for (const char* i : {"never-seen", "C", "B"}) r.add_input_list(i);
  grpc::ClientContext c;
  v1::GetPersonalizedRankingResponse ranked;
  ASSERT_TRUE(recs_->GetPersonalizedRanking(&c, r, &ranked).ok());
  std::vector<std::string> order;
  for (const auto& i : ranked.personalized_ranking()) order.push_back(i.item_id());
  EXPECT_THAT(order, ElementsAre("B", "C", "never-seen"));
}

// --- 7. Server: health and reflection ------------------------------------------------

TEST_F(E2eTest, HealthServiceReportsServing) {
  // HealthCheckRequest{service: ""} is empty on the wire.
  auto [status, bytes] = RawUnaryCall(channel_.get(), "/grpc.health.v1.Health/Check", "");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(bytes, std::string("\x08\x01", 2)) << "HealthCheckResponse{status: SERVING}";
}

TEST_F(E2eTest, ReflectionListsTheServices) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext c;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &c, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto await = [&](intptr_t tag) {
    void* got;
    bool ok;
    EXPECT_TRUE(cq.Next(&got, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(got), tag);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(await(1));
  // ServerReflectionRequest{list_services: ""} is field 7, empty string.
  grpc::Slice req_slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer req(&req_slice, 1);
  call->Write(req, reinterpret_cast<void*>(2));
  ASSERT_TRUE(await(2));
  call->WritesDone(reinterpret_cast<void*>(3));
  ASSERT_TRUE(await(3));
  grpc::ByteBuffer resp;
  call->Read(&resp, reinterpret_cast<void*>(4));
  ASSERT_TRUE(await(4));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  await(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(resp.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes += std::string(s.begin(), s.end());
  for (const char* service : {"recloop.v1.EventTrackerService", "recloop.v1.EventService",
                              "recloop.v1.RecommendationService", "grpc.health.v1.Health"}) {
    EXPECT_THAT(bytes, HasSubstr(service));
  }
}

}  // namespace
}  // namespace recloop

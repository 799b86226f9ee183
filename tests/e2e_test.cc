// End-to-end tests: a real RecloopServer on a real RocksDB store, called over
// a real gRPC channel through the generated stubs, as clients do. Each
// numbered behaviour of the v1 contract has a test here or in
// e2e_events_test.cc. This file: the control plane, what the transport and
// the server refuse (1. validation, overload, deadlines, malformed bytes) and
// what the server offers besides the API (7. health and reflection).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "server/admission.h"
#include "tests/e2e_fixture.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

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
    ASSERT_TRUE(
        trackers_->ListDatasetGroups(&c, v1::ListDatasetGroupsRequest(), &out).ok());
    ASSERT_EQ(out.dataset_groups_size(), 1);
    EXPECT_EQ(out.dataset_groups(0).name(), "shop");
  }
  {
    grpc::ClientContext c;
    v1::ListEventTrackersResponse out;
    ASSERT_TRUE(
        trackers_->ListEventTrackers(&c, v1::ListEventTrackersRequest(), &out).ok());
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
  // Fill every in-flight place, as a burst of slow calls would (bounded: an
  // unlimited admission never refuses).
  std::vector<Admission::Ticket> held;
  for (int i = 0; i < 100000; ++i) {
    auto ticket = server_->admission()->TryAcquire();
    if (!ticket.ok()) break;
    held.push_back(*std::move(ticket));
  }
  ASSERT_LT(held.size(), 100000u) << "admission never refused a call";
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
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(),
                HasSubstr("request: not a valid recloop.v1.PutEventsRequest"));
  }
  // Still serving.
  ASSERT_TRUE(PutItems(tid, "u", {"A"}).ok());
}

// Invalid UTF-8 in a string field is the client's error: INVALID_ARGUMENT
// naming the field, nothing stored, on every service.
TEST_F(E2eTest, InvalidUtf8InAStringFieldIsInvalidArgument) {
  const std::string tid = Setup("shop");
  const std::string bad("caf\xc3\x28", 5);  // a broken two-byte sequence
  for (const char* field : {"user_id", "item_id", "event_type", "event_id"}) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tid);
    r.set_session_id("s");
    r.set_user_id(std::string(field) == "user_id" ? bad : "u");
    v1::Event* e = r.add_event_list();
    *e = Click(std::string(field) == "item_id" ? bad : "A", 1);
    if (std::string(field) == "event_type") e->set_event_type(bad);
    if (std::string(field) == "event_id") e->set_event_id(bad);
    auto [status, bytes] = RawUnaryCall(
        channel_.get(), "/recloop.v1.EventService/PutEvents", r.SerializeAsString());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(status.error_message(), HasSubstr("not valid UTF-8")) << field;
    EXPECT_THAT(status.error_message(), HasSubstr(field));
  }
  EXPECT_EQ(History("shop", "u").events_size(), 0) << "nothing was stored";
  v1::CreateDatasetGroupRequest group;
  group.set_name(bad);
  auto [status, bytes] =
      RawUnaryCall(channel_.get(), "/recloop.v1.EventTrackerService/CreateDatasetGroup",
                   group.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("CreateDatasetGroupRequest.name"));
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
  // Every cq.Next() below returns by then, with ok == false if the call
  // is stuck.
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
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
  for (const char* service :
       {"recloop.v1.EventTrackerService", "recloop.v1.EventService",
        "recloop.v1.RecommendationService", "grpc.health.v1.Health"}) {
    EXPECT_THAT(bytes, HasSubstr(service));
  }
}

}  // namespace
}  // namespace recloop

#include "domain/registry.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    registry_.reset();
    store_.reset();
    store_ = OpenTestStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    auto registry = Registry::Load(store_.get(), &clock_);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
  }

  absl::StatusOr<v1::DatasetGroup> CreateGroup(const std::string& name,
                                               const std::string& schema = "") {
    v1::CreateDatasetGroupRequest r;
    r.set_name(name);
    r.set_schema(schema);
    return registry_->CreateDatasetGroup(r);
  }
  absl::StatusOr<v1::EventTracker> CreateTracker(const std::string& name,
                                                 const std::string& group) {
    v1::CreateEventTrackerRequest r;
    r.set_name(name);
    r.set_dataset_group(group);
    return registry_->CreateEventTracker(r);
  }

  TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, CreatesAndDescribesADatasetGroup) {
  auto group = CreateGroup("shop");
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->name(), "shop");
  EXPECT_EQ(group->status(), "ACTIVE");
  EXPECT_EQ(group->creation_time().seconds(), 1700000000);
  EXPECT_THAT(group->schema(), HasSubstr("USER_ID"));
  auto described = registry_->DescribeDatasetGroup("shop");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->SerializeAsString(), group->SerializeAsString());
}

TEST_F(RegistryTest, DuplicateNamesBadNamesAndBadSchemas) {
  ASSERT_TRUE(CreateGroup("shop").ok());
  EXPECT_EQ(CreateGroup("shop").status().code(), absl::StatusCode::kAlreadyExists);
  for (const char* bad : {"", "-leading-dash", "has space", "dots.not.allowed"}) {
    auto s = CreateGroup(bad).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("name")) << bad;
  }
  EXPECT_EQ(CreateGroup(std::string(64, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CreateGroup(std::string(63, 'a')).ok());
  auto s = CreateGroup("other", R"({"type":"record","fields":[]})").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("schema"));
  // A failed create stores nothing.
  EXPECT_TRUE(absl::IsNotFound(registry_->DescribeDatasetGroup("other").status()));
}

TEST_F(RegistryTest, ListsGroupsInPages) {
  std::set<std::string> names;
  for (int i = 0; i < 7; ++i) {
    names.insert("g" + std::to_string(i));
    ASSERT_TRUE(CreateGroup("g" + std::to_string(i)).ok());
  }
  std::set<std::string> seen;
  v1::ListDatasetGroupsRequest r;
  r.set_max_results(3);
  int pages = 0;
  do {
    auto page = registry_->ListDatasetGroups(r);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->dataset_groups_size(), 3);
    for (const auto& g : page->dataset_groups()) EXPECT_TRUE(seen.insert(g.name()).second);
    r.set_next_token(page->next_token());
    ++pages;
  } while (!r.next_token().empty());
  EXPECT_EQ(seen, names);
  EXPECT_EQ(pages, 3);

  r.set_next_token("!!not-a-token!!");
  EXPECT_EQ(registry_->ListDatasetGroups(r).status().code(),
            absl::StatusCode::kInvalidArgument);
  r.set_next_token("");
  r.set_max_results(101);
  EXPECT_EQ(registry_->ListDatasetGroups(r).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RegistryTest, OneTrackerPerGroupWithAFreshTrackingId) {
  ASSERT_TRUE(CreateGroup("shop").ok());
  ASSERT_TRUE(CreateGroup("news").ok());
  auto tracker = CreateTracker("t1", "shop");
  ASSERT_TRUE(tracker.ok()) << tracker.status();
  EXPECT_EQ(tracker->status(), "ACTIVE");
  EXPECT_EQ(tracker->tracking_id().size(), 36u);
  EXPECT_EQ(tracker->dataset_group(), "shop");

  auto second = CreateTracker("t2", "shop");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("one tracker"));
  EXPECT_EQ(CreateTracker("t1", "news").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CreateTracker("t3", "missing").status().code(), absl::StatusCode::kNotFound);

  auto other = CreateTracker("t3", "news");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->tracking_id(), tracker->tracking_id());
  auto group = registry_->FindGroupByTrackingId(tracker->tracking_id());
  ASSERT_TRUE(group.ok());
  EXPECT_EQ((*group)->description.name(), "shop");

  v1::ListEventTrackersRequest list;
  list.set_dataset_group("news");
  auto listed = registry_->ListEventTrackers(list);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->event_trackers_size(), 1);
  EXPECT_EQ(listed->event_trackers(0).name(), "t3");
}

TEST_F(RegistryTest, DeletedTrackerIdsAreNotFound) {
  ASSERT_TRUE(CreateGroup("shop").ok());
  auto tracker = *CreateTracker("t1", "shop");
  ASSERT_TRUE(registry_->DeleteEventTracker("t1").ok());
  EXPECT_TRUE(absl::IsNotFound(registry_->FindGroupByTrackingId(tracker.tracking_id()).status()));
  EXPECT_TRUE(absl::IsNotFound(registry_->DescribeEventTracker("t1").status()));
  EXPECT_TRUE(absl::IsNotFound(registry_->DeleteEventTracker("t1")));
  // The group can have a new tracker now.
  EXPECT_TRUE(CreateTracker("t2", "shop").ok());
}

TEST_F(RegistryTest, DeletingAGroupDeletesItsTracker) {
  ASSERT_TRUE(CreateGroup("shop").ok());
  auto tracker = *CreateTracker("t1", "shop");
  ASSERT_TRUE(registry_->DeleteDatasetGroup("shop").ok());
  EXPECT_TRUE(absl::IsNotFound(registry_->DescribeDatasetGroup("shop").status()));
  EXPECT_TRUE(absl::IsNotFound(registry_->FindGroupByTrackingId(tracker.tracking_id()).status()));
  EXPECT_TRUE(absl::IsNotFound(registry_->DeleteDatasetGroup("shop").status()));
  // The name is free again, with a new internal id.
  ASSERT_TRUE(CreateGroup("shop").ok());
  EXPECT_TRUE(CreateTracker("t1", "shop").ok());
}

TEST_F(RegistryTest, EverythingSurvivesAReload) {
  ASSERT_TRUE(CreateGroup("shop").ok());
  ASSERT_TRUE(CreateGroup("gone").ok());
  auto tracker = *CreateTracker("t1", "shop");
  ASSERT_TRUE(registry_->DeleteDatasetGroup("gone").ok());
  const uint32_t shop_id = (*registry_->FindGroup("shop"))->id;
  Reopen();
  auto group = registry_->FindGroupByTrackingId(tracker.tracking_id());
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ((*group)->id, shop_id);
  EXPECT_TRUE(absl::IsNotFound(registry_->DescribeDatasetGroup("gone").status()));
  // Ids are never reused, even after a reload.
  auto fresh = CreateGroup("fresh");
  ASSERT_TRUE(fresh.ok());
  EXPECT_GT((*registry_->FindGroup("fresh"))->id, shop_id + 1);
}

}  // namespace
}  // namespace recloop

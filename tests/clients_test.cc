// The generated-client examples in client/{python,node,go,java}, each run
// against the built recloopd by its run-example.sh, which sets up its
// toolchain's packages and generates the stubs from proto/. What an example
// prints is checked, and checked again through the C++ client library.
//
// A script exits 77 when its language's toolchain is missing: the test is
// then SKIPPED with the script's reason, or fails when
// RECLOOP_REQUIRE_ALL_CLIENTS=1 (as in CI), so it never passes silently.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/process.h"
#include "tests/testing/recloopd_process.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

// The value of the line starting with `key` + ": ", or "" if none.
std::string Field(const std::vector<std::string>& lines, const std::string& key) {
  for (const std::string& line : lines) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, key + ": ")) return std::string(rest);
  }
  return "";
}

class ClientExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClientExampleTest, RunsAgainstTheLiveServer) {
  const std::string language = GetParam();
  TempDir dir;
  RecloopdProcess server(dir.Sub("data"), dir.Sub("recloopd.log"));
  ASSERT_TRUE(server.started()) << ReadFile(dir.Sub("recloopd.log"));

  const std::string script =
      std::string(RECLOOP_SOURCE_DIR) + "/client/" + language + "/run-example.sh";
  // The first run on a machine installs packages and builds (minutes).
  CommandResult run =
      RunCommand({"/bin/bash", script, server.address()}, "", absl::Minutes(10));
  if (run.exit_code == 77) {
    const char* require = std::getenv("RECLOOP_REQUIRE_ALL_CLIENTS");
    if (require != nullptr && std::string(require) == "1") {
      FAIL() << "the " << language << " toolchain is missing and "
             << "RECLOOP_REQUIRE_ALL_CLIENTS=1:\n" << run.err;
    }
    std::cerr << "SKIP " << language << ": " << run.err << "\n";
    GTEST_SKIP() << "SKIP " << language << ": " << run.err;
  }
  ASSERT_EQ(run.exit_code, 0) << "stdout:\n" << run.out << "\nstderr:\n" << run.err;

  const std::vector<std::string> lines = absl::StrSplit(run.out, '\n', absl::SkipEmpty());
  const std::string group = Field(lines, "dataset_group");
  const std::string tracking_id = Field(lines, "tracking_id");
  const std::string recommendation_id = Field(lines, "recommendation_id");
  const std::vector<std::string> recommended =
      absl::StrSplit(Field(lines, "recommended"), ',', absl::SkipEmpty());
  std::vector<std::string> history;
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, "history: ")) history.push_back(line.substr(9));
  }
  EXPECT_THAT(group, StartsWith(language + "-example-"));
  EXPECT_THAT(tracking_id, SizeIs(36));
  EXPECT_THAT(recommendation_id, StartsWith("RID-"));
  // other-user viewed item-1..6, user-1 viewed item-1 and item-2, which are
  // excluded: the list is drawn from item-3..6.
  ASSERT_THAT(recommended, Not(IsEmpty())) << run.out;
  for (const std::string& item : recommended) {
    EXPECT_THAT(item, ::testing::AnyOf("item-3", "item-4", "item-5", "item-6"));
  }
  // The click cites the list, so its effective impression is that list.
  const std::string served = absl::StrJoin(recommended, ",");
  EXPECT_THAT(history, ElementsAre("view item-1 impression=", "view item-2 impression=",
                                   "click " + recommended[0] + " impression=" + served))
      << run.out;

  // The server agrees, through an independent client.
  auto client = client::Client::Connect(server.address());
  v1::ListEventTrackersRequest trackers;
  trackers.set_dataset_group(group);
  auto listed = client->ListEventTrackers(trackers);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(listed->event_trackers(), SizeIs(1));
  EXPECT_EQ(listed->event_trackers(0).tracking_id(), tracking_id);
  v1::GetUserHistoryRequest request;
  request.set_dataset_group(group);
  request.set_user_id("user-1");
  auto stored = client->GetUserHistory(request);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_THAT(stored->events(), SizeIs(3));
  const v1::StoredEvent& click = stored->events(2);
  EXPECT_EQ(click.event().recommendation_id(), recommendation_id);
  EXPECT_THAT(click.effective_impression(), ::testing::ElementsAreArray(recommended));
  EXPECT_EQ(click.attribution_source(), "default");
}

INSTANTIATE_TEST_SUITE_P(Languages, ClientExampleTest,
                         ::testing::Values("python", "node", "go", "java"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace recloop

// The recloop CLI as a user runs it: the built binary against the built
// recloopd, checked through the client library.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/process.h"
#include "tests/testing/recloopd_process.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RecloopdProcess>(dir_.Sub("data"), dir_.Sub("recloopd.log"));
    ASSERT_TRUE(server_->started()) << ReadFile(dir_.Sub("recloopd.log"));
    client_ = client::Client::Connect(server_->address());
    v1::CreateDatasetGroupRequest group;
    group.set_name("shop");
    ASSERT_TRUE(client_->CreateDatasetGroup(group).ok());
    v1::CreateEventTrackerRequest tracker;
    tracker.set_name("web");
    tracker.set_dataset_group("shop");
    auto created = client_->CreateEventTracker(tracker);
    ASSERT_TRUE(created.ok()) << created.status();
    tracking_id_ = created->tracking_id();
  }

  CommandResult Cli(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {BinaryFromEnv("RECLOOP_CLI"), "--address=" + server_->address()});
    return RunCommand(args, input);
  }

  int HistorySize(const std::string& user) {
    v1::GetUserHistoryRequest request;
    request.set_dataset_group("shop");
    request.set_user_id(user);
    auto history = client_->GetUserHistory(request);
    EXPECT_TRUE(history.ok()) << history.status();
    return history.ok() ? history->events_size() : -1;
  }

  TempDir dir_;
  std::unique_ptr<RecloopdProcess> server_;
  std::unique_ptr<client::Client> client_;
  std::string tracking_id_;
};

TEST_F(CliTest, ImportsJsonLinesFromStdinWithProgress) {
  std::string input;
  for (int i = 0; i < 250; ++i) {
    absl::StrAppend(&input, R"({"user_id": "u)", i % 5, R"(", "item_id": "i)", i,
                    R"(", "event_type": "view", "sent_at": )", 1700000000 + i, "}\n");
  }
  input += "\n";  // blank lines are skipped
  CommandResult result = Cli({"put-events", "--input_format=jsonl",
                              "--tracking_id=" + tracking_id_, "--progress=true"},
                             input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"stored\": 250"));
  EXPECT_THAT(result.out, HasSubstr("\"failed\": 0"));
  // 5 users x 50 events: full batches of 10.
  EXPECT_THAT(result.out, HasSubstr("\"calls\": 25"));
  EXPECT_THAT(result.err, HasSubstr("put-events: 250 events read, 250 stored, 0 failed"));
  EXPECT_THAT(result.err, HasSubstr("events/s"));
  for (int u = 0; u < 5; ++u) EXPECT_EQ(HistorySize(absl::StrCat("u", u)), 50);
  // Importing the same lines again stores nothing new: the file names no
  // event_ids, but the server recognises the same events.
  CommandResult again = Cli({"put-events", "--input_format=jsonl",
                             "--tracking_id=" + tracking_id_}, input);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("\"duplicates\": 250"));
  EXPECT_EQ(HistorySize("u0"), 50);
}

TEST_F(CliTest, ImportsAPersonalizeInteractionsCsv) {
  const std::string csv =
      "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE,IMPRESSION\n"
      "u1,i1,1700000000,watch,4,i1|i2\n"
      "u1,\"i,2\",1700000001,watch,,\n"
      "u2,i1,1700000002,,5,\n";
  CommandResult result = Cli({"put-events", "--input_format=csv",
                              "--tracking_id=" + tracking_id_, "--event_type=rating",
                              "--output=table"},
                             csv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("stored: 3\n"));
  EXPECT_EQ(HistorySize("u1"), 2);
  CommandResult history = Cli({"history", "--dataset_group=shop", "--user_id=u2",
                               "--output=table"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("rating"));  // the --event_type default
  CommandResult u1 = Cli({"history", "--dataset_group=shop", "--user_id=u1"});
  EXPECT_THAT(u1.out, HasSubstr("\"i,2\""));
}

TEST_F(CliTest, EventsOnStdinNeedNoFormatFlag) {
  // No --event_type or --item_id, events piped in: read as JSON lines when
  // the first line is an object, as CSV otherwise.
  CommandResult jsonl = Cli({"put-events", "--tracking-id=" + tracking_id_},
                            "\n{\"user_id\": \"j\", \"item_id\": \"i1\", \"event_type\": \"v\"}\n");
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_EQ(HistorySize("j"), 1);
  CommandResult csv = Cli({"put-events", "--tracking_id=" + tracking_id_},
                          "user_id,item_id,event_type\nc,i1,v\nc,i2,v\n");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(HistorySize("c"), 2);
  // Nothing on stdin and no event flags: a usage error, not an empty import.
  EXPECT_EQ(Cli({"put-events", "--tracking_id=" + tracking_id_}).exit_code, 2);
}

TEST_F(CliTest, FlagsMaySpellWithDashes) {
  const std::string schema = dir_.Sub("schema.json");
  {
    std::ofstream out(schema);
    out << R"({"type": "record", "name": "Interactions", "fields": [
      {"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
      {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"},
      {"name": "DEVICE", "type": "string", "categorical": true}], "version": "1.0"})";
  }
  CommandResult created = Cli({"create-dataset-group", "--name=typed", "--schema-file", schema});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("DEVICE"));
  CommandResult tracker = Cli({"create-event-tracker", "--name=typed-web",
                               "--dataset-group=typed", "--output", "table"});
  ASSERT_EQ(tracker.exit_code, 0) << tracker.err;
  EXPECT_THAT(tracker.out, HasSubstr("dataset_group: typed\n"));
}

TEST_F(CliTest, TableOutputForPeople) {
  for (const char* user : {"a", "b"}) {
    ASSERT_EQ(Cli({"put-events", "--tracking_id=" + tracking_id_, std::string("--user_id=") + user,
                   "--session_id=s", "--event_type=view", "--item_id=X"})
                  .exit_code,
              0);
  }
  ASSERT_EQ(Cli({"put-events", "--tracking_id=" + tracking_id_, "--user_id=c",
                 "--session_id=s", "--event_type=view", "--item_id=Y"})
                .exit_code,
            0);
  CommandResult recs = Cli({"get-recommendations", "--dataset_group=shop", "--user_id=c",
                            "--output=table"});
  ASSERT_EQ(recs.exit_code, 0) << recs.err;
  EXPECT_THAT(recs.out, StartsWith("item_id  score\nX        "));
  EXPECT_THAT(recs.out, HasSubstr("\nrecommendation_id: RID-"));
  CommandResult groups = Cli({"list-dataset-groups", "--output=table"});
  ASSERT_EQ(groups.exit_code, 0) << groups.err;
  EXPECT_THAT(groups.out, StartsWith("name  schema"));
  EXPECT_THAT(groups.out, HasSubstr("\nshop  {"));
  EXPECT_THAT(groups.out, Not(HasSubstr("{\n")));  // not JSON
}

TEST_F(CliTest, ErrorsPrintTheStatusAndExitNonZero) {
  // A line the CLI cannot read: what came before it is sent, then exit 1.
  CommandResult bad_line = Cli({"put-events", "--input_format=jsonl",
                                "--tracking_id=" + tracking_id_},
                               "{\"user_id\": \"u1\", \"item_id\": \"i1\", \"event_type\": \"v\"}\n"
                               "{\"user_id\": \"u1\", \"item\": \"i2\"}\n");
  EXPECT_EQ(bad_line.exit_code, 1);
  EXPECT_THAT(bad_line.err, HasSubstr("INVALID_ARGUMENT: line 2: item: unknown field"));
  EXPECT_EQ(HistorySize("u1"), 1);

  // Calls the server rejects: reported with their status, exit 1.
  CommandResult rejected = Cli({"put-events", "--input_format=jsonl", "--tracking_id=nope"},
                               "{\"user_id\": \"u9\", \"item_id\": \"i1\", \"event_type\": \"v\"}\n");
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_THAT(rejected.err, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(rejected.out, HasSubstr("\"failed\": 1"));

  CommandResult missing = Cli({"describe-dataset-group", "--name=nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("error: NOT_FOUND"));

  EXPECT_EQ(Cli({"list-dataset-groups", "--output=xml"}).exit_code, 2);
  EXPECT_EQ(Cli({"put-events", "--input_format=xml"}).exit_code, 2);
  EXPECT_EQ(Cli({"no-such-command"}).exit_code, 2);

  // No server: UNAVAILABLE after the retries.
  CommandResult down = RunCommand({BinaryFromEnv("RECLOOP_CLI"),
                                   absl::StrCat("--address=127.0.0.1:", PickFreePort()),
                                   "--timeout=2s", "--max_attempts=2", "list-dataset-groups"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.err, HasSubstr("error: UNAVAILABLE"));
}

}  // namespace
}  // namespace recloop

#include "client/cli_commands.h"

#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/cli_import.h"
#include "client/client.h"
#include "client/table_output.h"
#include "google/protobuf/util/json_util.h"

namespace recloop::cli {
namespace internal {

int PrintStatus(const absl::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return 1;
}

bool TableOutput(const CliOptions& options) {
  if (options.output == "table") return true;
  if (options.output != "json") throw UsageError{"--output is json or table"};
  return false;
}

}  // namespace internal

namespace {

using internal::PrintStatus;
using internal::TableOutput;
using internal::UsageError;

int Print(const google::protobuf::Message& message, const CliOptions& options) {
  if (TableOutput(options)) {
    std::cout << client::RenderTable(message);
    return 0;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.add_whitespace = true;
  json_options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, json_options);
  std::cout << json;
  return 0;
}

template <typename Response>
int Print(const absl::StatusOr<Response>& response, const CliOptions& options) {
  if (!response.ok()) return PrintStatus(response.status());
  return Print(*response, options);
}

std::string Required(const std::string& value, const char* name) {
  if (value.empty()) throw UsageError{absl::StrCat("--", name, " is required")};
  return value;
}

google::protobuf::Timestamp ParseSentAt(const std::string& text) {
  absl::Time t;
  int64_t seconds;
  if (text == "now") {
    t = absl::Now();
  } else if (absl::SimpleAtoi(text, &seconds)) {
    t = absl::FromUnixSeconds(seconds);
  } else {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
      throw UsageError{absl::StrCat("--sent_at: ", err)};
    }
  }
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  ts.set_seconds(nanos / 1000000000);
  ts.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return ts;
}

void FillContext(const CliOptions& options,
                 google::protobuf::Map<std::string, std::string>* context) {
  for (const std::string& pair : options.context) {
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2) throw UsageError{"--context entries are KEY=VALUE"};
    (*context)[kv[0]] = kv[1];
  }
}

// One function per command. Each builds its request from the flags, checking
// them in the order they are listed, makes the call and prints the response.

int CreateDatasetGroup(client::Client& client, const CliOptions& options) {
  v1::CreateDatasetGroupRequest r;
  r.set_name(Required(options.name, "name"));
  if (const std::string& path = options.schema_file; !path.empty()) {
    std::ifstream in(path);
    if (!in) throw UsageError{absl::StrCat("--schema_file: cannot read ", path)};
    std::stringstream text;
    text << in.rdbuf();
    r.set_schema(text.str());
  }
  return Print(client.CreateDatasetGroup(r), options);
}

int DescribeDatasetGroup(client::Client& client, const CliOptions& options) {
  v1::DescribeDatasetGroupRequest r;
  r.set_name(Required(options.name, "name"));
  return Print(client.DescribeDatasetGroup(r), options);
}

int ListDatasetGroups(client::Client& client, const CliOptions& options) {
  v1::ListDatasetGroupsRequest r;
  r.set_max_results(options.max_results);
  r.set_next_token(options.next_token);
  return Print(client.ListDatasetGroups(r), options);
}

int DeleteDatasetGroup(client::Client& client, const CliOptions& options) {
  v1::DeleteDatasetGroupRequest r;
  r.set_name(Required(options.name, "name"));
  return Print(client.DeleteDatasetGroup(r), options);
}

int CreateEventTracker(client::Client& client, const CliOptions& options) {
  v1::CreateEventTrackerRequest r;
  r.set_name(Required(options.name, "name"));
  r.set_dataset_group(Required(options.dataset_group, "dataset_group"));
  return Print(client.CreateEventTracker(r), options);
}

int DescribeEventTracker(client::Client& client, const CliOptions& options) {
  v1::DescribeEventTrackerRequest r;
  r.set_name(Required(options.name, "name"));
  return Print(client.DescribeEventTracker(r), options);
}

int ListEventTrackers(client::Client& client, const CliOptions& options) {
  v1::ListEventTrackersRequest r;
  r.set_dataset_group(options.dataset_group);
  r.set_max_results(options.max_results);
  r.set_next_token(options.next_token);
  return Print(client.ListEventTrackers(r), options);
}

int DeleteEventTracker(client::Client& client, const CliOptions& options) {
  v1::DeleteEventTrackerRequest r;
  r.set_name(Required(options.name, "name"));
  return Print(client.DeleteEventTracker(r), options);
}

// put-events: the one event the flags describe, or the events on standard
// input (see cli_import.h).
int PutEvents(client::Client& client, const CliOptions& options) {
  if (internal::ImportsFromStdin(options)) return internal::ImportEvents(client, options);
  v1::PutEventsRequest r;
  r.set_tracking_id(Required(options.tracking_id, "tracking_id"));
  r.set_session_id(Required(options.session_id, "session_id"));
  r.set_user_id(options.user_id);
  v1::Event* e = r.add_event_list();
  e->set_event_type(Required(options.event_type, "event_type"));
  e->set_event_id(options.event_id);
  e->set_item_id(options.item_id);
  e->set_properties(options.properties);
  e->set_recommendation_id(options.recommendation_id);
  *e->mutable_sent_at() = ParseSentAt(options.sent_at);
  for (const std::string& item : options.impression) {
    e->add_impression(item);
  }
  if (const std::string& v = options.event_value; !v.empty()) {
    float value;
    if (!absl::SimpleAtof(v, &value)) throw UsageError{"--event_value: not a number"};
    e->set_event_value(value);
  }
  if (const std::string& s = options.attribution_source; !s.empty()) {
    e->mutable_metric_attribution()->set_event_attribution_source(s);
  }
  return Print(client.PutEvents(r), options);
}

int History(client::Client& client, const CliOptions& options) {
  v1::GetUserHistoryRequest r;
  r.set_dataset_group(Required(options.dataset_group, "dataset_group"));
  r.set_user_id(Required(options.user_id, "user_id"));
  r.set_max_results(options.max_results);
  return Print(client.GetUserHistory(r), options);
}

int GetRecommendations(client::Client& client, const CliOptions& options) {
  v1::GetRecommendationsRequest r;
  r.set_dataset_group(Required(options.dataset_group, "dataset_group"));
  r.set_recommender(options.recommender);
  r.set_user_id(options.user_id);
  r.set_item_id(options.item_id);
  r.set_num_results(options.num_results);
  FillContext(options, r.mutable_context());
  return Print(client.GetRecommendations(r), options);
}

int GetPersonalizedRanking(client::Client& client, const CliOptions& options) {
  v1::GetPersonalizedRankingRequest r;
  r.set_dataset_group(Required(options.dataset_group, "dataset_group"));
  r.set_recommender(options.recommender);
  r.set_user_id(Required(options.user_id, "user_id"));
  for (const std::string& item : options.input_list) {
    r.add_input_list(item);
  }
  FillContext(options, r.mutable_context());
  return Print(client.GetPersonalizedRanking(r), options);
}

int CreateRecommender(client::Client& client, const CliOptions& options) {
  v1::CreateRecommenderRequest r;
  r.set_name(Required(options.name, "name"));
  r.set_dataset_group(Required(options.dataset_group, "dataset_group"));
  r.set_recipe(options.recipe);
  if (const std::string& config = options.config; !config.empty()) {
    google::protobuf::util::JsonParseOptions json_options;
    json_options.ignore_unknown_fields = false;
    auto parsed = google::protobuf::util::JsonStringToMessage(config, r.mutable_config(),
                                                              json_options);
    if (!parsed.ok()) {
      throw UsageError{absl::StrCat("--config: ", parsed.message().as_string())};
    }
  }
  return Print(client.CreateRecommender(r), options);
}

int DescribeRecommender(client::Client& client, const CliOptions& options) {
  v1::DescribeRecommenderRequest r;
  r.set_name(Required(options.name, "name"));
  r.set_dataset_group(Required(options.dataset_group, "dataset_group"));
  return Print(client.DescribeRecommender(r), options);
}

int ListRecommenders(client::Client& client, const CliOptions& options) {
  v1::ListRecommendersRequest r;
  r.set_dataset_group(options.dataset_group);
  r.set_max_results(options.max_results);
  r.set_next_token(options.next_token);
  return Print(client.ListRecommenders(r), options);
}

int DeleteRecommender(client::Client& client, const CliOptions& options) {
  v1::DeleteRecommenderRequest r;
  r.set_name(Required(options.name, "name"));
  r.set_dataset_group(Required(options.dataset_group, "dataset_group"));
  return Print(client.DeleteRecommender(r), options);
}

struct Command {
  const char* name;
  int (*run)(client::Client& client, const CliOptions& options);
};

// The names are those of the usage message in recloop_cli.cc.
constexpr Command kCommands[] = {
    {"create-dataset-group", CreateDatasetGroup},
    {"describe-dataset-group", DescribeDatasetGroup},
    {"list-dataset-groups", ListDatasetGroups},
    {"delete-dataset-group", DeleteDatasetGroup},
    {"create-event-tracker", CreateEventTracker},
    {"describe-event-tracker", DescribeEventTracker},
    {"list-event-trackers", ListEventTrackers},
    {"delete-event-tracker", DeleteEventTracker},
    {"put-events", PutEvents},
    {"history", History},
    {"get-recommendations", GetRecommendations},
    {"get-personalized-ranking", GetPersonalizedRanking},
    {"create-recommender", CreateRecommender},
    {"describe-recommender", DescribeRecommender},
    {"list-recommenders", ListRecommenders},
    {"delete-recommender", DeleteRecommender},
};

int Run(const std::string& command, const CliOptions& options) {
  (void)TableOutput(options);  // checks --output before any call
  client::ClientOptions client_options;
  client_options.timeout = options.timeout;
  client_options.max_attempts = options.max_attempts;
  std::unique_ptr<client::Client> client =
      client::Client::Connect(options.address, client_options);
  for (const Command& c : kCommands) {
    if (command == c.name) return c.run(*client, options);
  }
  throw UsageError{absl::StrCat("unknown command \"", command, "\"")};
}

}  // namespace

int RunCommand(const std::string& command, const CliOptions& options) {
  try {
    return Run(command, options);
  } catch (const UsageError& e) {
    std::cerr << "usage error: " << e.message << "\n";
    return 2;
  }
}

}  // namespace recloop::cli

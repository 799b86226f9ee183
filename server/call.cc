#include "server/call.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/support/proto_buffer_reader.h"

namespace recloop {
namespace {

// The parse error libprotobuf logged on this thread during ParseRequest.
thread_local std::string* parse_error = nullptr;

void HandleProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                       const std::string& message) {
  if (parse_error != nullptr) {
    *parse_error = message;
    return;
  }
  static RateLimitedLog log(absl::Seconds(1));
  log.Error(absl::StrCat("libprotobuf ", filename, ":", line, ": ", message));
}

}  // namespace

void InstallProtobufLogHandler() { google::protobuf::SetLogHandler(&HandleProtobufLog); }

absl::Status ParseRequest(const grpc::ByteBuffer& raw,
                          google::protobuf::Message* message) {
  std::string error;
  parse_error = &error;
  grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(&raw));
  const bool parsed = message->ParseFromZeroCopyStream(&reader);
  parse_error = nullptr;
  if (parsed) return absl::OkStatus();
  std::string why = "its bytes are not a valid protobuf message of that type";
  if (absl::StrContains(error, "invalid UTF-8")) {
    // "String field 'recloop.v1.Event.item_id' contains invalid UTF-8 data
    // when parsing a protocol buffer. ..."
    const size_t open = error.find('\'');
    const size_t close = open == std::string::npos ? open : error.find('\'', open + 1);
    why = close == std::string::npos
              ? "a string field is not valid UTF-8"
              : absl::StrCat("string field ", error.substr(open + 1, close - open - 1),
                             " is not valid UTF-8");
  }
  static RateLimitedLog log(absl::Seconds(1));
  log.Error(absl::StrCat("refused a ", message->GetTypeName(), ": ", why));
  return absl::InvalidArgumentError(
      absl::StrCat("request: not a valid ", message->GetTypeName(), ": ", why));
}

}  // namespace recloop

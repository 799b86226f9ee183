// libFuzzer target for PutEvents validation: the field limits, the
// properties JSON and its schema-driven type checks.
//
// The input is a PutEventsRequest in protobuf wire format; when it does not
// parse, the raw bytes are tried as an event's properties string instead.
// Either way nothing may crash, and a request the validators accept must
// satisfy the limits they promise.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "domain/request_validation.h"
#include "domain/schema.h"
#include "recloop/v1/recloop.pb.h"

namespace {

const recloop::InteractionsSchema& Schema() {
  static const auto* schema = new recloop::InteractionsSchema(*recloop::InteractionsSchema::Parse(
      R"({"type":"record","name":"Interactions","fields":[)"
      R"({"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},)"
      R"({"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"},)"
      R"({"name":"EVENT_VALUE","type":"float"},)"
      R"({"name":"NUM_RATINGS","type":"int"},{"name":"PRICE","type":["null","double"]},)"
      R"({"name":"DEVICE","type":"string","categorical":true},)"
      R"({"name":"PREMIUM","type":"boolean"}]})"));
  return *schema;
}

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  recloop::v1::PutEventsRequest request;
  if (!request.ParseFromString(bytes)) {
    (void)Schema().ValidateProperties(bytes, "event_list[0].properties");
    (void)Schema().EventContexts(bytes);
    return 0;
  }
  if (!recloop::ValidatePutEventsRequest(request).ok()) return 0;
  // Accepted: the promised limits hold.
  Check(request.event_list_size() >= 1 && request.event_list_size() <= 10);
  Check(!request.tracking_id().empty() && !request.session_id().empty());
  for (const auto& event : request.event_list()) {
    Check(event.has_sent_at());
    Check(!event.event_type().empty());
    Check(event.impression_size() <= 25);
    Check(recloop::Utf8Length(event.item_id()).value_or(999) <= 256);
    Check(recloop::Utf8Length(event.properties()).value_or(9999) <= 1024);
    auto props = Schema().ValidateProperties(event.properties(), "p");
    if (props.ok()) {
      for (const auto& [field, value] : props->categories) Check(field == "DEVICE");
    }
  }
  // Completed events keep the limits, whatever the properties merged in.
  auto completed = recloop::CompleteEvents(request, Schema());
  if (completed.ok()) {
    Check(completed->size() == static_cast<size_t>(request.event_list_size()));
    for (const auto& event : *completed) {
      Check(!event.event_id().empty());
      Check(recloop::Utf8Length(event.item_id()).value_or(999) <= 256);
    }
  }
  return 0;
}

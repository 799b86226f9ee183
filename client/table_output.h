// Renders API responses as plain-text tables, for `recloop --output table`.
#ifndef RECLOOP_CLIENT_TABLE_OUTPUT_H_
#define RECLOOP_CLIENT_TABLE_OUTPUT_H_

#include <string>

#include "google/protobuf/message.h"

namespace recloop::client {

// A response with a list (item_list, events, dataset_groups, ...) becomes
// one row per element, with a column per field that is set in some row
// (nested fields as `event.item_id`, lists joined by commas, timestamps in
// RFC 3339), followed by the other fields as `name: value` lines. Any other
// message becomes `name: value` lines.
std::string RenderTable(const google::protobuf::Message& message);

}  // namespace recloop::client

#endif  // RECLOOP_CLIENT_TABLE_OUTPUT_H_

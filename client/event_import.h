// Reading events to import: JSON lines and CSV, as `recloop put-events`
// takes them on standard input.
//
// Both name the same fields, one event per line:
//   user_id, session_id, event_type, item_id, event_value, sent_at,
//   event_id, recommendation_id, impression, properties,
//   attribution_source, tracking_id
// sent_at is RFC 3339 or unix seconds; impression is a list (JSON) or items
// separated by '|' (CSV, as in Personalize's interactions files); properties
// is a JSON object (or its text). CSV needs a header row; its column names
// are matched case-insensitively and TIMESTAMP means sent_at, so a
// Personalize interactions CSV (USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,...)
// reads as it is. Unknown fields are errors, so a typo is not dropped.
#ifndef RECLOOP_CLIENT_EVENT_IMPORT_H_
#define RECLOOP_CLIENT_EVENT_IMPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop::client {

// One event read from an import, with where it goes.
struct ImportedEvent {
  std::string tracking_id;
  std::string user_id;
  std::string session_id;
  v1::Event event;
};

// What a line that leaves a field out gets.
struct ImportDefaults {
  std::string tracking_id;
  // Empty: the line's user_id, so each user's events form one session.
  std::string session_id;
  std::string event_type;
};

// Parses one JSON object. Errors name the field.
absl::StatusOr<ImportedEvent> ParseJsonLine(absl::string_view line,
                                            const ImportDefaults& defaults);

// Splits one CSV record (RFC 4180 quoting, no line breaks inside fields).
absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line);

class CsvEventReader {
 public:
  // From the header row.
  static absl::StatusOr<CsvEventReader> Create(absl::string_view header,
                                               ImportDefaults defaults);
  // Parses one data row. Errors name the column.
  absl::StatusOr<ImportedEvent> Parse(absl::string_view line) const;

 private:
  CsvEventReader(std::vector<std::string> columns, ImportDefaults defaults)
      : columns_(std::move(columns)), defaults_(std::move(defaults)) {}

  std::vector<std::string> columns_;  // field names, in column order
  ImportDefaults defaults_;
};

}  // namespace recloop::client

#endif  // RECLOOP_CLIENT_EVENT_IMPORT_H_

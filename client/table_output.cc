#include "client/table_output.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/proto_time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"

namespace recloop::client {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

using Cells = std::vector<std::pair<std::string, std::string>>;

std::string Scalar(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool repeated = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(repeated ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(repeated ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(repeated ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(repeated ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return repeated ? r->GetRepeatedEnum(m, f, index)->name() : r->GetEnum(m, f)->name();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

// Appends the set fields of `m` as (name, text) cells, nested ones prefixed.
void Flatten(const Message& m, const std::string& prefix, Cells* out) {
  if (m.GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
    const auto& ts = static_cast<const google::protobuf::Timestamp&>(m);
    out->emplace_back(prefix.empty() ? "time" : prefix.substr(0, prefix.size() - 1),
                      absl::FormatTime(absl::RFC3339_full, FromProtoTimestamp(ts),
                                       absl::UTCTimeZone()));
    return;
  }
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string name = prefix + f->name();
    if (f->is_map()) {
      std::vector<std::string> pairs;
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        const Message& entry = r->GetRepeatedMessage(m, f, i);
        const auto* d = entry.GetDescriptor();
        pairs.push_back(absl::StrCat(Scalar(entry, d->field(0), 0), "=",
                                     Scalar(entry, d->field(1), 0)));
      }
      std::sort(pairs.begin(), pairs.end());
      out->emplace_back(name, absl::StrJoin(pairs, ","));
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        out->emplace_back(name, absl::StrCat(r->FieldSize(m, f), " entries"));
      } else {
        Flatten(r->GetMessage(m, f), name + ".", out);
      }
    } else if (f->is_repeated()) {
      std::vector<std::string> values;
      for (int i = 0; i < r->FieldSize(m, f); ++i) values.push_back(Scalar(m, f, i));
      out->emplace_back(name, absl::StrJoin(values, ","));
    } else {
      out->emplace_back(name, Scalar(m, f, 0));
    }
  }
}

std::string Lines(const Cells& cells) {
  std::string text;
  for (const auto& [name, value] : cells) absl::StrAppend(&text, name, ": ", value, "\n");
  return text;
}

}  // namespace

std::string RenderTable(const Message& message) {
  const auto* descriptor = message.GetDescriptor();
  const FieldDescriptor* list = nullptr;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* f = descriptor->field(i);
    if (f->is_repeated() && !f->is_map() &&
        f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      list = f;
      break;
    }
  }
  Cells others;
  Flatten(message, "", &others);
  if (list == nullptr) return others.empty() ? "(empty)\n" : Lines(others);
  others.erase(std::remove_if(others.begin(), others.end(),
                              [&](const auto& cell) { return cell.first == list->name(); }),
               others.end());

  // Columns in first-seen order; rows as cells by column.
  std::vector<std::string> columns;
  absl::flat_hash_map<std::string, size_t> column_index;
  std::vector<std::vector<std::string>> rows;
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < r->FieldSize(message, list); ++i) {
    Cells cells;
    Flatten(r->GetRepeatedMessage(message, list, i), "", &cells);
    std::vector<std::string> row(columns.size());
    for (auto& [name, value] : cells) {
      auto [it, added] = column_index.emplace(name, columns.size());
      if (added) columns.push_back(name);
      if (row.size() < columns.size()) row.resize(columns.size());
      row[it->second] = std::move(value);
    }
    rows.push_back(std::move(row));
  }
  std::string text;
  if (rows.empty()) {
    absl::StrAppend(&text, "(no ", list->name(), ")\n");
  } else {
    std::vector<size_t> width(columns.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      width[c] = columns[c].size();
      for (auto& row : rows) {
        row.resize(columns.size());
        width[c] = std::max(width[c], row[c].size());
      }
    }
    auto append_row = [&](const std::vector<std::string>& cells) {
      std::string line;
      for (size_t c = 0; c < cells.size(); ++c) {
        absl::StrAppend(&line, cells[c]);
        if (c + 1 < cells.size()) line.append(width[c] - cells[c].size() + 2, ' ');
      }
      absl::StrAppend(&text, absl::StripTrailingAsciiWhitespace(line), "\n");
    };
    append_row(columns);
    for (const auto& row : rows) append_row(row);
  }
  absl::StrAppend(&text, Lines(others));
  return text;
}

}  // namespace recloop::client

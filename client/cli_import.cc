#include "client/cli_import.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/event_buffer.h"
#include "client/event_import.h"

namespace recloop::cli::internal {
namespace {

// Prints how far an import got, on stderr: in place on a terminal, one line
// per interval otherwise.
class Progress {
 public:
  explicit Progress(const CliOptions& options)
      : interval_(options.progress_interval), start_(absl::Now()), last_(start_) {
    const std::string& flag = options.progress;
    terminal_ = isatty(STDERR_FILENO) == 1;
    if (flag == "auto") {
      enabled_ = terminal_;
    } else if (flag == "true" || flag == "false") {
      enabled_ = flag == "true";
    } else {
      throw UsageError{"--progress is auto, true or false"};
    }
  }

  void Tick(int64_t read, const client::EventBufferStats& stats) {
    const absl::Time now = absl::Now();
    if (!enabled_ || now - last_ < interval_) return;
    last_ = now;
    Print(read, stats, now, terminal_ ? "\r" : "", terminal_ ? "" : "\n");
  }

  void Done(int64_t read, const client::EventBufferStats& stats) {
    if (enabled_) Print(read, stats, absl::Now(), terminal_ ? "\r" : "", "\n");
  }

  double Seconds() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

 private:
  void Print(int64_t read, const client::EventBufferStats& stats, absl::Time now,
             const char* begin, const char* end) {
    const double seconds = std::max(absl::ToDoubleSeconds(now - start_), 1e-9);
    std::cerr << absl::StrFormat(
                     "%sput-events: %d events read, %d stored, %d failed, %.0f events/s%s",
                     begin, read, stats.stored + stats.duplicates, stats.failed,
                     (stats.stored + stats.duplicates) / seconds, end)
              << std::flush;
  }

  const absl::Duration interval_;
  const absl::Time start_;
  absl::Time last_;
  bool terminal_ = false;
  bool enabled_ = false;
};

// Where reading standard input resumes after the format is known.
struct InputStart {
  std::string format;      // jsonl or csv
  std::string first_line;  // the first non-blank line, empty if there is none
  int64_t line_number = 0;  // of the line before first_line
};

// Checks --input_format and skips leading blank lines; with auto (or no
// format), the first line decides: JSON lines if it is an object, CSV
// otherwise.
InputStart StartInput(const std::string& input_format) {
  InputStart start;
  start.format = input_format.empty() ? "auto" : input_format;
  if (start.format != "jsonl" && start.format != "csv" && start.format != "auto") {
    throw UsageError{"--input_format is jsonl, csv or auto"};
  }
  std::string& line = start.first_line;
  while (std::getline(std::cin, line) && absl::StripAsciiWhitespace(line).empty()) {
    ++start.line_number;
  }
  if (std::cin.fail() && absl::StripAsciiWhitespace(line).empty()) {
    if (start.format == "auto") {
      throw UsageError{
          "--event_type is required (or events, one per line, on standard input)"};
    }
    line.clear();
  }
  if (start.format == "auto") {
    start.format =
        absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "{") ? "jsonl" : "csv";
  }
  return start;
}

// How far reading got: events handed to the buffer, the last line number
// read, and why reading stopped early (OK if it reached the end).
struct ReadResult {
  int64_t read = 0;
  int64_t line_number = 0;
  absl::Status error;
};

// Parses the lines from `start` on and adds their events to `buffer`, up to
// the end of standard input or the first line that is unreadable or that the
// buffer refuses.
ReadResult ReadEvents(InputStart start, const client::ImportDefaults& defaults,
                      client::EventBuffer& buffer, Progress& progress) {
  ReadResult result;
  result.line_number = start.line_number;
  std::string& line = start.first_line;
  std::optional<client::CsvEventReader> csv;
  for (bool have = !line.empty(); have || std::getline(std::cin, line); have = false) {
    ++result.line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    if (start.format == "csv" && !csv.has_value()) {
      auto reader = client::CsvEventReader::Create(line, defaults);
      if (!reader.ok()) {
        result.error = reader.status();
        break;
      }
      csv.emplace(*std::move(reader));
      continue;
    }
    absl::StatusOr<client::ImportedEvent> event =
        start.format == "csv" ? csv->Parse(line) : client::ParseJsonLine(line, defaults);
    const absl::Status added =
        event.ok() ? buffer.Add(event->tracking_id, event->user_id, event->session_id,
                                std::move(event->event))
                   : event.status();
    if (!added.ok()) {
      result.error = added;
      break;
    }
    ++result.read;
    progress.Tick(result.read, buffer.stats());
  }
  return result;
}

// Prints the summary of an import on stdout, and the input error, if any, on
// stderr. Returns the exit code.
int Report(const ReadResult& result, const absl::Status& sent,
           const client::EventBufferStats& stats, double seconds, bool table) {
  const double rate = seconds > 0 ? (stats.stored + stats.duplicates) / seconds : 0;
  if (table) {
    std::cout << absl::StrFormat(
        "read: %d\nstored: %d\nduplicates: %d\nfailed: %d\ncalls: %d\nseconds: %.3f\n"
        "events_per_second: %.0f\n",
        result.read, stats.stored, stats.duplicates, stats.failed, stats.calls, seconds,
        rate);
  } else {
    std::cout << absl::StrFormat(
        "{\n \"read\": %d,\n \"stored\": %d,\n \"duplicates\": %d,\n \"failed\": %d,\n"
        " \"calls\": %d,\n \"seconds\": %.3f,\n \"events_per_second\": %.0f\n}\n",
        result.read, stats.stored, stats.duplicates, stats.failed, stats.calls, seconds,
        rate);
  }
  if (!result.error.ok()) {
    return PrintStatus(absl::Status(
        result.error.code(),
        absl::StrCat("line ", result.line_number, ": ", result.error.message(),
                     " (the lines before it were sent)")));
  }
  return sent.ok() ? 0 : 1;
}

}  // namespace

bool ImportsFromStdin(const CliOptions& options) {
  return !options.input_format.empty() ||
         (options.event_type.empty() && options.item_id.empty() &&
          isatty(STDIN_FILENO) != 1);
}

int ImportEvents(client::Client& client, const CliOptions& options) {
  InputStart start = StartInput(options.input_format);
  const client::ImportDefaults defaults{options.tracking_id, options.session_id,
                                        options.event_type};
  Progress progress(options);
  client::EventBufferOptions buffer_options;
  buffer_options.max_delay = options.flush_interval;
  buffer_options.on_error = [](const absl::Status& status,
                               const v1::PutEventsRequest& request) {
    std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << " (" << request.event_list_size()
              << " events of user \"" << request.user_id() << "\", session \""
              << request.session_id() << "\" not stored)\n";
  };
  client::EventBuffer buffer(&client, buffer_options);

  const ReadResult result = ReadEvents(std::move(start), defaults, buffer, progress);
  const absl::Status sent = buffer.Close();
  const client::EventBufferStats stats = buffer.stats();
  progress.Done(result.read, stats);
  return Report(result, sent, stats, progress.Seconds(), TableOutput(options));
}

}  // namespace recloop::cli::internal

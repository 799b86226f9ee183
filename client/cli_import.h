// `recloop put-events` reading events from standard input: JSON lines or
// CSV (see event_import.h), sent in batches through an EventBuffer.
#ifndef RECLOOP_CLIENT_CLI_IMPORT_H_
#define RECLOOP_CLIENT_CLI_IMPORT_H_

#include "client/cli_commands.h"
#include "client/client.h"

namespace recloop::cli::internal {

// Whether put-events reads standard input rather than sending the one event
// its flags describe: --input_format is given, or neither --event_type nor
// --item_id is and standard input is not a terminal.
bool ImportsFromStdin(const CliOptions& options);

// Sends the events on standard input and prints a summary (read, stored,
// duplicates, failed, calls, seconds, events_per_second) on stdout. Stops at
// the first unreadable line, after sending what came before it. Returns the
// exit code; throws UsageError for bad flags or, without --input_format, an
// empty standard input.
int ImportEvents(client::Client& client, const CliOptions& options);

}  // namespace recloop::cli::internal

#endif  // RECLOOP_CLIENT_CLI_IMPORT_H_

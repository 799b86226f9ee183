// Walks through recloop's API with @grpc/grpc-js: it creates a dataset group
// and its event tracker, sends events, asks for recommendations, reports a
// click on one of them and reads the user's history back.
//
//   node example.js 127.0.0.1:50051
//
// There is no code generation step: @grpc/proto-loader reads
// proto/recloop/v1/recloop.proto when the program starts and grpc-js builds
// the client classes from it. Results go to stdout, one "key: value" line
// each; errors go to stderr and exit with status 1. The dataset group is
// left in place.
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const { promisify } = require('node:util');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// Every call gets its own deadline.
const CALL_TIMEOUT_MS = 10_000;

// Load the proto. keepCase keeps the proto's snake_case field names
// (tracking_id, not trackingId). google/protobuf/timestamp.proto, which it
// imports, is bundled with proto-loader, so only the repo's proto/ folder
// is needed on the include path.
const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');
const packageDefinition = protoLoader.loadSync('recloop/v1/recloop.proto', {
  includeDirs: [PROTO_DIR],
  keepCase: true,
  longs: String, // int64 fields (such as Timestamp.seconds) as strings
  enums: String,
  defaults: true, // unset fields read as their defaults ('' , 0, [])
  oneofs: true,
});
const pb = grpc.loadPackageDefinition(packageDefinition).recloop.v1;

// grpc-js calls take a callback; wrap a client's methods so they return
// promises instead, each with its own deadline.
function promiseClient(client) {
  return new Proxy(client, {
    get(target, method) {
      const fn = promisify(target[method].bind(target));
      return (request) =>
        fn(request, { deadline: Date.now() + CALL_TIMEOUT_MS });
    },
  });
}

// The current time as a google.protobuf.Timestamp.
function now() {
  const ms = Date.now();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

// Stores one "view" event per item for a user's session, in a single call.
function putViews(events, trackingId, userId, sessionId, items) {
  return events.PutEvents({
    tracking_id: trackingId,
    user_id: userId,
    session_id: sessionId,
    event_list: items.map((item) => ({
      event_type: 'view',
      item_id: item,
      sent_at: now(),
    })),
  });
}

async function run(address) {
  // The three services share one channel (grpc-js pools connections to the
  // same address). recloopd speaks plaintext gRPC (no TLS).
  const creds = grpc.credentials.createInsecure();
  const rawClients = [
    new pb.EventTrackerService(address, creds),
    new pb.EventService(address, creds),
    new pb.RecommendationService(address, creds),
  ];
  const [trackers, events, recs] = rawClients.map(promiseClient);
  try {
    // 1. A dataset group (empty schema = the default Interactions schema)
    //    and its event tracker, whose tracking_id PutEvents needs.
    const name = 'node-example-' + crypto.randomBytes(4).toString('hex');
    const group = await trackers.CreateDatasetGroup({ name });
    console.log(`dataset_group: ${group.name}`);
    const tracker = await trackers.CreateEventTracker({
      name: `${name}-tracker`,
      dataset_group: group.name,
    });
    console.log(`tracking_id: ${tracker.tracking_id}`);

    // 2. Interactions: another user views six items, then user-1 views two
    //    of them. One PutEvents call per user session (1-10 events each).
    await putViews(events, tracker.tracking_id, 'other-user', 'other-session',
      ['item-1', 'item-2', 'item-3', 'item-4', 'item-5', 'item-6']);
    await putViews(events, tracker.tracking_id, 'user-1', 'session-1',
      ['item-1', 'item-2']);

    // 3. Recommendations for user-1 from the group's default recommender.
    const resp = await recs.GetRecommendations({
      dataset_group: group.name,
      user_id: 'user-1',
      num_results: 5,
    });
    const recommended = resp.item_list.map((item) => item.item_id);
    console.log(`recommendation_id: ${resp.recommendation_id}`);
    console.log(`recommended: ${recommended.join(',')}`);
    if (recommended.length === 0) {
      throw new Error('no recommendations for user-1');
    }

    // 4. user-1 clicks the first recommended item. Setting recommendation_id
    //    ties the click to the list it came from: the server records the
    //    served items as the click's impression, so none is sent here.
    await events.PutEvents({
      tracking_id: tracker.tracking_id,
      user_id: 'user-1',
      session_id: 'session-1',
      event_list: [{
        event_type: 'click',
        item_id: recommended[0],
        sent_at: now(),
        recommendation_id: resp.recommendation_id,
      }],
    });

    // 5. user-1's stored events, oldest first, with the impression the
    //    server attributes to each (explicit, or from recommendation_id).
    const history = await events.GetUserHistory({
      dataset_group: group.name,
      user_id: 'user-1',
    });
    for (const stored of history.events) {
      console.log(`history: ${stored.event.event_type} ${stored.event.item_id}` +
        ` impression=${stored.effective_impression.join(',')}`);
    }
  } finally {
    rawClients.forEach((client) => client.close());
  }
}

async function main() {
  if (process.argv.length !== 3) {
    console.error('usage: node example.js HOST:PORT');
    return 2;
  }
  try {
    await run(process.argv[2]);
    return 0;
  } catch (err) {
    if (typeof err.code === 'number') {
      // RPC errors are gRPC statuses: print the code name and message.
      console.error(`error: ${grpc.status[err.code]}: ${err.details}`);
    } else {
      console.error(`error: ${err.message}`);
    }
    return 1;
  }
}

// Set the exit code rather than calling process.exit(), so stdout is
// flushed when it is a pipe.
main().then((code) => {
  process.exitCode = code;
});

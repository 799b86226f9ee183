package dev.recloop.example;

import com.google.protobuf.Timestamp;
import dev.recloop.v1.CreateDatasetGroupRequest;
import dev.recloop.v1.CreateEventTrackerRequest;
import dev.recloop.v1.DatasetGroup;
import dev.recloop.v1.Event;
import dev.recloop.v1.EventServiceGrpc;
import dev.recloop.v1.EventServiceGrpc.EventServiceBlockingStub;
import dev.recloop.v1.EventTracker;
import dev.recloop.v1.EventTrackerServiceGrpc;
import dev.recloop.v1.EventTrackerServiceGrpc.EventTrackerServiceBlockingStub;
import dev.recloop.v1.GetRecommendationsRequest;
import dev.recloop.v1.GetRecommendationsResponse;
import dev.recloop.v1.GetUserHistoryRequest;
import dev.recloop.v1.GetUserHistoryResponse;
import dev.recloop.v1.PredictedItem;
import dev.recloop.v1.PutEventsRequest;
import dev.recloop.v1.RecommendationServiceGrpc;
import dev.recloop.v1.RecommendationServiceGrpc.RecommendationServiceBlockingStub;
import dev.recloop.v1.StoredEvent;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Walks through recloop's API with the generated Java client: creates a
 * dataset group and its event tracker, sends events, asks for
 * recommendations, reports a click on one of them and reads the user's
 * history back.
 *
 * <pre>java -jar target/recloop-example.jar 127.0.0.1:50051</pre>
 *
 * <p>Results go to stdout, one "key: value" line each; errors go to stderr
 * and exit with status 1. The dataset group is left in place.
 */
public final class Example {
  /** Every call gets its own 10 s deadline. */
  private static final long CALL_TIMEOUT_SECONDS = 10;

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 1) {
      System.err.println("usage: Example HOST:PORT");
      System.exit(2);
    }
    // One channel serves all three services. recloopd speaks plaintext gRPC
    // (no TLS). The channel connects lazily, on the first call.
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    int exitCode = 0;
    try {
      run(channel);
    } catch (StatusRuntimeException e) {
      // RPC errors are gRPC statuses: print the code name and message.
      System.err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      exitCode = 1;
    } catch (IllegalStateException e) {
      System.err.println("error: " + e.getMessage());
      exitCode = 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(exitCode);
  }

  private static void run(ManagedChannel channel) {
    EventTrackerServiceBlockingStub trackers = EventTrackerServiceGrpc.newBlockingStub(channel);
    EventServiceBlockingStub events = EventServiceGrpc.newBlockingStub(channel);
    RecommendationServiceBlockingStub recs = RecommendationServiceGrpc.newBlockingStub(channel);

    // 1. A dataset group (empty schema = the default Interactions schema)
    //    and its event tracker, whose tracking_id PutEvents needs.
    String name = "java-example-" + randomHex(4);
    DatasetGroup group = trackers.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .createDatasetGroup(CreateDatasetGroupRequest.newBuilder().setName(name).build());
    System.out.println("dataset_group: " + group.getName());

    EventTracker tracker = trackers.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .createEventTracker(CreateEventTrackerRequest.newBuilder()
            .setName(name + "-tracker")
            .setDatasetGroup(group.getName())
            .build());
    String trackingId = tracker.getTrackingId();
    System.out.println("tracking_id: " + trackingId);

    // 2. Interactions: another user views six items, then user-1 views two
    //    of them. One PutEvents call per user session (1-10 events each).
    putViews(events, trackingId, "other-user", "other-session",
        List.of("item-1", "item-2", "item-3", "item-4", "item-5", "item-6"));
    putViews(events, trackingId, "user-1", "session-1", List.of("item-1", "item-2"));

    // 3. Recommendations for user-1 from the group's default recommender.
    GetRecommendationsResponse response = recs
        .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .getRecommendations(GetRecommendationsRequest.newBuilder()
            .setDatasetGroup(group.getName())
            .setUserId("user-1")
            .setNumResults(5)
            .build());
    List<String> recommended =
        response.getItemListList().stream().map(PredictedItem::getItemId).toList();
    System.out.println("recommendation_id: " + response.getRecommendationId());
    System.out.println("recommended: " + String.join(",", recommended));
    if (recommended.isEmpty()) {
      throw new IllegalStateException("no recommendations for user-1");
    }

    // 4. user-1 clicks the first recommended item. Setting recommendation_id
    //    ties the click to the list it came from: the server records the
    //    served items as the click's impression, so none is sent here.
    events.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .putEvents(PutEventsRequest.newBuilder()
            .setTrackingId(trackingId)
            .setUserId("user-1")
            .setSessionId("session-1")
            .addEventList(Event.newBuilder()
                .setEventType("click")
                .setItemId(recommended.get(0))
                .setSentAt(now())
                .setRecommendationId(response.getRecommendationId()))
            .build());

    // 5. user-1's stored events, oldest first, with the impression the
    //    server attributes to each (explicit, or from recommendation_id).
    GetUserHistoryResponse history = events
        .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .getUserHistory(GetUserHistoryRequest.newBuilder()
            .setDatasetGroup(group.getName())
            .setUserId("user-1")
            .build());
    for (StoredEvent stored : history.getEventsList()) {
      System.out.println("history: " + stored.getEvent().getEventType()
          + " " + stored.getEvent().getItemId()
          + " impression=" + String.join(",", stored.getEffectiveImpressionList()));
    }
  }

  /** Stores one "view" event per item for a user's session, in one call. */
  private static void putViews(EventServiceBlockingStub events, String trackingId,
      String userId, String sessionId, List<String> items) {
    PutEventsRequest.Builder request = PutEventsRequest.newBuilder()
        .setTrackingId(trackingId)
        .setUserId(userId)
        .setSessionId(sessionId);
    for (String item : items) {
      request.addEventList(Event.newBuilder()
          .setEventType("view")
          .setItemId(item)
          .setSentAt(now()));
    }
    events.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).putEvents(request.build());
  }

  /** The current time as a google.protobuf.Timestamp. */
  private static Timestamp now() {
    Instant now = Instant.now();
    return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
  }

  /** 2 * n random lowercase hex digits. */
  private static String randomHex(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private Example() {}
}

// Calls with raw bytes, for tests of what the server does with requests the
// generated stubs would never send.
#ifndef RECLOOP_TESTS_TESTING_RAW_CALL_H_
#define RECLOOP_TESTS_TESTING_RAW_CALL_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace recloop {

// A unary call with raw bytes, as a client that bypasses the generated
// stubs would make it. Returns the status and the response bytes.
inline std::pair<grpc::Status, std::string> RawUnaryCall(
    grpc::Channel* channel, const std::string& method, const std::string& request_bytes) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::ClientContext c;
  // gRPC runs the callback by the deadline at the latest (with
  // DEADLINE_EXCEEDED), so the wait below is bounded.
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&c, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = s;
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  std::string bytes;
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const auto& s : slices) bytes += std::string(s.begin(), s.end());
  }
  return {status, bytes};
}

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_RAW_CALL_H_

#ifndef RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_
#define RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_

#include "domain/recloop.h"
#include "grpcpp/grpcpp.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "server/call.h"

namespace recloop {

// GetRecommendations, GetPersonalizedRanking and recommenders over gRPC. Every method
// takes the raw request (see call.h).
using RawRecommendationService =
    v1::RecommendationService::WithRawCallbackMethod_GetRecommendations<
        v1::RecommendationService::WithRawCallbackMethod_GetPersonalizedRanking<
            v1::RecommendationService::WithRawCallbackMethod_CreateRecommender<
                v1::RecommendationService::WithRawCallbackMethod_DescribeRecommender<
                    v1::RecommendationService::WithRawCallbackMethod_ListRecommenders<
                        v1::RecommendationService::
                            WithRawCallbackMethod_DeleteRecommender<
                                v1::RecommendationService::Service>>>>>>;

class RecommendationService final : public RawRecommendationService {
 public:
  // `recloop` and what `runner` points to must outlive the service.
  RecommendationService(Recloop* recloop, const CallRunner& runner)
      : recloop_(recloop), runner_(runner) {}

  grpc::ServerUnaryReactor* GetRecommendations(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetPersonalizedRanking(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateRecommender(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DescribeRecommender(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListRecommenders(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteRecommender(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;

 private:
  Recloop* const recloop_;
  const CallRunner runner_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_

#ifndef RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_
#define RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_

#include "domain/recloop.h"
#include "recloop/v1/recloop.grpc.pb.h"

namespace recloop {

// GetRecommendations and GetPersonalizedRanking over gRPC.
class RecommendationService final : public v1::RecommendationService::CallbackService {
 public:
  explicit RecommendationService(Recloop* recloop) : recloop_(recloop) {}

  grpc::ServerUnaryReactor* GetRecommendations(
      grpc::CallbackServerContext* context, const v1::GetRecommendationsRequest* request,
      v1::GetRecommendationsResponse* response) override;
  grpc::ServerUnaryReactor* GetPersonalizedRanking(
      grpc::CallbackServerContext* context,
      const v1::GetPersonalizedRankingRequest* request,
      v1::GetPersonalizedRankingResponse* response) override;

 private:
  Recloop* const recloop_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_

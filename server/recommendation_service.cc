#include "server/recommendation_service.h"

#include "server/grpc_status.h"

namespace recloop {

grpc::ServerUnaryReactor* RecommendationService::GetRecommendations(
    grpc::CallbackServerContext* context, const v1::GetRecommendationsRequest* request,
    v1::GetRecommendationsResponse* response) {
  return FinishUnary(context, recloop_->GetRecommendations(*request), response);
}

grpc::ServerUnaryReactor* RecommendationService::GetPersonalizedRanking(
    grpc::CallbackServerContext* context,
    const v1::GetPersonalizedRankingRequest* request,
    v1::GetPersonalizedRankingResponse* response) {
  return FinishUnary(context, recloop_->GetPersonalizedRanking(*request), response);
}

}  // namespace recloop

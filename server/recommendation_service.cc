#include "server/recommendation_service.h"

#include "server/grpc_status.h"

namespace recloop {

grpc::ServerUnaryReactor* RecommendationService::GetRecommendations(
    grpc::CallbackServerContext* context, const v1::GetRecommendationsRequest* request,
    v1::GetRecommendationsResponse* response) {
  return ServeAdmitted(context, admission_, response,
                       [&] { return recloop_->GetRecommendations(*request); });
}

grpc::ServerUnaryReactor* RecommendationService::GetPersonalizedRanking(
    grpc::CallbackServerContext* context,
    const v1::GetPersonalizedRankingRequest* request,
    v1::GetPersonalizedRankingResponse* response) {
  return ServeAdmitted(context, admission_, response,
                       [&] { return recloop_->GetPersonalizedRanking(*request); });
}

grpc::ServerUnaryReactor* RecommendationService::CreateRecommender(
    grpc::CallbackServerContext* context, const v1::CreateRecommenderRequest* request,
    v1::Recommender* response) {
  return FinishUnary(context, recloop_->CreateRecommender(*request), response);
}

grpc::ServerUnaryReactor* RecommendationService::DescribeRecommender(
    grpc::CallbackServerContext* context, const v1::DescribeRecommenderRequest* request,
    v1::Recommender* response) {
  return FinishUnary(context, recloop_->DescribeRecommender(*request), response);
}

grpc::ServerUnaryReactor* RecommendationService::ListRecommenders(
    grpc::CallbackServerContext* context, const v1::ListRecommendersRequest* request,
    v1::ListRecommendersResponse* response) {
  return FinishUnary(context, recloop_->ListRecommenders(*request), response);
}

grpc::ServerUnaryReactor* RecommendationService::DeleteRecommender(
    grpc::CallbackServerContext* context, const v1::DeleteRecommenderRequest* request,
    v1::DeleteRecommenderResponse* /*response*/) {
  return FinishUnary(context, recloop_->DeleteRecommender(*request));
}

}  // namespace recloop

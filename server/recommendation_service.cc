#include "server/recommendation_service.h"

#include "common/status_macros.h"

namespace recloop {

grpc::ServerUnaryReactor* RecommendationService::GetRecommendations(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::GetRecommendationsRequest, v1::GetRecommendationsResponse>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::GetRecommendationsRequest& r) {
        return recloop_->GetRecommendations(r);
      });
}

grpc::ServerUnaryReactor* RecommendationService::GetPersonalizedRanking(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::GetPersonalizedRankingRequest, v1::GetPersonalizedRankingResponse>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::GetPersonalizedRankingRequest& r) {
        return recloop_->GetPersonalizedRanking(r);
      });
}

grpc::ServerUnaryReactor* RecommendationService::CreateRecommender(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::CreateRecommenderRequest, v1::Recommender>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::CreateRecommenderRequest& r) {
        return recloop_->CreateRecommender(r);
      });
}

grpc::ServerUnaryReactor* RecommendationService::DescribeRecommender(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::DescribeRecommenderRequest, v1::Recommender>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::DescribeRecommenderRequest& r) {
        return recloop_->DescribeRecommender(r);
      });
}

grpc::ServerUnaryReactor* RecommendationService::ListRecommenders(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::ListRecommendersRequest, v1::ListRecommendersResponse>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::ListRecommendersRequest& r) {
        return recloop_->ListRecommenders(r);
      });
}

grpc::ServerUnaryReactor* RecommendationService::DeleteRecommender(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::DeleteRecommenderRequest, v1::DeleteRecommenderResponse>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::DeleteRecommenderRequest& r)
          -> absl::StatusOr<v1::DeleteRecommenderResponse> {
        RETURN_IF_ERROR(recloop_->DeleteRecommender(r));
        return v1::DeleteRecommenderResponse();
      });
}

}  // namespace recloop

#ifndef RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_
#define RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_

#include "domain/recloop.h"
#include "server/admission.h"
#include "recloop/v1/recloop.grpc.pb.h"

namespace recloop {

// GetRecommendations, GetPersonalizedRanking and recommenders over gRPC.
class RecommendationService final : public v1::RecommendationService::CallbackService {
 public:
  // `admission` bounds the data-plane calls; both must outlive the service.
  RecommendationService(Recloop* recloop, Admission* admission)
      : recloop_(recloop), admission_(admission) {}

  grpc::ServerUnaryReactor* GetRecommendations(
      grpc::CallbackServerContext* context, const v1::GetRecommendationsRequest* request,
      v1::GetRecommendationsResponse* response) override;
  grpc::ServerUnaryReactor* GetPersonalizedRanking(
      grpc::CallbackServerContext* context,
      const v1::GetPersonalizedRankingRequest* request,
      v1::GetPersonalizedRankingResponse* response) override;
  grpc::ServerUnaryReactor* CreateRecommender(
      grpc::CallbackServerContext* context, const v1::CreateRecommenderRequest* request,
      v1::Recommender* response) override;
  grpc::ServerUnaryReactor* DescribeRecommender(
      grpc::CallbackServerContext* context,
      const v1::DescribeRecommenderRequest* request,
      v1::Recommender* response) override;
  grpc::ServerUnaryReactor* ListRecommenders(
      grpc::CallbackServerContext* context, const v1::ListRecommendersRequest* request,
      v1::ListRecommendersResponse* response) override;
  grpc::ServerUnaryReactor* DeleteRecommender(
      grpc::CallbackServerContext* context, const v1::DeleteRecommenderRequest* request,
      v1::DeleteRecommenderResponse* response) override;

 private:
  Recloop* const recloop_;
  Admission* const admission_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_RECOMMENDATION_SERVICE_H_

#include "common/kafka/error.h"

#include "absl/strings/str_cat.h"

namespace arrears::kafka {

absl::Status KafkaError(rd_kafka_resp_err_t err, absl::string_view context) {
  absl::StatusCode code;
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return absl::OkStatus();
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      code = absl::StatusCode::kInvalidArgument;
      break;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      code = absl::StatusCode::kPermissionDenied;
      break;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      code = absl::StatusCode::kDeadlineExceeded;
      break;
    case RD_KAFKA_RESP_ERR__FATAL:
      code = absl::StatusCode::kInternal;
      break;
    default:
      code = absl::StatusCode::kUnavailable;
      break;
  }
  return absl::Status(
      code, absl::StrCat(context, ": ", rd_kafka_err2str(err), " (", rd_kafka_err2name(err), ")"));
}

}  // namespace arrears::kafka

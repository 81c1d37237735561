#include "common/kafka/headers.h"

namespace arrears::kafka {

RdHeadersPtr ToRdHeaders(const events::Headers& headers) {
  RdHeadersPtr list(rd_kafka_headers_new(headers.size()));
  for (const auto& [name, value] : headers) {
    rd_kafka_header_add(list.get(), name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  return list;
}

void ReadHeaders(const rd_kafka_message_t& message, events::Headers* out) {
  rd_kafka_headers_t* list = nullptr;
  // The list stays owned by the message.
  if (rd_kafka_message_headers(&message, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out->clear();
    return;
  }
  size_t count = 0;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (rd_kafka_header_get_all(list, count, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (count == out->size()) out->emplace_back();
    (*out)[count].first.assign(name);
    if (value == nullptr) {
      (*out)[count].second.clear();
    } else {
      (*out)[count].second.assign(static_cast<const char*>(value), size);
    }
    ++count;
  }
  out->resize(count);
}

}  // namespace arrears::kafka

#include "common/runtime/thread_name.h"

#include <pthread.h>

#include <string>

namespace arrears::runtime {

void NameCurrentThread(absl::string_view name) {
  const std::string kept(name.substr(0, kMaxThreadNameBytes));
  pthread_setname_np(pthread_self(), kept.c_str());
}

std::string CurrentThreadName() {
  char name[kMaxThreadNameBytes + 1] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return std::string();
  return std::string(name);
}

}  // namespace arrears::runtime

#include "common/runtime/thread_name.h"

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace arrears::runtime {
namespace {

std::string NameSeenBy(const std::string& name) {
  std::string seen;
  std::thread thread([&] {
    NameCurrentThread(name);
    seen = CurrentThreadName();
  });
  thread.join();
  return seen;
}

TEST(ThreadNameTest, NamesTheCallingThreadOnly) {
  const std::string before = CurrentThreadName();
  EXPECT_EQ(NameSeenBy("commit-queue"), "commit-queue");
  EXPECT_EQ(CurrentThreadName(), before);
}

TEST(ThreadNameTest, CutsLongNamesToWhatTheKernelKeeps) {
  EXPECT_EQ(NameSeenBy("sqlite-checkpointer-of-a-long-path"), "sqlite-checkpoi");
  EXPECT_EQ(NameSeenBy("exactly-15bytes"), "exactly-15bytes");
}

}  // namespace
}  // namespace arrears::runtime

// Subprocess: a child process for cross-process tests (dev broker, services,
// tools), started with fork/exec and owned by the test.
//
//   ASSERT_OK_AND_ASSIGN(auto broker, Subprocess::Start({kDevbrokerPath, "--port=0"}));
//   broker->Kill(SIGKILL);          // crash it
//   int code = broker->Wait();      // reap it
//
// stdout/stderr go to `log_path` when given (appended), else are inherited.
// The destructor sends SIGKILL to a child still running and reaps it, so a
// failing test leaves no orphans. Not thread-safe; one owner.
#ifndef ARREARS_TESTS_SUPPORT_SUBPROCESS_H_
#define ARREARS_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace arrears::testing {

class Subprocess {
 public:
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(std::vector<std::string> argv,
                                                           const std::string& log_path = "");
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal` if the child is still running.
  void Kill(int signal);
  // Blocks until the child exits; returns its exit code, or 128 + signal.
  int Wait();
  // Like Wait but gives up after `timeout` (returns nullopt; the child runs on).
  std::optional<int> WaitFor(absl::Duration timeout);
  bool running();

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  std::optional<int> Reap(bool block);

  pid_t pid_;
  std::optional<int> exit_code_;
};

// Polls `condition` every few milliseconds until it is true or `timeout`
// passes; returns whether it became true. For conditions owned by another
// process (a file appearing, a row count), where no notification exists.
bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout);

}  // namespace arrears::testing

#endif  // ARREARS_TESTS_SUPPORT_SUBPROCESS_H_

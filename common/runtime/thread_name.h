// Thread names: what `top -H`, `ps -L`, perf, gdb and /proc/<pid>/task/*/comm
// show for a service's own threads (the commit queue, its answering thread,
// the audit indexer, the checkpointer, relays), so that an operator can tell
// which of them uses the CPU, and a benchmark can charge CPU to each.
//
// Contract: NameCurrentThread names the calling thread only. Linux keeps at
// most 15 bytes of a name: longer names are cut there (at a byte, so keep
// names ASCII). Naming is best effort: a failure leaves the old name and is
// not an error (nothing depends on a name but people and diagnostics).
// Thread-safe: each thread names itself.
#ifndef ARREARS_COMMON_RUNTIME_THREAD_NAME_H_
#define ARREARS_COMMON_RUNTIME_THREAD_NAME_H_

#include <string>

#include "absl/strings/string_view.h"

namespace arrears::runtime {

// The longest name the kernel keeps, in bytes.
inline constexpr size_t kMaxThreadNameBytes = 15;

void NameCurrentThread(absl::string_view name);

// The calling thread's name ("" if it cannot be read).
std::string CurrentThreadName();

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_THREAD_NAME_H_

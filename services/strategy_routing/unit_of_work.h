// UnitOfWork: the seam through which the gRPC service and the agenda worker
// change state and emit events atomically: `body` runs in one transaction
// with an outbox writer bound to it, and its events are published after,
// and only if, it commits.
//
// In the service this is ServiceHost::InTransaction (HostUnitOfWork below);
// tests use testing::Testbed, which runs bodies on the in-memory store and
// rolls them back on error.
//
// Implementations are thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_UNIT_OF_WORK_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_UNIT_OF_WORK_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "common/store/outbox_writer.h"
#include "common/store/transaction.h"

namespace arrears::strategy {

using UnitOfWorkBody = absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)>;

class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  // Commits iff `body` returns OK; returns its status (or the commit's).
  virtual absl::Status Run(UnitOfWorkBody body) = 0;
};

// Adapts anything with ServiceHost's InTransaction signature.
template <typename Host>
class HostUnitOfWork final : public UnitOfWork {
 public:
  explicit HostUnitOfWork(Host* host) : host_(host) {}
  absl::Status Run(UnitOfWorkBody body) override { return host_->InTransaction(body); }

 private:
  Host* const host_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_UNIT_OF_WORK_H_

// FakeTransaction: a store::Transaction for code under test that runs on the
// in-memory fakes (InMemoryCaseStore ignores transactions). Savepoints are
// accepted and do nothing. Not synchronized.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_FAKE_TRANSACTION_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_FAKE_TRANSACTION_H_

#include "common/store/transaction.h"

namespace arrears::strategy::testing {

class FakeTransaction final : public store::Transaction {
 public:
  FakeTransaction() : Transaction(nullptr) {}

  absl::Status CreateSavepoint(absl::string_view) override { return absl::OkStatus(); }
  absl::Status ReleaseSavepoint(absl::string_view) override { return absl::OkStatus(); }
  absl::Status RollbackToSavepoint(absl::string_view) override { return absl::OkStatus(); }
};

}  // namespace arrears::strategy::testing

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_FAKE_TRANSACTION_H_

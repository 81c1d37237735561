// InMemoryDebtorKeyStore: the DebtorKeyStore fake for tests; same contract,
// nothing persisted. Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_IN_MEMORY_DEBTOR_KEY_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_IN_MEMORY_DEBTOR_KEY_STORE_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/compliance_auditing/audit/debtor_key_store.h"

namespace arrears::compliance::audit {

class InMemoryDebtorKeyStore final : public DebtorKeyStore {
 public:
  absl::StatusOr<std::optional<DebtorKeyRecord>> FindActive(absl::string_view customer_id) override;
  absl::StatusOr<std::optional<DebtorKeyRecord>> FindById(absl::string_view key_id) override;
  absl::StatusOr<std::vector<DebtorKeyRecord>> InsertIfNoActive(
      absl::Span<const DebtorKeyRecord> records) override;
  absl::StatusOr<std::vector<std::string>> EraseCustomer(absl::string_view customer_id,
                                                         absl::Time time) override;
  absl::StatusOr<std::vector<DebtorKeyRecord>> ListActive(absl::string_view after_customer_id,
                                                          size_t limit) override;

 private:
  absl::Mutex mu_;
  std::map<std::string, DebtorKeyRecord, std::less<>> by_id_ ABSL_GUARDED_BY(mu_);
  // customer_id -> key_id of the active key.
  std::map<std::string, std::string, std::less<>> active_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_IN_MEMORY_DEBTOR_KEY_STORE_H_

#include "services/compliance_auditing/audit/in_memory_debtor_key_store.h"

#include "absl/strings/str_cat.h"

namespace arrears::compliance::audit {

absl::StatusOr<std::optional<DebtorKeyRecord>> InMemoryDebtorKeyStore::FindActive(
    absl::string_view customer_id) {
  absl::MutexLock lock(&mu_);
  auto active = active_.find(customer_id);
  if (active == active_.end()) return std::nullopt;
  return by_id_.at(active->second);
}

absl::StatusOr<std::optional<DebtorKeyRecord>> InMemoryDebtorKeyStore::FindById(
    absl::string_view key_id) {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(key_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::vector<DebtorKeyRecord>> InMemoryDebtorKeyStore::InsertIfNoActive(
    absl::Span<const DebtorKeyRecord> records) {
  absl::MutexLock lock(&mu_);
  for (const DebtorKeyRecord& record : records) {
    if (record.key_id.empty() || record.customer_id.empty() || record.erased()) {
      return absl::InvalidArgumentError(
          absl::StrCat("a new debtor key needs key_id and customer_id and must not be erased: '",
                       record.key_id, "'"));
    }
    if (by_id_.contains(record.key_id) && !active_.contains(record.customer_id)) {
      return absl::FailedPreconditionError(absl::StrCat("key_id ", record.key_id, " exists"));
    }
  }
  std::vector<DebtorKeyRecord> result;
  result.reserve(records.size());
  for (const DebtorKeyRecord& record : records) {
    auto [active, inserted] = active_.try_emplace(record.customer_id, record.key_id);
    if (inserted) by_id_.emplace(record.key_id, record);
    result.push_back(by_id_.at(active->second));
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> InMemoryDebtorKeyStore::EraseCustomer(
    absl::string_view customer_id, absl::Time time) {
  absl::MutexLock lock(&mu_);
  auto active = active_.find(customer_id);
  if (active == active_.end()) return std::vector<std::string>();
  DebtorKeyRecord& record = by_id_.at(active->second);
  record.wrapped_key.clear();
  record.erase_time = time;
  std::vector<std::string> erased = {record.key_id};
  active_.erase(active);
  return erased;
}

absl::StatusOr<std::vector<DebtorKeyRecord>> InMemoryDebtorKeyStore::ListActive(
    absl::string_view after_customer_id, size_t limit) {
  absl::MutexLock lock(&mu_);
  std::vector<DebtorKeyRecord> records;
  for (auto it = active_.upper_bound(after_customer_id);
       it != active_.end() && records.size() < limit; ++it) {
    records.push_back(by_id_.at(it->second));
  }
  return records;
}

}  // namespace arrears::compliance::audit

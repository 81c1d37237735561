// DebtorKeyStore: the repository of wrapped per-debtor data keys.
//
// A debtor has at most one active key at a time. Erasing a debtor's keys
// destroys the wrapped bytes and keeps a tombstone (key id, debtor, erase
// time), so that an entry encrypted under an erased key reads as "erased"
// rather than "unknown key" (which would mean corruption). After an erasure
// the debtor may get a new key for new data; the old entries stay unreadable.
//
// Implementations: InMemoryDebtorKeyStore (tests) and SqliteDebtorKeyStore.
// Every method is one atomic, durable operation and thread-safe. Several
// processes may share a store: InsertIfNoActive resolves the race of two
// processes creating a key for the same new debtor (both get the winner's).
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_DEBTOR_KEY_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_DEBTOR_KEY_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace arrears::compliance::audit {

struct DebtorKeyRecord {
  std::string key_id;
  std::string customer_id;
  // nonce || ciphertext || tag under the master key; empty once erased.
  std::string wrapped_key;
  // MasterKey::key_id() of the wrapping key.
  std::string wrapping_key_id;
  absl::Time create_time;
  std::optional<absl::Time> erase_time;

  bool erased() const { return erase_time.has_value(); }
};

class DebtorKeyStore {
 public:
  virtual ~DebtorKeyStore() = default;

  // The debtor's active key, if any.
  virtual absl::StatusOr<std::optional<DebtorKeyRecord>> FindActive(
      absl::string_view customer_id) = 0;
  // Any key (active or erased) by id.
  virtual absl::StatusOr<std::optional<DebtorKeyRecord>> FindById(absl::string_view key_id) = 0;
  // Stores each record whose debtor has no active key, in one commit, and
  // returns the active key of each record's debtor afterwards (the given one,
  // or the one another writer stored first), in order.
  virtual absl::StatusOr<std::vector<DebtorKeyRecord>> InsertIfNoActive(
      absl::Span<const DebtorKeyRecord> records) = 0;
  // Destroys the debtor's active key(s) as of `time`; returns their ids
  // (empty when there was none).
  virtual absl::StatusOr<std::vector<std::string>> EraseCustomer(absl::string_view customer_id,
                                                                 absl::Time time) = 0;
  // Active keys with customer_id > after_customer_id, by customer_id, at most
  // `limit` (for retention sweeps).
  virtual absl::StatusOr<std::vector<DebtorKeyRecord>> ListActive(
      absl::string_view after_customer_id, size_t limit) = 0;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_DEBTOR_KEY_STORE_H_

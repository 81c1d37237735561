// DebtorKeys: per-debtor data keys for the personal data in audit entries,
// and their erasure (crypto-shredding).
//
// Every debtor with personal data in the log gets a random 256-bit data key,
// stored wrapped by the MasterKey (DebtorKeyStore). Personal data is
// encrypted with AES-256-GCM under the debtor's key, with associated data
// binding the ciphertext to (debtor, key id, payload type), so it cannot be
// moved to another debtor's record unnoticed. The audit log hashes the
// ciphertext, not the plaintext: Erase() destroys the debtor's key, the data
// becomes unreadable for good, and every leaf hash and proof stays valid.
// Retention ("keep 5 years") is enforced the same way, by erasing keys.
//
// After an erasure, new personal data of the same debtor gets a new key; old
// entries stay unreadable.
//
// Unwrapped keys are cached in memory (bounded; the whole cache starts over
// when full), and a cached key or erasure is re-checked against the store
// after `cache_ttl`, so an erasure made by another process sharing the store
// takes effect here within that time. An erasure made through this object
// takes effect at once.
//
// Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_DEBTOR_KEYS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_DEBTOR_KEYS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/audit/aes_gcm.h"
#include "services/compliance_auditing/audit/debtor_key_store.h"
#include "services/compliance_auditing/audit/master_key.h"

namespace arrears::compliance::audit {

inline constexpr absl::string_view kPersonalDataAlgorithm = "AES-256-GCM";

struct DebtorKeysOptions {
  // Unwrapped keys kept in memory.
  size_t max_cached_keys = 100'000;
  // How long a cached key or erasure is trusted without asking the store.
  absl::Duration cache_ttl = absl::Minutes(1);
};

// A debtor holding an active key, for retention sweeps.
struct ActiveDebtorKey {
  std::string customer_id;
  std::string key_id;
  absl::Time create_time;
};

class DebtorKeys {
 public:
  // `store` and `clock` must outlive the object.
  static absl::StatusOr<std::unique_ptr<DebtorKeys>> Create(DebtorKeyStore* store,
                                                            MasterKey master_key,
                                                            const Clock* clock,
                                                            DebtorKeysOptions options = {});

  // Makes sure each debtor has an active key, creating the missing ones in
  // one store commit (the log calls this once per append batch).
  absl::Status EnsureKeys(absl::Span<const absl::string_view> customer_ids);

  // Encrypts `plaintext` (a serialized `payload_type` message holding
  // personal data) under the debtor's key into `out`, creating the key if
  // the debtor has none.
  absl::Status Encrypt(absl::string_view customer_id, absl::string_view payload_type,
                       absl::string_view plaintext, v1::EncryptedData& out);

  // The plaintext, or nullopt when the key was erased. DataLoss if the
  // ciphertext, its context or the key record was altered; NotFound for a key
  // id the store does not know (corruption too: keys are never deleted).
  absl::StatusOr<std::optional<std::string>> Decrypt(absl::string_view customer_id,
                                                     absl::string_view payload_type,
                                                     const v1::EncryptedData& data);

  // Whether `key_id` was erased; NotFound if unknown.
  absl::StatusOr<bool> IsErased(absl::string_view key_id);

  // Crypto-shreds the debtor: destroys their active key. Returns the erased
  // key ids (empty if the debtor had none).
  absl::StatusOr<std::vector<std::string>> Erase(absl::string_view customer_id);

  // Debtors with an active key and customer_id > after_customer_id, ordered,
  // at most `limit`.
  absl::StatusOr<std::vector<ActiveDebtorKey>> ListActive(absl::string_view after_customer_id,
                                                          size_t limit);

 private:
  // One key as cached: `key` is empty once erased.
  struct CachedKey {
    std::string key_id;
    std::string customer_id;
    std::optional<AesKey> key;
    absl::Time loaded_at;
  };

  DebtorKeys(DebtorKeyStore* store, MasterKey master_key, const Clock* clock,
             DebtorKeysOptions options)
      : store_(store),
        master_key_(std::move(master_key)),
        clock_(clock),
        options_(std::move(options)) {}

  std::shared_ptr<const CachedKey> FreshActiveKey(absl::string_view customer_id)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::shared_ptr<const CachedKey>> ActiveKeyFor(absl::string_view customer_id);
  absl::StatusOr<std::shared_ptr<const CachedKey>> KeyById(absl::string_view key_id);
  absl::StatusOr<std::shared_ptr<const CachedKey>> Unwrapped(const DebtorKeyRecord& record);
  absl::StatusOr<DebtorKeyRecord> NewKeyRecord(absl::string_view customer_id);
  void Remember(std::shared_ptr<const CachedKey> key) ABSL_LOCKS_EXCLUDED(mu_);

  DebtorKeyStore* const store_;
  const MasterKey master_key_;
  const Clock* const clock_;
  const DebtorKeysOptions options_;

  absl::Mutex mu_;
  // Active keys by debtor.
  absl::flat_hash_map<std::string, std::shared_ptr<const CachedKey>> by_customer_
      ABSL_GUARDED_BY(mu_);
  // Active and erased keys by id.
  absl::flat_hash_map<std::string, std::shared_ptr<const CachedKey>> by_key_id_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_DEBTOR_KEYS_H_

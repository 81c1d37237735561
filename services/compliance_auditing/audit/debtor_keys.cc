#include "services/compliance_auditing/audit/debtor_keys.h"

#include <openssl/crypto.h>

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/secret_file.h"

namespace arrears::compliance::audit {
namespace {

constexpr size_t kKeyIdRandomBytes = 16;

// What a wrapped data key is bound to.
std::string WrapContext(absl::string_view key_id, absl::string_view customer_id) {
  return absl::StrCat("arrears-audit-debtor-key/v1\n", key_id, "\n", customer_id);
}

// What a ciphertext of personal data is bound to.
std::string PersonalDataContext(absl::string_view customer_id, absl::string_view key_id,
                                absl::string_view payload_type) {
  return absl::StrCat("arrears-audit-personal-data/v1\n", customer_id, "\n", key_id, "\n",
                      payload_type);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DebtorKeys>> DebtorKeys::Create(DebtorKeyStore* store,
                                                               MasterKey master_key,
                                                               const Clock* clock,
                                                               DebtorKeysOptions options) {
  if (store == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("debtor keys need a store and a clock");
  }
  if (options.max_cached_keys == 0 || options.cache_ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "debtor keys: max_cached_keys must be > 0 and cache_ttl >= 0");
  }
  return std::unique_ptr<DebtorKeys>(
      new DebtorKeys(store, std::move(master_key), clock, std::move(options)));
}

std::shared_ptr<const DebtorKeys::CachedKey> DebtorKeys::FreshActiveKey(
    absl::string_view customer_id) {
  const absl::Time now = clock_->Now();
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_customer_.find(customer_id);
  if (it == by_customer_.end() || now - it->second->loaded_at > options_.cache_ttl) {
    return nullptr;
  }
  return it->second;
}

void DebtorKeys::Remember(std::shared_ptr<const CachedKey> key) {
  absl::MutexLock lock(&mu_);
  if (by_key_id_.size() >= options_.max_cached_keys) {
    by_key_id_.clear();
    by_customer_.clear();
  }
  if (key->key.has_value()) {
    by_customer_[key->customer_id] = key;
  } else {
    auto active = by_customer_.find(key->customer_id);
    if (active != by_customer_.end() && active->second->key_id == key->key_id) {
      by_customer_.erase(active);
    }
  }
  by_key_id_[key->key_id] = std::move(key);
}

absl::StatusOr<std::shared_ptr<const DebtorKeys::CachedKey>> DebtorKeys::Unwrapped(
    const DebtorKeyRecord& record) {
  auto cached = std::make_shared<CachedKey>();
  cached->key_id = record.key_id;
  cached->customer_id = record.customer_id;
  cached->loaded_at = clock_->Now();
  if (!record.erased()) {
    if (record.wrapping_key_id != master_key_.key_id()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "debtor key ", record.key_id, " is wrapped by master key ", record.wrapping_key_id,
          ", the loaded master key is ", master_key_.key_id()));
    }
    absl::StatusOr<std::string> secret =
        master_key_.Unwrap(record.wrapped_key, WrapContext(record.key_id, record.customer_id));
    if (!secret.ok()) return Annotate(secret.status(), absl::StrCat("debtor key ", record.key_id));
    absl::StatusOr<AesKey> key = AesKey::FromBytes(*secret);
    OPENSSL_cleanse(secret->data(), secret->size());
    if (!key.ok()) return Annotate(key.status(), absl::StrCat("debtor key ", record.key_id));
    cached->key = *std::move(key);
  }
  return std::shared_ptr<const CachedKey>(std::move(cached));
}

absl::StatusOr<DebtorKeyRecord> DebtorKeys::NewKeyRecord(absl::string_view customer_id) {
  ARREARS_ASSIGN_OR_RETURN(const std::string id_bytes, SecureRandomBytes(kKeyIdRandomBytes));
  ARREARS_ASSIGN_OR_RETURN(const AesKey key, AesKey::Generate());
  DebtorKeyRecord record;
  record.key_id = absl::StrCat("dk-", absl::BytesToHexString(id_bytes));
  record.customer_id = std::string(customer_id);
  ARREARS_ASSIGN_OR_RETURN(record.wrapped_key,
                           master_key_.Wrap(key.bytes(), WrapContext(record.key_id, customer_id)));
  record.wrapping_key_id = master_key_.key_id();
  record.create_time = clock_->Now();
  return record;
}

absl::Status DebtorKeys::EnsureKeys(absl::Span<const absl::string_view> customer_ids) {
  std::vector<DebtorKeyRecord> missing;
  absl::flat_hash_set<absl::string_view> seen;
  for (const absl::string_view customer_id : customer_ids) {
    if (customer_id.empty()) {
      return absl::InvalidArgumentError("personal data needs a customer_id to key it");
    }
    if (!seen.insert(customer_id).second || FreshActiveKey(customer_id) != nullptr) continue;
    ARREARS_ASSIGN_OR_RETURN(DebtorKeyRecord record, NewKeyRecord(customer_id));
    missing.push_back(std::move(record));
  }
  if (missing.empty()) return absl::OkStatus();
  // Debtors that already have a key (stale cache, another process) keep it:
  // the store returns the key in force and the new one is dropped.
  ARREARS_ASSIGN_OR_RETURN(const std::vector<DebtorKeyRecord> active,
                           store_->InsertIfNoActive(missing));
  for (const DebtorKeyRecord& record : active) {
    ARREARS_ASSIGN_OR_RETURN(std::shared_ptr<const CachedKey> key, Unwrapped(record));
    Remember(std::move(key));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const DebtorKeys::CachedKey>> DebtorKeys::ActiveKeyFor(
    absl::string_view customer_id) {
  if (std::shared_ptr<const CachedKey> key = FreshActiveKey(customer_id)) return key;
  const absl::string_view ids[] = {customer_id};
  ARREARS_RETURN_IF_ERROR(EnsureKeys(ids));
  // Looked up again rather than taken from EnsureKeys: a full cache may have
  // started over meanwhile.
  absl::MutexLock lock(&mu_);
  auto it = by_customer_.find(customer_id);
  if (it == by_customer_.end()) {
    return absl::UnavailableError(
        absl::StrCat("key of the debtor was erased while being created; retry"));
  }
  return it->second;
}

absl::Status DebtorKeys::Encrypt(absl::string_view customer_id, absl::string_view payload_type,
                                 absl::string_view plaintext, v1::EncryptedData& out) {
  ARREARS_ASSIGN_OR_RETURN(const std::shared_ptr<const CachedKey> key, ActiveKeyFor(customer_id));
  AesGcmSealed sealed;
  sealed.nonce = std::move(*out.mutable_nonce());
  sealed.ciphertext_and_tag = std::move(*out.mutable_ciphertext());
  ARREARS_RETURN_IF_ERROR(AesGcmSeal(
      *key->key, plaintext, PersonalDataContext(customer_id, key->key_id, payload_type), sealed));
  out.set_key_id(key->key_id);
  out.set_algorithm(std::string(kPersonalDataAlgorithm));
  *out.mutable_nonce() = std::move(sealed.nonce);
  *out.mutable_ciphertext() = std::move(sealed.ciphertext_and_tag);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const DebtorKeys::CachedKey>> DebtorKeys::KeyById(
    absl::string_view key_id) {
  const absl::Time now = clock_->Now();
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = by_key_id_.find(key_id);
    if (it != by_key_id_.end() && now - it->second->loaded_at <= options_.cache_ttl) {
      return it->second;
    }
  }
  ARREARS_ASSIGN_OR_RETURN(const std::optional<DebtorKeyRecord> record, store_->FindById(key_id));
  if (!record.has_value()) {
    return absl::NotFoundError(absl::StrCat("debtor key ", key_id, " is unknown"));
  }
  ARREARS_ASSIGN_OR_RETURN(std::shared_ptr<const CachedKey> key, Unwrapped(*record));
  Remember(key);
  return key;
}

absl::StatusOr<std::optional<std::string>> DebtorKeys::Decrypt(absl::string_view customer_id,
                                                               absl::string_view payload_type,
                                                               const v1::EncryptedData& data) {
  if (data.algorithm() != kPersonalDataAlgorithm) {
    return absl::InvalidArgumentError(
        absl::StrCat("personal_data.algorithm '", data.algorithm(), "' is not supported"));
  }
  ARREARS_ASSIGN_OR_RETURN(const std::shared_ptr<const CachedKey> key, KeyById(data.key_id()));
  if (key->customer_id != customer_id) {
    return absl::DataLossError(
        absl::StrCat("personal_data key ", data.key_id(), " belongs to another debtor"));
  }
  if (!key->key.has_value()) return std::nullopt;
  absl::StatusOr<std::string> plaintext =
      AesGcmOpen(*key->key, data.nonce(), data.ciphertext(),
                 PersonalDataContext(customer_id, data.key_id(), payload_type));
  if (!plaintext.ok()) return Annotate(plaintext.status(), "personal_data");
  return std::optional<std::string>(*std::move(plaintext));
}

absl::StatusOr<bool> DebtorKeys::IsErased(absl::string_view key_id) {
  ARREARS_ASSIGN_OR_RETURN(const std::shared_ptr<const CachedKey> key, KeyById(key_id));
  return !key->key.has_value();
}

absl::StatusOr<std::vector<std::string>> DebtorKeys::Erase(absl::string_view customer_id) {
  if (customer_id.empty()) return absl::InvalidArgumentError("customer_id is empty");
  const absl::Time now = clock_->Now();
  ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> erased,
                           store_->EraseCustomer(customer_id, now));
  absl::MutexLock lock(&mu_);
  by_customer_.erase(customer_id);
  for (const std::string& key_id : erased) {
    auto tombstone = std::make_shared<CachedKey>();
    tombstone->key_id = key_id;
    tombstone->customer_id = std::string(customer_id);
    tombstone->loaded_at = now;
    by_key_id_[key_id] = std::move(tombstone);
  }
  return erased;
}

absl::StatusOr<std::vector<ActiveDebtorKey>> DebtorKeys::ListActive(
    absl::string_view after_customer_id, size_t limit) {
  ARREARS_ASSIGN_OR_RETURN(const std::vector<DebtorKeyRecord> records,
                           store_->ListActive(after_customer_id, limit));
  std::vector<ActiveDebtorKey> keys;
  keys.reserve(records.size());
  for (const DebtorKeyRecord& record : records) {
    keys.push_back({record.customer_id, record.key_id, record.create_time});
  }
  return keys;
}

}  // namespace arrears::compliance::audit

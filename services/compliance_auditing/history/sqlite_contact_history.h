// SqliteContactHistory: the facts the contact rules read (policy/
// contact_history.h), kept in the service's SQLite database.
//
// Writers take the caller's open transaction of the service database, so a
// fact commits together with the consumed event (or API call) that
// established it, its audit entry and its outbox events — exactly once. The
// repository stores facts; deciding what an event means (which outcome is an
// unanswered dial, when a dispute opens) is the caller's job.
//
// Facts kept (tables in HistoryMigrations):
//   - calls, one row per attempt (placed by the bank or any agency: the rows
//     are never partitioned by agency, so per-debtor caps aggregate across
//     agencies); a later event of the same attempt can only raise its outcome;
//   - field visits, one per visit id;
//   - the customer's profile (residence jurisdiction, time zones, employer-
//     provided e-mail addresses) and flags (lost contact, attorney, deceased,
//     bankruptcy);
//   - third parties contacted (distinct attempts) and their refusals;
//   - preferences (opt-outs, agreed contact times, prior consents, cease
//     requests, third-party refusals), by source: the API's are kept until
//     revoked, the customer events' ("consents") are replaced as a whole;
//   - debts (delinquency status: the oldest overdue due date for the
//     time-bar), disputes, complaints (with their SLA due time), promises.
//
// Reading: Load() reads everything one CheckContact needs about one customer
// in ONE read transaction (a consistent snapshot) into an
// InMemoryContactHistory, the ContactHistory the engine evaluates. Reads go
// to the reader connections given at Create (round robin), so decisions do
// not queue behind the writer connection.
//
// Snapshot cache (HistoryOptions::cache_snapshots): Load() keeps the rows it
// read per customer and answers the next Load of that customer from memory.
// Every writer taints the customers (and debts) it changes before its
// transaction commits; a tainted snapshot is dropped, and the next Load of a
// tainted customer first waits for the writer connection's open transaction
// to end, so a snapshot never misses a committed write (read-committed, as
// a read transaction started at the same moment). Writers keyed by another
// id (preferences, disputes, complaints: rare API calls) taint everything.
// Only writes made through this object are seen: with another process
// writing the same file, turn the cache off.
//
// Thread-safe. The databases must outlive the object.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_HISTORY_SQLITE_CONTACT_HISTORY_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_HISTORY_SQLITE_CONTACT_HISTORY_H_

#include <atomic>
#include <cstdint>
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
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "services/compliance_auditing/policy/contact_history.h"
#include "services/compliance_auditing/policy/in_memory_contact_history.h"

namespace arrears::compliance::history {

// The schema, numbered first_version, first_version + 1, ...
std::vector<store::Migration> HistoryMigrations(int first_version);
inline constexpr int kHistoryMigrationCount = 1;

struct HistoryOptions {
  // Jurisdictions of the lender's licences: their packs apply to every
  // customer, on top of the residence's.
  std::vector<std::string> lender_jurisdictions;
  // Keep each customer's snapshot in memory between CheckContacts (see
  // "Snapshot cache" above). Only sound while this object is the only writer
  // of the history: turn it off when another process shares the database.
  bool cache_snapshots = true;
  // Most customers cached at once (an arbitrary one is evicted beyond).
  size_t cache_customers = 100000;
};

struct CustomerProfile {
  // ISO 3166-1 alpha-2, optionally with a subdivision ("US-NY"); the country
  // selects the packs.
  std::string residence_jurisdiction;
  // IANA zones, the primary (residence) zone first, then the others the
  // customer may be in (addresses).
  std::vector<std::string> time_zones;
  // Contact point ids of e-mail addresses the employer provided.
  std::vector<std::string> employer_email_points;
};

enum class CustomerFlag { kLostContact, kAttorney, kDeceased, kBankruptcy };

struct DebtStatus {
  std::string debt_id;
  std::string customer_id;
  // Per-loan sequence of the delinquency event; older ones are ignored.
  int64_t sequence = 0;
  // arrears.delinquency.v1.DelinquencyState.
  int state = 0;
  // Unset when nothing is overdue.
  std::optional<absl::CivilDay> oldest_overdue_due_date;
};

struct ComplaintQuery {
  // Empty = every customer.
  std::string customer_id;
  // Only complaints not resolved by their SLA due time as of `now`.
  bool overdue_only = false;
  absl::Time now;
  // 1..1000.
  int page_size = 100;
  // The last complaint id of the previous page; empty for the first.
  std::string after_complaint_id;
};

class SqliteContactHistory {
 public:
  // `db` is the service database (migrated with HistoryMigrations); writers
  // take its transactions. `readers` are extra connections to the same file
  // for Load; empty = read through `db`.
  static absl::StatusOr<std::unique_ptr<SqliteContactHistory>> Create(
      store::SqliteDatabase* db, std::vector<store::SqliteDatabase*> readers,
      HistoryOptions options);

  // --- Writers: inside the caller's open transaction of `db`.

  // The call of attempt `attempt_id` (insert, or raise the stored outcome,
  // keep the earliest time, OR the prior-consent flag).
  absl::Status RecordCall(store::Transaction& txn, absl::string_view customer_id,
                          absl::string_view attempt_id, const policy::CallRecord& call);
  absl::Status RecordFieldVisit(store::Transaction& txn, absl::string_view customer_id,
                                absl::string_view visit_id, absl::Time time);
  absl::Status PutProfile(store::Transaction& txn, absl::string_view customer_id,
                          const CustomerProfile& profile);
  // kBankruptcy: true = filed, false = none (SetBankruptcy has the third
  // state).
  absl::Status SetFlag(store::Transaction& txn, absl::string_view customer_id, CustomerFlag flag,
                       bool value);
  absl::Status SetBankruptcy(store::Transaction& txn, absl::string_view customer_id,
                             policy::BankruptcyState state);
  absl::Status RecordThirdPartyContact(store::Transaction& txn, absl::string_view customer_id,
                                       absl::string_view related_contact_id,
                                       absl::string_view attempt_id);
  absl::Status RecordThirdPartyRefusal(store::Transaction& txn, absl::string_view customer_id,
                                       absl::string_view related_contact_id);

  // Stores (or replaces, by preference_id) a preference from `source`; it
  // applies while `active`.
  absl::Status PutPreference(store::Transaction& txn, const v1::Preference& preference,
                             absl::string_view source, bool active);
  // Replaces every preference of the customer from `source` by `preferences`.
  absl::Status ReplacePreferences(store::Transaction& txn, absl::string_view customer_id,
                                  absl::string_view source,
                                  absl::Span<const v1::Preference> preferences);
  absl::StatusOr<std::optional<v1::Preference>> GetPreference(store::Transaction& txn,
                                                              absl::string_view preference_id);
  absl::Status SetPreferenceActive(store::Transaction& txn, absl::string_view preference_id,
                                   bool active);
  // Whether an active prior consent covers a call on (channel, point) at `at`.
  absl::StatusOr<bool> HasPriorConsent(store::Transaction& txn, absl::string_view customer_id,
                                       common::v1::Channel channel,
                                       absl::string_view contact_point_id, absl::Time at);

  // Ignored unless status.sequence is above the stored one.
  absl::Status PutDebtStatus(store::Transaction& txn, const DebtStatus& status);

  absl::Status PutDispute(store::Transaction& txn, const v1::Dispute& dispute);
  absl::StatusOr<std::optional<v1::Dispute>> GetDispute(store::Transaction& txn,
                                                        absl::string_view dispute_id);
  absl::Status PutComplaint(store::Transaction& txn, const v1::Complaint& complaint);
  absl::StatusOr<std::optional<v1::Complaint>> GetComplaint(store::Transaction& txn,
                                                            absl::string_view complaint_id);
  // A promise to pay (from a contact or a case event), by id; `state` is a
  // code such as "RECORDED", "KEPT", "BROKEN".
  absl::Status PutPromise(store::Transaction& txn, absl::string_view customer_id,
                          absl::string_view promise_id, absl::string_view state,
                          absl::string_view record);

  // --- Readers (own read transactions on the reader connections).

  // Everything a CheckContact about `customer_id` and `debt_ids` evaluates,
  // with calls and visits from `since` on. AgeOfDebt: a debt with no
  // delinquency status stored is not `known` (the engine then counts it as
  // time-barred: fail closed).
  absl::StatusOr<std::unique_ptr<policy::InMemoryContactHistory>> Load(
      absl::string_view customer_id, absl::Span<const std::string> debt_ids, absl::Time since,
      absl::Time now);
  // Load() inside the caller's transaction of `db` (sees its own writes; no
  // transaction of its own, no reader connection).
  absl::StatusOr<std::unique_ptr<policy::InMemoryContactHistory>> LoadWithin(
      store::Transaction& txn, absl::string_view customer_id,
      absl::Span<const std::string> debt_ids, absl::Time since, absl::Time now);
  // The customer's jurisdictions (lender's and residence country).
  absl::StatusOr<std::vector<std::string>> Jurisdictions(absl::string_view customer_id);
  // The same, read inside the caller's transaction of `db`.
  absl::StatusOr<std::vector<std::string>> Jurisdictions(store::Transaction& txn,
                                                         absl::string_view customer_id);
  absl::StatusOr<std::vector<v1::Complaint>> ListComplaints(const ComplaintQuery& query);
  absl::StatusOr<int64_t> CountOverdueComplaints(absl::Time now);
  absl::StatusOr<std::optional<v1::Preference>> ReadPreference(absl::string_view preference_id);

  // Loads answered from the snapshot cache, and read from the database.
  int64_t cache_hits() const { return cache_hits_.load(std::memory_order_relaxed); }
  int64_t cache_misses() const { return cache_misses_.load(std::memory_order_relaxed); }

 private:
  struct CustomerFacts;
  // Settled taints are swept once there are more than this many.
  static constexpr size_t kMaxTaints = 4096;
  // Past this many unsettled taints, a write taints everything instead.
  static constexpr size_t kMaxPendingTaints = 1 << 16;

  SqliteContactHistory(store::SqliteDatabase* db, std::vector<store::SqliteDatabase*> readers,
                       HistoryOptions options)
      : db_(db), readers_(std::move(readers)), options_(std::move(options)) {}

  absl::StatusOr<store::SqliteTransaction*> Unwrap(store::Transaction& txn) const;
  store::SqliteDatabase& NextReader();
  absl::Status LoadIn(store::SqliteTransaction& txn, absl::string_view customer_id,
                      absl::Span<const std::string> debt_ids, absl::Time since, absl::Time now,
                      policy::InMemoryContactHistory& history) const;
  absl::Status ReadFacts(store::SqliteTransaction& txn, absl::string_view customer_id,
                         absl::Span<const std::string> debt_ids, absl::Time since,
                         CustomerFacts& facts) const;
  void Fill(const CustomerFacts& facts, absl::string_view customer_id,
            absl::Span<const std::string> debt_ids, absl::Time since, absl::Time now,
            policy::InMemoryContactHistory& history) const;

  // The snapshot cache.
  static std::string DebtKey(absl::string_view debt_id);
  void Taint(absl::string_view customer_id, absl::Span<const std::string> debt_ids = {});
  void TaintAll();
  uint64_t TaintOf(absl::string_view customer_id, absl::Span<const std::string> debt_ids) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache_mu_);
  absl::StatusOr<std::shared_ptr<const CustomerFacts>> CachedFacts(
      absl::string_view customer_id, absl::Span<const std::string> debt_ids, absl::Time since);

  store::SqliteDatabase* const db_;
  const std::vector<store::SqliteDatabase*> readers_;
  const HistoryOptions options_;
  std::atomic<uint64_t> next_reader_{0};

  mutable absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const CustomerFacts>> cache_
      ABSL_GUARDED_BY(cache_mu_);
  // Key (customer id, or DebtKey) -> sequence number of its latest write.
  absl::flat_hash_map<std::string, uint64_t> taints_ ABSL_GUARDED_BY(cache_mu_);
  uint64_t write_seq_ ABSL_GUARDED_BY(cache_mu_) = 0;
  // Sequence number of the latest write to every key.
  uint64_t taint_all_ ABSL_GUARDED_BY(cache_mu_) = 0;
  // Every write numbered up to this one has committed or rolled back.
  uint64_t settled_seq_ ABSL_GUARDED_BY(cache_mu_) = 0;
  std::atomic<int64_t> cache_hits_{0};
  std::atomic<int64_t> cache_misses_{0};
};

}  // namespace arrears::compliance::history

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_HISTORY_SQLITE_CONTACT_HISTORY_H_

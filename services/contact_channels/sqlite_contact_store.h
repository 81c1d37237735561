// The contact channel service's SQLite store: contact records with their
// durable timers (idempotent by request id), field visit work orders,
// cancellations, the contact history behind GetContactHistory, RecordOutcome
// idempotency keys, registered templates and the customer contact
// directory, in the service's database next to the core tables (dedupe,
// outbox). ContactMigrations() creates them, numbered from
// store::kFirstServiceMigrationVersion.
//
// SqliteContactStore is bound to one open transaction of the database (a
// consumer's batch transaction, a worker's or a gRPC handler's): everything
// it reads and writes commits or rolls back with that transaction, which is
// how "state change + events" stay atomic. It is a cheap handle; make one
// per transaction. SqliteContactDirectory and SqliteTemplateStore open short
// transactions of their own: call them outside any transaction of the same
// database (SqliteDatabase does not nest).
//
// Times are stored as Unix microseconds. Raw personal data (the directory's
// ContactData) stays in this database; it never reaches events or logs.
// Free-text notes (field visits, outcomes) are stored sealed by the caller
// (notes_sealer.h).
// Thread-safety: SqliteContactStore follows its transaction (one thread);
// the directory and template store are thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_SQLITE_CONTACT_STORE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_SQLITE_CONTACT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/template.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "services/contact_channels/contact_directory.h"
#include "services/contact_channels/contact_store.h"
#include "services/contact_channels/template_registry.h"

namespace arrears::contact {

std::vector<store::Migration> ContactMigrations();

// Contact events of one customer, newest first.
struct HistoryQuery {
  std::string customer_id;
  // Only events about this loan; empty = all.
  std::string loan_id;
  // Only these channels; empty = all.
  std::vector<common::v1::Channel> channels;
  // [start_time, end_time).
  absl::Time start_time = absl::InfinitePast();
  absl::Time end_time = absl::InfiniteFuture();
  // > 0.
  int page_size = 100;
  // From a previous page; empty for the first.
  std::string page_token;
};

struct HistoryPage {
  std::vector<v1::ContactEvent> events;
  // Empty on the last page.
  std::string next_page_token;
};

// Field visits, ordered by visit date, time window start, id.
struct FieldVisitQuery {
  std::string staff_id;
  std::string region;
  std::string customer_id;
  // Empty = all but COMPLETED and CANCELLED.
  std::vector<v1::FieldVisit::State> states;
  std::optional<absl::CivilDay> start_date;
  std::optional<absl::CivilDay> end_date;
  int page_size = 100;
  std::string page_token;
};

struct FieldVisitPage {
  std::vector<v1::FieldVisit> field_visits;
  std::string next_page_token;
};

class SqliteContactStore final : public ContactStore {
 public:
  // The store bound to `txn`, which `db` opened. FailedPrecondition for a
  // transaction of another store.
  static absl::StatusOr<SqliteContactStore> In(store::SqliteDatabase& db, store::Transaction& txn);

  // ContactStore.
  absl::StatusOr<std::optional<ContactRecord>> Get(const std::string& request_id) override;
  absl::Status Put(const ContactRecord& record) override;
  absl::StatusOr<std::vector<ContactRecord>> ListUnsent(const std::string& customer_id) override;
  absl::StatusOr<DueTimers> ListDue(absl::Time now, int limit) override;
  absl::StatusOr<std::vector<ContactRecord>> ListBatchMembers(const std::string& batch_id) override;
  absl::StatusOr<std::optional<v1::FieldVisit>> GetFieldVisit(
      const std::string& field_visit_id) override;
  absl::Status PutFieldVisit(const v1::FieldVisit& visit) override;
  absl::StatusOr<std::vector<v1::FieldVisit>> ListUnstartedFieldVisits(
      const std::string& customer_id) override;
  absl::Status AddCancellation(const Cancellation& cancellation) override;
  absl::StatusOr<std::vector<Cancellation>> ListCancellations(
      const std::string& customer_id) override;

  // The record of the request whose attempt this is.
  absl::StatusOr<std::optional<ContactRecord>> FindByAttemptId(const std::string& attempt_id);

  // Contact history. Appending an event id already there does nothing.
  absl::Status AppendHistory(const v1::ContactEvent& event);
  absl::StatusOr<std::optional<v1::ContactEvent>> GetHistoryEvent(const std::string& event_id);
  // InvalidArgument naming "page_token" for a token this store did not make.
  absl::StatusOr<HistoryPage> ListHistory(const HistoryQuery& query);

  // RecordOutcome idempotency: the event a request id produced.
  absl::StatusOr<std::optional<std::string>> FindOutcomeRequest(const std::string& request_id);
  absl::Status PutOutcomeRequest(const std::string& request_id, const std::string& event_id);

  // Sealed RecordOutcome notes of an event (notes_sealer.h).
  absl::Status PutOutcomeNotes(const std::string& event_id, const std::string& sealed_notes);
  absl::StatusOr<std::optional<std::string>> GetOutcomeNotes(const std::string& event_id);

  // InvalidArgument naming "page_token" for a token this store did not make.
  absl::StatusOr<FieldVisitPage> ListFieldVisits(const FieldVisitQuery& query);

  // The customer's latest contact data. An update older than the stored one
  // (a replayed or reordered event) is ignored.
  absl::Status PutContactData(const std::string& customer_id, const customer::v1::ContactData& data,
                              absl::Time occurred_at);
  absl::StatusOr<std::optional<customer::v1::ContactData>> GetContactData(
      const std::string& customer_id);

  absl::StatusOr<std::optional<v1::Template>> LoadTemplate(const std::string& name);
  absl::Status SaveTemplate(const v1::Template& message_template);

 private:
  explicit SqliteContactStore(store::SqliteTransaction* txn) : txn_(txn) {}

  // The contact attempts matching `condition` (SQL over contact_attempts,
  // whose ?1 is `value`), by request id.
  absl::StatusOr<std::vector<ContactRecord>> ListRecordsWhere(absl::string_view condition,
                                                              const std::string& value);
  // The first of them, if any.
  absl::StatusOr<std::optional<ContactRecord>> FindRecordWhere(absl::string_view condition,
                                                               const std::string& value);

  store::SqliteTransaction* txn_;
};

class SqliteContactDirectory final : public ContactDirectory {
 public:
  // `db` must outlive the directory.
  explicit SqliteContactDirectory(store::SqliteDatabase* db) : db_(db) {}
  absl::StatusOr<CustomerContact> Lookup(const ContactLookup& lookup) override;

 private:
  store::SqliteDatabase* const db_;
};

class SqliteTemplateStore final : public TemplateStore {
 public:
  // `db` must outlive the store.
  explicit SqliteTemplateStore(store::SqliteDatabase* db) : db_(db) {}
  absl::StatusOr<std::optional<v1::Template>> Load(const std::string& name) override;
  absl::Status Save(const v1::Template& message_template) override;

 private:
  store::SqliteDatabase* const db_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_SQLITE_CONTACT_STORE_H_

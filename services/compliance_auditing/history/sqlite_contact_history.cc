#include "services/compliance_auditing/history/sqlite_contact_history.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "services/compliance_auditing/policy/history_convert.h"

namespace arrears::compliance::history {
namespace {

using store::SqliteStatement;
using store::SqliteTransaction;
using store::SqliteTransactionMode;

// Lists inside one column (debt ids of a call, time zones, ...). Ids never
// hold control characters (the service validates them).
constexpr char kListSeparator = '\x1f';

constexpr char kCreateHistoryTables[] = R"sql(
CREATE TABLE ch_customers (
  customer_id     TEXT PRIMARY KEY,
  residence       TEXT    NOT NULL DEFAULT '',
  time_zones      TEXT    NOT NULL DEFAULT '',
  employer_emails TEXT    NOT NULL DEFAULT '',
  lost_contact    INTEGER NOT NULL DEFAULT 0,
  attorney        INTEGER NOT NULL DEFAULT 0,
  deceased        INTEGER NOT NULL DEFAULT 0,
  bankruptcy      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE ch_calls (
  customer_id      TEXT    NOT NULL,
  attempt_id       TEXT    NOT NULL,
  time_us          INTEGER NOT NULL,
  contact_point_id TEXT    NOT NULL,
  debt_ids         TEXT    NOT NULL,
  counterparty     INTEGER NOT NULL,
  agency_id        TEXT    NOT NULL,
  outcome          INTEGER NOT NULL,
  prior_consent    INTEGER NOT NULL,
  PRIMARY KEY (customer_id, attempt_id)
) WITHOUT ROWID;
CREATE INDEX ch_calls_by_time ON ch_calls (customer_id, time_us);
CREATE TABLE ch_field_visits (
  customer_id TEXT    NOT NULL,
  visit_id    TEXT    NOT NULL,
  time_us     INTEGER NOT NULL,
  PRIMARY KEY (customer_id, visit_id)
) WITHOUT ROWID;
CREATE INDEX ch_field_visits_by_time ON ch_field_visits (customer_id, time_us);
CREATE TABLE ch_third_parties (
  customer_id        TEXT    NOT NULL,
  related_contact_id TEXT    NOT NULL,
  refused            INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, related_contact_id)
) WITHOUT ROWID;
CREATE TABLE ch_third_party_contacts (
  customer_id        TEXT NOT NULL,
  related_contact_id TEXT NOT NULL,
  attempt_id         TEXT NOT NULL,
  PRIMARY KEY (customer_id, related_contact_id, attempt_id)
) WITHOUT ROWID;
CREATE TABLE ch_preferences (
  preference_id TEXT PRIMARY KEY,
  customer_id   TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  type          INTEGER NOT NULL,
  active        INTEGER NOT NULL,
  preference    BLOB    NOT NULL
);
CREATE INDEX ch_preferences_by_customer ON ch_preferences (customer_id, source);
CREATE TABLE ch_debts (
  debt_id            TEXT PRIMARY KEY,
  customer_id        TEXT    NOT NULL,
  sequence           INTEGER NOT NULL,
  state              INTEGER NOT NULL,
  oldest_overdue_day INTEGER
) WITHOUT ROWID;
CREATE TABLE ch_disputes (
  dispute_id        TEXT PRIMARY KEY,
  customer_id       TEXT    NOT NULL,
  state             INTEGER NOT NULL,
  within_validation INTEGER NOT NULL,
  dispute           BLOB    NOT NULL
);
CREATE TABLE ch_dispute_debts (
  debt_id    TEXT NOT NULL,
  dispute_id TEXT NOT NULL,
  PRIMARY KEY (debt_id, dispute_id)
) WITHOUT ROWID;
CREATE TABLE ch_complaints (
  complaint_id TEXT PRIMARY KEY,
  customer_id  TEXT    NOT NULL,
  state        INTEGER NOT NULL,
  sla_due_us   INTEGER NOT NULL,
  complaint    BLOB    NOT NULL
);
CREATE INDEX ch_complaints_by_customer ON ch_complaints (customer_id);
CREATE INDEX ch_complaints_by_due ON ch_complaints (state, sla_due_us);
CREATE TABLE ch_promises (
  promise_id  TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  state       TEXT NOT NULL,
  record      BLOB NOT NULL
);
)sql";

constexpr char kProbe[] = "SELECT 1 FROM ch_customers LIMIT 0";

constexpr char kUpsertCall[] =
    "INSERT INTO ch_calls (customer_id, attempt_id, time_us, contact_point_id, debt_ids,"
    " counterparty, agency_id, outcome, prior_consent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (customer_id, attempt_id) DO UPDATE SET"
    " time_us = MIN(time_us, excluded.time_us), outcome = MAX(outcome, excluded.outcome),"
    " prior_consent = MAX(prior_consent, excluded.prior_consent)";
constexpr char kUpsertVisit[] =
    "INSERT INTO ch_field_visits (customer_id, visit_id, time_us) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (customer_id, visit_id) DO UPDATE SET time_us = MIN(time_us, excluded.time_us)";
constexpr char kUpsertProfile[] =
    "INSERT INTO ch_customers (customer_id, residence, time_zones, employer_emails)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (customer_id) DO UPDATE SET"
    " residence = excluded.residence, time_zones = excluded.time_zones,"
    " employer_emails = excluded.employer_emails";
constexpr char kSetLostContact[] =
    "INSERT INTO ch_customers (customer_id, lost_contact) VALUES (?1, ?2)"
    " ON CONFLICT (customer_id) DO UPDATE SET lost_contact = excluded.lost_contact";
constexpr char kSetAttorney[] =
    "INSERT INTO ch_customers (customer_id, attorney) VALUES (?1, ?2)"
    " ON CONFLICT (customer_id) DO UPDATE SET attorney = excluded.attorney";
constexpr char kSetDeceased[] =
    "INSERT INTO ch_customers (customer_id, deceased) VALUES (?1, ?2)"
    " ON CONFLICT (customer_id) DO UPDATE SET deceased = excluded.deceased";
constexpr char kSetBankruptcy[] =
    "INSERT INTO ch_customers (customer_id, bankruptcy) VALUES (?1, ?2)"
    " ON CONFLICT (customer_id) DO UPDATE SET bankruptcy = excluded.bankruptcy";
constexpr char kInsertThirdParty[] =
    "INSERT OR IGNORE INTO ch_third_parties (customer_id, related_contact_id) VALUES (?1, ?2)";
constexpr char kInsertThirdPartyContact[] =
    "INSERT OR IGNORE INTO ch_third_party_contacts (customer_id, related_contact_id, attempt_id)"
    " VALUES (?1, ?2, ?3)";
constexpr char kRefuseThirdParty[] =
    "INSERT INTO ch_third_parties (customer_id, related_contact_id, refused) VALUES (?1, ?2, 1)"
    " ON CONFLICT (customer_id, related_contact_id) DO UPDATE SET refused = 1";
constexpr char kUpsertPreference[] =
    "INSERT INTO ch_preferences (preference_id, customer_id, source, type, active, preference)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (preference_id) DO UPDATE SET"
    " customer_id = excluded.customer_id, source = excluded.source, type = excluded.type,"
    " active = excluded.active, preference = excluded.preference";
constexpr char kDeletePreferencesFrom[] =
    "DELETE FROM ch_preferences WHERE customer_id = ?1 AND source = ?2";
constexpr char kSelectPreference[] =
    "SELECT preference FROM ch_preferences WHERE preference_id = ?1";
constexpr char kSetPreferenceActive[] =
    "UPDATE ch_preferences SET active = ?2 WHERE preference_id = ?1";
constexpr char kSelectActivePreferencesOfType[] =
    "SELECT preference FROM ch_preferences WHERE customer_id = ?1 AND type = ?2 AND active = 1";
constexpr char kSelectActivePreferences[] =
    "SELECT type, preference FROM ch_preferences WHERE customer_id = ?1 AND active = 1"
    " ORDER BY preference_id";
constexpr char kUpsertDebt[] =
    "INSERT INTO ch_debts (debt_id, customer_id, sequence, state, oldest_overdue_day)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (debt_id) DO UPDATE SET"
    " customer_id = excluded.customer_id, sequence = excluded.sequence, state = excluded.state,"
    " oldest_overdue_day = excluded.oldest_overdue_day WHERE excluded.sequence > ch_debts.sequence";
constexpr char kUpsertDispute[] =
    "INSERT INTO ch_disputes (dispute_id, customer_id, state, within_validation, dispute)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dispute_id) DO UPDATE SET"
    " customer_id = excluded.customer_id, state = excluded.state,"
    " within_validation = excluded.within_validation, dispute = excluded.dispute";
constexpr char kDeleteDisputeDebts[] = "DELETE FROM ch_dispute_debts WHERE dispute_id = ?1";
constexpr char kInsertDisputeDebt[] =
    "INSERT OR IGNORE INTO ch_dispute_debts (debt_id, dispute_id) VALUES (?1, ?2)";
constexpr char kSelectDispute[] = "SELECT dispute FROM ch_disputes WHERE dispute_id = ?1";
constexpr char kUpsertComplaint[] =
    "INSERT INTO ch_complaints (complaint_id, customer_id, state, sla_due_us, complaint)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (complaint_id) DO UPDATE SET"
    " customer_id = excluded.customer_id, state = excluded.state,"
    " sla_due_us = excluded.sla_due_us, complaint = excluded.complaint";
constexpr char kSelectComplaint[] = "SELECT complaint FROM ch_complaints WHERE complaint_id = ?1";
constexpr char kUpsertPromise[] =
    "INSERT INTO ch_promises (promise_id, customer_id, state, record) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (promise_id) DO UPDATE SET customer_id = excluded.customer_id,"
    " state = excluded.state, record = excluded.record";

// Reads of Load.
constexpr char kSelectCustomer[] =
    "SELECT residence, time_zones, employer_emails, lost_contact, attorney, deceased, bankruptcy"
    " FROM ch_customers"
    " WHERE customer_id = ?1";
constexpr char kSelectCallsSince[] =
    "SELECT time_us, contact_point_id, debt_ids, counterparty, agency_id, outcome, prior_consent"
    " FROM ch_calls WHERE customer_id = ?1 AND time_us >= ?2 ORDER BY time_us";
constexpr char kSelectVisitsSince[] =
    "SELECT time_us FROM ch_field_visits WHERE customer_id = ?1 AND time_us >= ?2"
    " ORDER BY time_us";
constexpr char kSelectThirdParties[] =
    "SELECT t.related_contact_id, t.refused, (SELECT COUNT(*) FROM ch_third_party_contacts c"
    " WHERE c.customer_id = t.customer_id AND c.related_contact_id = t.related_contact_id)"
    " FROM ch_third_parties t WHERE t.customer_id = ?1";
constexpr char kSelectOpenDispute[] =
    "SELECT d.dispute_id, d.within_validation FROM ch_dispute_debts x"
    " JOIN ch_disputes d ON d.dispute_id = x.dispute_id"
    " WHERE x.debt_id = ?1 AND d.customer_id = ?2 AND d.state = ?3"
    " ORDER BY d.within_validation DESC, d.dispute_id LIMIT 1";
constexpr char kCountOpenComplaints[] =
    "SELECT COUNT(*) FROM ch_complaints WHERE customer_id = ?1 AND state != ?2";
constexpr char kSelectDebt[] = "SELECT oldest_overdue_day FROM ch_debts WHERE debt_id = ?1";
constexpr char kListComplaints[] =
    "SELECT complaint FROM ch_complaints WHERE (?1 = '' OR customer_id = ?1)"
    " AND (?2 = 0 OR (state != ?3 AND sla_due_us <= ?4)) AND complaint_id > ?5"
    " ORDER BY complaint_id LIMIT ?6";
constexpr char kCountOverdueComplaints[] =
    "SELECT COUNT(*) FROM ch_complaints WHERE state != ?1 AND sla_due_us <= ?2";

const absl::CivilDay kEpochDay(1970, 1, 1);

// ch_customers.bankruptcy: 0 none, 1 filed, 2 notified without a stage.
int64_t BankruptcyColumn(policy::BankruptcyState state) {
  switch (state) {
    case policy::BankruptcyState::kNone:
      return 0;
    case policy::BankruptcyState::kFiled:
      return 1;
    case policy::BankruptcyState::kUnknown:
      return 2;
  }
  return 2;
}

policy::BankruptcyState BankruptcyFromColumn(int64_t value) {
  switch (value) {
    case 0:
      return policy::BankruptcyState::kNone;
    case 1:
      return policy::BankruptcyState::kFiled;
    default:  // a value a newer binary wrote: fail closed
      return policy::BankruptcyState::kUnknown;
  }
}

std::string JoinList(absl::Span<const std::string> items) {
  return absl::StrJoin(items, std::string(1, kListSeparator));
}

std::vector<std::string> SplitList(absl::string_view text) {
  if (text.empty()) return {};
  return absl::StrSplit(text, kListSeparator);
}

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

// "US-NY" -> "US".
std::string Country(absl::string_view residence) {
  return absl::AsciiStrToUpper(residence.substr(0, residence.find('-')));
}

template <typename Message>
absl::StatusOr<Message> ParseColumn(absl::string_view bytes, absl::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
  }
  return message;
}

template <typename Message>
absl::StatusOr<std::optional<Message>> SelectMessage(SqliteTransaction& txn, const char* sql,
                                                     absl::string_view id, absl::string_view what) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(sql));
  select.BindText(1, id);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<Message>();
  ARREARS_ASSIGN_OR_RETURN(Message message, ParseColumn<Message>(select.ColumnBlob(0), what));
  return std::optional<Message>(std::move(message));
}

// Adds one active preference to the snapshot. A stored preference that no
// longer converts (validated when stored) is skipped: it can only be one a
// newer binary wrote.
void AddPreference(const v1::Preference& preference, policy::InMemoryContactHistory& history) {
  const std::string& customer = preference.customer_id();
  switch (preference.type()) {
    case v1::Preference::TYPE_DO_NOT_CONTACT:
      if (auto opt_out = policy::OptOutFromProto(preference); opt_out.ok()) {
        history.AddOptOut(customer, *std::move(opt_out));
      }
      break;
    case v1::Preference::TYPE_AGREED_CONTACT_TIME:
      if (auto agreed = policy::AgreedContactTimeFromProto(preference); agreed.ok()) {
        history.AddAgreedContactTime(customer, *std::move(agreed));
      }
      break;
    case v1::Preference::TYPE_PRIOR_CONSENT:
      if (auto consent = policy::PriorConsentFromProto(preference); consent.ok()) {
        history.AddPriorConsent(customer, *std::move(consent));
      }
      break;
    case v1::Preference::TYPE_CEASE_COMMUNICATION:
      if (auto cease = policy::CeaseRequestFromProto(preference); cease.ok()) {
        history.SetCease(customer, *std::move(cease));
      }
      break;
    case v1::Preference::TYPE_THIRD_PARTY_REFUSAL:
      if (!preference.related_contact_id().empty()) {
        history.AddThirdPartyRefusal(customer, preference.related_contact_id());
      }
      break;
    default:
      break;
  }
}

}  // namespace

std::vector<store::Migration> HistoryMigrations(int first_version) {
  return {{first_version, "create contact history tables", kCreateHistoryTables}};
}

absl::StatusOr<std::unique_ptr<SqliteContactHistory>> SqliteContactHistory::Create(
    store::SqliteDatabase* db, std::vector<store::SqliteDatabase*> readers,
    HistoryOptions options) {
  if (db == nullptr) return absl::InvalidArgumentError("contact history needs a database");
  for (store::SqliteDatabase* reader : readers) {
    if (reader == nullptr) return absl::InvalidArgumentError("readers: null connection");
  }
  const absl::Status probe = db->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [](SqliteTransaction& txn) { return txn.Execute(kProbe); });
  if (!probe.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("contact history schema missing in ", db->path(),
                     " (apply HistoryMigrations): ", probe.message()));
  }
  if (readers.empty()) readers.push_back(db);
  return std::unique_ptr<SqliteContactHistory>(
      new SqliteContactHistory(db, std::move(readers), std::move(options)));
}

absl::StatusOr<SqliteTransaction*> SqliteContactHistory::Unwrap(store::Transaction& txn) const {
  return db_->Unwrap(txn);
}

store::SqliteDatabase& SqliteContactHistory::NextReader() {
  return *readers_[next_reader_.fetch_add(1, std::memory_order_relaxed) % readers_.size()];
}

// --- Writers ---

absl::Status SqliteContactHistory::RecordCall(store::Transaction& txn,
                                              absl::string_view customer_id,
                                              absl::string_view attempt_id,
                                              const policy::CallRecord& call) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertCall));
  Taint(customer_id);
  const std::string debt_ids = JoinList(call.debt_ids);
  upsert.BindText(1, customer_id);
  upsert.BindText(2, attempt_id);
  upsert.BindInt64(3, Micros(call.time));
  upsert.BindText(4, call.contact_point_id);
  upsert.BindText(5, debt_ids);
  upsert.BindInt64(6, call.counterparty);
  upsert.BindText(7, call.agency_id);
  upsert.BindInt64(8, static_cast<int64_t>(call.outcome));
  upsert.BindInt64(9, call.with_prior_consent ? 1 : 0);
  return upsert.Run();
}

absl::Status SqliteContactHistory::RecordFieldVisit(store::Transaction& txn,
                                                    absl::string_view customer_id,
                                                    absl::string_view visit_id, absl::Time time) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertVisit));
  Taint(customer_id);
  upsert.BindText(1, customer_id);
  upsert.BindText(2, visit_id);
  upsert.BindInt64(3, Micros(time));
  return upsert.Run();
}

absl::Status SqliteContactHistory::PutProfile(store::Transaction& txn,
                                              absl::string_view customer_id,
                                              const CustomerProfile& profile) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertProfile));
  Taint(customer_id);
  const std::string zones = JoinList(profile.time_zones);
  const std::string emails = JoinList(profile.employer_email_points);
  upsert.BindText(1, customer_id);
  upsert.BindText(2, profile.residence_jurisdiction);
  upsert.BindText(3, zones);
  upsert.BindText(4, emails);
  return upsert.Run();
}

absl::Status SqliteContactHistory::SetFlag(store::Transaction& txn, absl::string_view customer_id,
                                           CustomerFlag flag, bool value) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  const char* sql = nullptr;
  switch (flag) {
    case CustomerFlag::kLostContact:
      sql = kSetLostContact;
      break;
    case CustomerFlag::kAttorney:
      sql = kSetAttorney;
      break;
    case CustomerFlag::kDeceased:
      sql = kSetDeceased;
      break;
    case CustomerFlag::kBankruptcy:
      sql = kSetBankruptcy;
      break;
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(sql));
  Taint(customer_id);
  upsert.BindText(1, customer_id);
  upsert.BindInt64(2, value ? 1 : 0);
  return upsert.Run();
}

absl::Status SqliteContactHistory::SetBankruptcy(store::Transaction& txn,
                                                 absl::string_view customer_id,
                                                 policy::BankruptcyState state) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kSetBankruptcy));
  Taint(customer_id);
  upsert.BindText(1, customer_id);
  upsert.BindInt64(2, BankruptcyColumn(state));
  return upsert.Run();
}

absl::Status SqliteContactHistory::RecordThirdPartyContact(store::Transaction& txn,
                                                           absl::string_view customer_id,
                                                           absl::string_view related_contact_id,
                                                           absl::string_view attempt_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement party, sqlite->Prepare(kInsertThirdParty));
  Taint(customer_id);
  party.BindText(1, customer_id);
  party.BindText(2, related_contact_id);
  ARREARS_RETURN_IF_ERROR(party.Run());
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement contact, sqlite->Prepare(kInsertThirdPartyContact));
  contact.BindText(1, customer_id);
  contact.BindText(2, related_contact_id);
  contact.BindText(3, attempt_id);
  return contact.Run();
}

absl::Status SqliteContactHistory::RecordThirdPartyRefusal(store::Transaction& txn,
                                                           absl::string_view customer_id,
                                                           absl::string_view related_contact_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement refuse, sqlite->Prepare(kRefuseThirdParty));
  Taint(customer_id);
  refuse.BindText(1, customer_id);
  refuse.BindText(2, related_contact_id);
  return refuse.Run();
}

absl::Status SqliteContactHistory::PutPreference(store::Transaction& txn,
                                                 const v1::Preference& preference,
                                                 absl::string_view source, bool active) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertPreference));
  TaintAll();  // keyed by preference id: the row may have been another customer's
  const std::string bytes = preference.SerializeAsString();
  upsert.BindText(1, preference.preference_id());
  upsert.BindText(2, preference.customer_id());
  upsert.BindText(3, source);
  upsert.BindInt64(4, preference.type());
  upsert.BindInt64(5, active ? 1 : 0);
  upsert.BindBlob(6, bytes);
  return upsert.Run();
}

absl::Status SqliteContactHistory::ReplacePreferences(
    store::Transaction& txn, absl::string_view customer_id, absl::string_view source,
    absl::Span<const v1::Preference> preferences) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement remove, sqlite->Prepare(kDeletePreferencesFrom));
  Taint(customer_id);
  remove.BindText(1, customer_id);
  remove.BindText(2, source);
  ARREARS_RETURN_IF_ERROR(remove.Run());
  for (const v1::Preference& preference : preferences) {
    ARREARS_RETURN_IF_ERROR(PutPreference(txn, preference, source, /*active=*/true));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Preference>> SqliteContactHistory::GetPreference(
    store::Transaction& txn, absl::string_view preference_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  return SelectMessage<v1::Preference>(*sqlite, kSelectPreference, preference_id, "preference");
}

absl::Status SqliteContactHistory::SetPreferenceActive(store::Transaction& txn,
                                                       absl::string_view preference_id,
                                                       bool active) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement update, sqlite->Prepare(kSetPreferenceActive));
  TaintAll();  // the customer is not known here
  update.BindText(1, preference_id);
  update.BindInt64(2, active ? 1 : 0);
  return update.Run();
}

absl::StatusOr<bool> SqliteContactHistory::HasPriorConsent(store::Transaction& txn,
                                                           absl::string_view customer_id,
                                                           common::v1::Channel channel,
                                                           absl::string_view contact_point_id,
                                                           absl::Time at) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectActivePreferencesOfType));
  select.BindText(1, customer_id);
  select.BindInt64(2, v1::Preference::TYPE_PRIOR_CONSENT);
  policy::InMemoryContactHistory consents;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    ARREARS_ASSIGN_OR_RETURN(const v1::Preference preference,
                             ParseColumn<v1::Preference>(select.ColumnBlob(0), "preference"));
    AddPreference(preference, consents);
  }
  return consents.FindPriorConsent(customer_id, channel, contact_point_id, at).has_value();
}

absl::Status SqliteContactHistory::PutDebtStatus(store::Transaction& txn,
                                                 const DebtStatus& status) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertDebt));
  // The debt too: a snapshot of another customer naming it must not survive.
  Taint(status.customer_id, absl::MakeConstSpan(&status.debt_id, 1));
  upsert.BindText(1, status.debt_id);
  upsert.BindText(2, status.customer_id);
  upsert.BindInt64(3, status.sequence);
  upsert.BindInt64(4, status.state);
  if (status.oldest_overdue_due_date.has_value()) {
    upsert.BindInt64(5, *status.oldest_overdue_due_date - kEpochDay);
  } else {
    upsert.BindNull(5);
  }
  return upsert.Run();
}

absl::Status SqliteContactHistory::PutDispute(store::Transaction& txn, const v1::Dispute& dispute) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertDispute));
  TaintAll();  // keyed by dispute id: its former debts and customer are not known here
  const std::string bytes = dispute.SerializeAsString();
  upsert.BindText(1, dispute.dispute_id());
  upsert.BindText(2, dispute.customer_id());
  upsert.BindInt64(3, dispute.state());
  upsert.BindInt64(4, dispute.within_validation_period() ? 1 : 0);
  upsert.BindBlob(5, bytes);
  ARREARS_RETURN_IF_ERROR(upsert.Run());
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement remove, sqlite->Prepare(kDeleteDisputeDebts));
  remove.BindText(1, dispute.dispute_id());
  ARREARS_RETURN_IF_ERROR(remove.Run());
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, sqlite->Prepare(kInsertDisputeDebt));
  insert.BindText(2, dispute.dispute_id());
  for (const std::string& debt_id : dispute.debt_ids()) {
    insert.BindText(1, debt_id);
    ARREARS_RETURN_IF_ERROR(insert.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Dispute>> SqliteContactHistory::GetDispute(
    store::Transaction& txn, absl::string_view dispute_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  return SelectMessage<v1::Dispute>(*sqlite, kSelectDispute, dispute_id, "dispute");
}

absl::Status SqliteContactHistory::PutComplaint(store::Transaction& txn,
                                                const v1::Complaint& complaint) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertComplaint));
  TaintAll();  // keyed by complaint id: its former customer is not known here
  const std::string bytes = complaint.SerializeAsString();
  upsert.BindText(1, complaint.complaint_id());
  upsert.BindText(2, complaint.customer_id());
  upsert.BindInt64(3, complaint.state());
  // No SLA: never overdue.
  upsert.BindInt64(4, complaint.has_sla_due_time() ? Micros(FromTimestamp(complaint.sla_due_time()))
                                                   : INT64_MAX);
  upsert.BindBlob(5, bytes);
  return upsert.Run();
}

absl::StatusOr<std::optional<v1::Complaint>> SqliteContactHistory::GetComplaint(
    store::Transaction& txn, absl::string_view complaint_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  return SelectMessage<v1::Complaint>(*sqlite, kSelectComplaint, complaint_id, "complaint");
}

absl::Status SqliteContactHistory::PutPromise(store::Transaction& txn,
                                              absl::string_view customer_id,
                                              absl::string_view promise_id, absl::string_view state,
                                              absl::string_view record) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertPromise));
  upsert.BindText(1, promise_id);
  upsert.BindText(2, customer_id);
  upsert.BindText(3, state);
  upsert.BindBlob(4, record);
  return upsert.Run();
}

// --- Readers ---

// The rows one CheckContact reads about one customer, as stored: the
// snapshot the cache keeps. Fill() turns it into the engine's view.
struct SqliteContactHistory::CustomerFacts {
  struct ThirdParty {
    std::string related_contact_id;
    bool refused = false;
    int64_t contacts = 0;
  };
  struct Debt {
    std::optional<policy::OpenDispute> open_dispute;
    // Whether a delinquency status is stored for the debt.
    bool known = false;
    std::optional<absl::CivilDay> oldest_overdue_due_date;
  };
  // Calls and visits from here on.
  absl::Time since = absl::InfiniteFuture();
  // The write sequence number this snapshot is known to include (cache).
  uint64_t loaded_seq = 0;
  bool has_profile = false;
  std::string residence;
  std::vector<std::string> time_zones;
  std::vector<std::string> employer_emails;
  bool lost_contact = false;
  bool attorney = false;
  bool deceased = false;
  policy::BankruptcyState bankruptcy = policy::BankruptcyState::kNone;
  std::vector<policy::CallRecord> calls;
  std::vector<absl::Time> visits;
  std::vector<v1::Preference> preferences;
  std::vector<ThirdParty> third_parties;
  absl::flat_hash_map<std::string, Debt> debts;
  std::optional<int> open_complaints;
};

absl::Status SqliteContactHistory::ReadFacts(SqliteTransaction& txn, absl::string_view customer_id,
                                             absl::Span<const std::string> debt_ids,
                                             absl::Time since, CustomerFacts& facts) const {
  facts.since = since;
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectCustomer));
    select.BindText(1, customer_id);
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (row) {
      facts.has_profile = true;
      facts.residence = std::string(select.ColumnText(0));
      facts.time_zones = SplitList(select.ColumnText(1));
      facts.employer_emails = SplitList(select.ColumnText(2));
      facts.lost_contact = select.ColumnInt64(3) != 0;
      facts.attorney = select.ColumnInt64(4) != 0;
      facts.deceased = select.ColumnInt64(5) != 0;
      facts.bankruptcy = BankruptcyFromColumn(select.ColumnInt64(6));
    }
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectCallsSince));
    select.BindText(1, customer_id);
    select.BindInt64(2, Micros(since));
    while (true) {
      ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      policy::CallRecord call;
      call.time = absl::FromUnixMicros(select.ColumnInt64(0));
      call.contact_point_id = std::string(select.ColumnText(1));
      call.debt_ids = SplitList(select.ColumnText(2));
      call.counterparty = static_cast<common::v1::Counterparty>(select.ColumnInt64(3));
      call.agency_id = std::string(select.ColumnText(4));
      call.outcome = static_cast<policy::CallOutcome>(select.ColumnInt64(5));
      call.with_prior_consent = select.ColumnInt64(6) != 0;
      facts.calls.push_back(std::move(call));
    }
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectVisitsSince));
    select.BindText(1, customer_id);
    select.BindInt64(2, Micros(since));
    while (true) {
      ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      facts.visits.push_back(absl::FromUnixMicros(select.ColumnInt64(0)));
    }
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectActivePreferences));
    select.BindText(1, customer_id);
    while (true) {
      ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      ARREARS_ASSIGN_OR_RETURN(v1::Preference preference,
                               ParseColumn<v1::Preference>(select.ColumnBlob(1), "preference"));
      facts.preferences.push_back(std::move(preference));
    }
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectThirdParties));
    select.BindText(1, customer_id);
    while (true) {
      ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      facts.third_parties.push_back(
          {std::string(select.ColumnText(0)), select.ColumnInt64(1) != 0, select.ColumnInt64(2)});
    }
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement dispute, txn.Prepare(kSelectOpenDispute));
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement debt, txn.Prepare(kSelectDebt));
    for (const std::string& debt_id : debt_ids) {
      CustomerFacts::Debt& facts_of_debt = facts.debts[debt_id];
      dispute.BindText(1, debt_id);
      dispute.BindText(2, customer_id);
      dispute.BindInt64(3, v1::Dispute::STATE_OPEN);
      ARREARS_ASSIGN_OR_RETURN(const bool open, dispute.Step());
      if (open) {
        facts_of_debt.open_dispute =
            policy::OpenDispute{std::string(dispute.ColumnText(0)), dispute.ColumnInt64(1) != 0};
      }
      dispute.Reset();
      debt.BindText(1, debt_id);
      ARREARS_ASSIGN_OR_RETURN(const bool known, debt.Step());
      if (known) {
        facts_of_debt.known = true;
        if (!debt.ColumnIsNull(0)) {
          facts_of_debt.oldest_overdue_due_date = kEpochDay + debt.ColumnInt64(0);
        }
      }
      debt.Reset();
    }
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kCountOpenComplaints));
    select.BindText(1, customer_id);
    select.BindInt64(2, v1::Complaint::STATE_RESOLVED);
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (row) facts.open_complaints = static_cast<int>(select.ColumnInt64(0));
  }
  return absl::OkStatus();
}

void SqliteContactHistory::Fill(const CustomerFacts& facts, absl::string_view customer_id,
                                absl::Span<const std::string> debt_ids, absl::Time since,
                                absl::Time now, policy::InMemoryContactHistory& h) const {
  for (const std::string& jurisdiction : options_.lender_jurisdictions) {
    h.AddJurisdiction(customer_id, jurisdiction);
  }
  if (facts.has_profile) {
    const std::string country = Country(facts.residence);
    if (!country.empty() &&
        std::find(options_.lender_jurisdictions.begin(), options_.lender_jurisdictions.end(),
                  country) == options_.lender_jurisdictions.end()) {
      h.AddJurisdiction(customer_id, country);
    }
    for (const std::string& zone : facts.time_zones) h.AddTimeZone(customer_id, zone);
    for (const std::string& point : facts.employer_emails) {
      h.AddEmployerProvidedEmail(customer_id, point);
    }
    h.SetLostContact(customer_id, facts.lost_contact);
    h.SetAttorney(customer_id, facts.attorney);
    h.SetDeceased(customer_id, facts.deceased);
    h.SetBankruptcy(customer_id, facts.bankruptcy);
    h.SetResidence(customer_id, facts.residence);
  }
  for (const policy::CallRecord& call : facts.calls) {
    if (call.time >= since) h.AddCall(customer_id, call);
  }
  for (const absl::Time visit : facts.visits) {
    if (visit >= since) h.AddFieldVisit(customer_id, visit);
  }
  for (const v1::Preference& preference : facts.preferences) AddPreference(preference, h);
  for (const CustomerFacts::ThirdParty& party : facts.third_parties) {
    if (party.refused) h.AddThirdPartyRefusal(customer_id, party.related_contact_id);
    for (int64_t i = party.contacts; i > 0; --i) {
      h.AddThirdPartyContact(customer_id, party.related_contact_id);
    }
  }
  for (const std::string& debt_id : debt_ids) {
    const auto it = facts.debts.find(debt_id);
    if (it == facts.debts.end()) {  // not read (never by contract): fail closed
      h.SetDebtAge(debt_id, policy::DebtAge{});
      continue;
    }
    const CustomerFacts::Debt& debt = it->second;
    if (debt.open_dispute.has_value()) h.SetDispute(customer_id, debt_id, *debt.open_dispute);
    h.SetDebtAge(debt_id, policy::DebtAge{debt.known, debt.oldest_overdue_due_date});
  }
  if (facts.open_complaints.has_value())
    h.SetOpenComplaintCount(customer_id, *facts.open_complaints);
}

absl::Status SqliteContactHistory::LoadIn(SqliteTransaction& txn, absl::string_view customer_id,
                                          absl::Span<const std::string> debt_ids, absl::Time since,
                                          absl::Time now, policy::InMemoryContactHistory& h) const {
  CustomerFacts facts;
  ARREARS_RETURN_IF_ERROR(ReadFacts(txn, customer_id, debt_ids, since, facts));
  Fill(facts, customer_id, debt_ids, since, now, h);
  return absl::OkStatus();
}

// --- The snapshot cache ---
//
// Invariant: a cached snapshot with loaded_seq = s holds every committed
// write to its customer (and debts) that was made before the write sequence
// passed s, and no write made after it is committed without tainting the
// snapshot's keys with a sequence number above s. Writers taint inside their
// transaction (before it commits); a reader that saw a key tainted but not
// yet settled waits, before reading, for every transaction of the writer
// connection open at that point to end (an empty transaction on it: the
// connection runs one transaction at a time), so its snapshot includes them.

std::string SqliteContactHistory::DebtKey(absl::string_view debt_id) {
  return absl::StrCat(absl::string_view(&kListSeparator, 1), debt_id);
}

void SqliteContactHistory::Taint(absl::string_view customer_id,
                                 absl::Span<const std::string> debt_ids) {
  if (!options_.cache_snapshots) return;
  absl::MutexLock lock(&cache_mu_);
  const uint64_t seq = ++write_seq_;
  if (taints_.size() >= kMaxPendingTaints) {
    // Bounded memory: one taint of everything stands for all of them.
    taints_.clear();
    taint_all_ = seq;
    cache_.clear();
    return;
  }
  taints_[customer_id] = seq;
  cache_.erase(customer_id);
  for (const std::string& debt_id : debt_ids) taints_[DebtKey(debt_id)] = seq;
}

void SqliteContactHistory::TaintAll() {
  if (!options_.cache_snapshots) return;
  absl::MutexLock lock(&cache_mu_);
  taint_all_ = ++write_seq_;
  cache_.clear();
}

uint64_t SqliteContactHistory::TaintOf(absl::string_view customer_id,
                                       absl::Span<const std::string> debt_ids) const {
  uint64_t taint = taint_all_;
  if (const auto it = taints_.find(customer_id); it != taints_.end()) {
    taint = std::max(taint, it->second);
  }
  for (const std::string& debt_id : debt_ids) {
    if (const auto it = taints_.find(DebtKey(debt_id)); it != taints_.end()) {
      taint = std::max(taint, it->second);
    }
  }
  return taint;
}

absl::StatusOr<std::shared_ptr<const SqliteContactHistory::CustomerFacts>>
SqliteContactHistory::CachedFacts(absl::string_view customer_id,
                                  absl::Span<const std::string> debt_ids, absl::Time since) {
  uint64_t start_seq = 0;
  bool settle = false;
  // The debts to read: the request's and those of the snapshot it replaces
  // (callers that alternate between debts keep hitting).
  std::vector<std::string> debts(debt_ids.begin(), debt_ids.end());
  {
    absl::MutexLock lock(&cache_mu_);
    if (const auto it = cache_.find(customer_id); it != cache_.end()) {
      const CustomerFacts& facts = *it->second;
      bool covers = facts.since <= since && TaintOf(customer_id, debt_ids) <= facts.loaded_seq;
      for (const std::string& debt_id : debt_ids) {
        covers = covers && facts.debts.contains(debt_id);
      }
      if (covers) {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second;
      }
      for (const auto& [debt_id, unused] : facts.debts) {
        if (std::find(debt_ids.begin(), debt_ids.end(), debt_id) == debt_ids.end()) {
          debts.push_back(debt_id);
        }
      }
    }
    start_seq = write_seq_;
    settle = TaintOf(customer_id, debts) > settled_seq_;
  }
  cache_misses_.fetch_add(1, std::memory_order_relaxed);
  if (settle) {
    // Every write numbered up to start_seq was made inside a transaction of
    // the writer connection that had begun by then; this one starts after
    // they all ended.
    ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
        SqliteTransactionMode::kDeferred, [](SqliteTransaction&) { return absl::OkStatus(); }));
    absl::MutexLock lock(&cache_mu_);
    if (start_seq > settled_seq_) {
      settled_seq_ = start_seq;
      // Taints now settled say nothing any more.
      if (taints_.size() > kMaxTaints) {
        for (auto it = taints_.begin(); it != taints_.end();) {
          if (it->second <= settled_seq_) {
            taints_.erase(it++);
          } else {
            ++it;
          }
        }
      }
    }
  }
  auto facts = std::make_shared<CustomerFacts>();
  ARREARS_RETURN_IF_ERROR(NextReader().InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        *facts = CustomerFacts();  // a retried read starts afresh
        return ReadFacts(txn, customer_id, debts, since, *facts);
      }));
  facts->loaded_seq = start_seq;
  absl::MutexLock lock(&cache_mu_);
  if (TaintOf(customer_id, debts) <= start_seq) {
    if (cache_.size() >= options_.cache_customers && !cache_.contains(customer_id)) {
      cache_.erase(cache_.begin());
    }
    cache_[customer_id] = facts;
  }
  return std::shared_ptr<const CustomerFacts>(std::move(facts));
}

absl::StatusOr<std::unique_ptr<policy::InMemoryContactHistory>> SqliteContactHistory::Load(
    absl::string_view customer_id, absl::Span<const std::string> debt_ids, absl::Time since,
    absl::Time now) {
  if (options_.cache_snapshots) {
    ARREARS_ASSIGN_OR_RETURN(const std::shared_ptr<const CustomerFacts> facts,
                             CachedFacts(customer_id, debt_ids, since));
    auto history = std::make_unique<policy::InMemoryContactHistory>();
    Fill(*facts, customer_id, debt_ids, since, now, *history);
    return history;
  }
  std::unique_ptr<policy::InMemoryContactHistory> history;
  ARREARS_RETURN_IF_ERROR(NextReader().InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        // A retried read transaction starts from an empty snapshot.
        history = std::make_unique<policy::InMemoryContactHistory>();
        return LoadIn(txn, customer_id, debt_ids, since, now, *history);
      }));
  return history;
}

absl::StatusOr<std::unique_ptr<policy::InMemoryContactHistory>> SqliteContactHistory::LoadWithin(
    store::Transaction& txn, absl::string_view customer_id, absl::Span<const std::string> debt_ids,
    absl::Time since, absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  auto history = std::make_unique<policy::InMemoryContactHistory>();
  ARREARS_RETURN_IF_ERROR(LoadIn(*sqlite, customer_id, debt_ids, since, now, *history));
  return history;
}

namespace {

std::vector<std::string> JurisdictionsOf(const policy::ContactHistory& history,
                                         absl::string_view customer_id) {
  std::vector<std::string> jurisdictions;
  history.ForEachJurisdiction(customer_id, [&](absl::string_view jurisdiction) {
    jurisdictions.emplace_back(jurisdiction);
  });
  return jurisdictions;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SqliteContactHistory::Jurisdictions(
    absl::string_view customer_id) {
  std::unique_ptr<policy::InMemoryContactHistory> history;
  ARREARS_RETURN_IF_ERROR(NextReader().InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        history = std::make_unique<policy::InMemoryContactHistory>();
        return LoadIn(txn, customer_id, {}, absl::InfiniteFuture(), absl::UnixEpoch(), *history);
      }));
  return JurisdictionsOf(*history, customer_id);
}

absl::StatusOr<std::vector<std::string>> SqliteContactHistory::Jurisdictions(
    store::Transaction& txn, absl::string_view customer_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, Unwrap(txn));
  policy::InMemoryContactHistory history;
  ARREARS_RETURN_IF_ERROR(
      LoadIn(*sqlite, customer_id, {}, absl::InfiniteFuture(), absl::UnixEpoch(), history));
  return JurisdictionsOf(history, customer_id);
}

absl::StatusOr<std::vector<v1::Complaint>> SqliteContactHistory::ListComplaints(
    const ComplaintQuery& query) {
  if (query.page_size < 1 || query.page_size > 1000) {
    return absl::InvalidArgumentError("page_size: must be 1..1000");
  }
  std::vector<v1::Complaint> complaints;
  ARREARS_RETURN_IF_ERROR(NextReader().InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        complaints.clear();
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kListComplaints));
        select.BindText(1, query.customer_id);
        select.BindInt64(2, query.overdue_only ? 1 : 0);
        select.BindInt64(3, v1::Complaint::STATE_RESOLVED);
        select.BindInt64(4, Micros(query.now));
        select.BindText(5, query.after_complaint_id);
        select.BindInt64(6, query.page_size);
        while (true) {
          ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
          if (!row) return absl::OkStatus();
          ARREARS_ASSIGN_OR_RETURN(v1::Complaint complaint,
                                   ParseColumn<v1::Complaint>(select.ColumnBlob(0), "complaint"));
          complaints.push_back(std::move(complaint));
        }
      }));
  return complaints;
}

absl::StatusOr<int64_t> SqliteContactHistory::CountOverdueComplaints(absl::Time now) {
  int64_t count = 0;
  ARREARS_RETURN_IF_ERROR(NextReader().InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kCountOverdueComplaints));
        select.BindInt64(1, v1::Complaint::STATE_RESOLVED);
        select.BindInt64(2, Micros(now));
        ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
        if (row) count = select.ColumnInt64(0);
        return absl::OkStatus();
      }));
  return count;
}

absl::StatusOr<std::optional<v1::Preference>> SqliteContactHistory::ReadPreference(
    absl::string_view preference_id) {
  std::optional<v1::Preference> preference;
  ARREARS_RETURN_IF_ERROR(NextReader().InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(
            preference,
            SelectMessage<v1::Preference>(txn, kSelectPreference, preference_id, "preference"));
        return absl::OkStatus();
      }));
  return preference;
}

}  // namespace arrears::compliance::history

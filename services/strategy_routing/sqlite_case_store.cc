#include "services/strategy_routing/sqlite_case_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "services/strategy_routing/case_codec.h"

namespace arrears::strategy {
namespace {

using store::SqliteStatement;
using store::SqliteTransaction;

constexpr char kCasesSchema[] = R"sql(
CREATE TABLE cases (
  case_id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  is_open INTEGER NOT NULL,
  time_zone TEXT NOT NULL,
  next_decision_date TEXT,
  collector_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  agency_id TEXT NOT NULL,
  held INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  strategy_id TEXT NOT NULL,
  opened_on TEXT NOT NULL,
  version INTEGER NOT NULL,
  body BLOB NOT NULL);
CREATE UNIQUE INDEX cases_one_open_per_customer ON cases (customer_id) WHERE is_open = 1;
CREATE INDEX cases_by_customer ON cases (customer_id, opened_on);
CREATE INDEX cases_agenda ON cases (time_zone, next_decision_date, case_id)
  WHERE is_open = 1 AND next_decision_date IS NOT NULL;
CREATE INDEX cases_work_queue ON cases (is_open, priority DESC, case_id);
CREATE INDEX cases_by_strategy ON cases (strategy_id, opened_on);
)sql";

constexpr char kHistorySchema[] = R"sql(
CREATE TABLE case_promises (
  promise_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency_code TEXT NOT NULL,
  promised_date TEXT NOT NULL,
  grace_until TEXT NOT NULL,
  recorded_by TEXT NOT NULL);
CREATE INDEX case_promises_by_case ON case_promises (case_id);
CREATE TABLE case_holds (
  hold_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  hold_type INTEGER NOT NULL,
  set_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  start_date TEXT NOT NULL,
  until_date TEXT,
  lifted_by TEXT,
  lifted_on TEXT);
CREATE INDEX case_holds_by_case ON case_holds (case_id);
CREATE TABLE case_plans (
  plan_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  body BLOB NOT NULL);
CREATE INDEX case_plans_by_case ON case_plans (case_id);
CREATE TABLE case_treatments (
  request_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  strategy_version INTEGER NOT NULL,
  segment TEXT NOT NULL,
  step TEXT NOT NULL,
  channel INTEGER NOT NULL,
  requested_on TEXT NOT NULL,
  outcome INTEGER NOT NULL);
CREATE INDEX case_treatments_by_case ON case_treatments (case_id);
)sql";

constexpr char kServiceSchema[] = R"sql(
CREATE TABLE business_dates (
  time_zone TEXT PRIMARY KEY,
  business_date TEXT NOT NULL);
CREATE TABLE customer_profiles (
  customer_id TEXT PRIMARY KEY,
  contact_point_ids TEXT NOT NULL,
  has_verified_phone INTEGER NOT NULL,
  visit_address_id TEXT NOT NULL,
  visit_region TEXT NOT NULL,
  visit_time_zone TEXT NOT NULL,
  recording_consent INTEGER NOT NULL,
  deceased INTEGER NOT NULL,
  bankruptcy_case_number TEXT NOT NULL);
CREATE TABLE field_visit_bookings (
  staff_id TEXT NOT NULL,
  visit_date TEXT NOT NULL,
  visits INTEGER NOT NULL,
  PRIMARY KEY (staff_id, visit_date)) WITHOUT ROWID;
CREATE TABLE strategy_versions (
  strategy_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  effective_from TEXT NOT NULL,
  source TEXT NOT NULL,
  source_sha256 TEXT NOT NULL,
  author TEXT NOT NULL,
  create_time_us INTEGER NOT NULL,
  PRIMARY KEY (strategy_id, version));
)sql";

// A strategy's source format (arrears.strategy.v1.StrategyFormat number);
// versions stored before textproto support are YAML.
constexpr char kStrategyFormatSchema[] = R"sql(
ALTER TABLE strategy_versions ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
)sql";

constexpr char kSelectCase[] = "SELECT body FROM cases WHERE case_id = ?1";
constexpr char kSelectOpenCase[] = "SELECT body FROM cases WHERE customer_id = ?1 AND is_open = 1";
constexpr char kSelectLatestCase[] =
    "SELECT body FROM cases WHERE customer_id = ?1 "
    "ORDER BY is_open DESC, opened_on DESC, case_id DESC LIMIT 1";
constexpr char kSelectOpenCaseId[] =
    "SELECT case_id FROM cases WHERE customer_id = ?1 AND is_open = 1";
constexpr char kUpsertCase[] =
    "INSERT INTO cases (case_id, customer_id, is_open, time_zone, next_decision_date,"
    " collector_id, team_id, queue_id, agency_id, held, priority, strategy_id, opened_on,"
    " version, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    " ON CONFLICT (case_id) DO UPDATE SET customer_id = excluded.customer_id,"
    " is_open = excluded.is_open, time_zone = excluded.time_zone,"
    " next_decision_date = excluded.next_decision_date, collector_id = excluded.collector_id,"
    " team_id = excluded.team_id, queue_id = excluded.queue_id, agency_id = excluded.agency_id,"
    " held = excluded.held, priority = excluded.priority, strategy_id = excluded.strategy_id,"
    " opened_on = excluded.opened_on, version = excluded.version, body = excluded.body";
constexpr char kUpsertPromise[] =
    "INSERT INTO case_promises (promise_id, case_id, state, amount_minor, currency_code,"
    " promised_date, grace_until, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (promise_id) DO UPDATE SET state = excluded.state"
    " WHERE state IS NOT excluded.state";
constexpr char kUpsertHold[] =
    "INSERT INTO case_holds (hold_id, case_id, hold_type, set_by, reason, start_date,"
    " until_date, lifted_by, lifted_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (hold_id) DO UPDATE SET until_date = excluded.until_date,"
    " lifted_by = excluded.lifted_by, lifted_on = excluded.lifted_on"
    " WHERE until_date IS NOT excluded.until_date OR lifted_on IS NOT excluded.lifted_on";
constexpr char kUpsertPlan[] =
    "INSERT INTO case_plans (plan_id, case_id, state, body) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (plan_id) DO UPDATE SET state = excluded.state, body = excluded.body"
    " WHERE body IS NOT excluded.body";
constexpr char kUpsertTreatment[] =
    "INSERT INTO case_treatments (request_id, case_id, strategy_version, segment, step, channel,"
    " requested_on, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (request_id) DO UPDATE SET outcome = excluded.outcome"
    " WHERE outcome IS NOT excluded.outcome";
constexpr char kSelectDue[] =
    "SELECT case_id FROM cases WHERE is_open = 1 AND next_decision_date IS NOT NULL"
    " AND time_zone = ?1 AND next_decision_date <= ?2"
    " ORDER BY time_zone, next_decision_date, case_id LIMIT ?3";
// ?7 = 0 on the first page; else the keyset (priority ?8, case id ?9).
constexpr char kSelectPage[] =
    "SELECT body FROM cases WHERE is_open = ?1"
    " AND (?2 = '' OR collector_id = ?2) AND (?3 = '' OR team_id = ?3)"
    " AND (?4 = '' OR queue_id = ?4) AND (?5 = '' OR agency_id = ?5)"
    " AND (?6 = 1 OR held = 0)"
    " AND (?7 = 0 OR priority < ?8 OR (priority = ?8 AND case_id > ?9))"
    " ORDER BY priority DESC, case_id LIMIT ?10";
constexpr char kScan[] =
    "SELECT body FROM cases WHERE (?1 = '' OR strategy_id = ?1) AND (?2 = 0 OR is_open = 1)"
    " AND opened_on >= ?3 AND opened_on <= ?4 ORDER BY case_id LIMIT ?5";
constexpr char kSelectBusinessDate[] =
    "SELECT business_date FROM business_dates WHERE time_zone = ?1";
constexpr char kSelectBusinessDates[] =
    "SELECT time_zone, business_date FROM business_dates ORDER BY time_zone";
constexpr char kUpsertBusinessDate[] =
    "INSERT INTO business_dates (time_zone, business_date) VALUES (?1, ?2)"
    " ON CONFLICT (time_zone) DO UPDATE SET business_date = excluded.business_date";
constexpr char kSelectProfile[] =
    "SELECT contact_point_ids, has_verified_phone, visit_address_id, visit_region,"
    " visit_time_zone, recording_consent, deceased, bankruptcy_case_number"
    " FROM customer_profiles WHERE customer_id = ?1";
constexpr char kUpsertProfile[] =
    "INSERT INTO customer_profiles (customer_id, contact_point_ids, has_verified_phone,"
    " visit_address_id, visit_region, visit_time_zone, recording_consent, deceased,"
    " bankruptcy_case_number) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (customer_id) DO UPDATE SET contact_point_ids = excluded.contact_point_ids,"
    " has_verified_phone = excluded.has_verified_phone,"
    " visit_address_id = excluded.visit_address_id, visit_region = excluded.visit_region,"
    " visit_time_zone = excluded.visit_time_zone, recording_consent = excluded.recording_consent,"
    " deceased = excluded.deceased, bankruptcy_case_number = excluded.bankruptcy_case_number";
constexpr char kSelectBooked[] =
    "SELECT visits FROM field_visit_bookings WHERE staff_id = ?1 AND visit_date = ?2";
constexpr char kAddBooking[] =
    "INSERT INTO field_visit_bookings (staff_id, visit_date, visits) VALUES (?1, ?2, 1)"
    " ON CONFLICT (staff_id, visit_date) DO UPDATE SET visits = visits + 1";
constexpr char kSelectStrategies[] =
    "SELECT strategy_id, version, effective_from, source, source_sha256, author, create_time_us,"
    " format FROM strategy_versions ORDER BY strategy_id, version";
constexpr char kSelectStrategy[] =
    "SELECT strategy_id, version, effective_from, source, source_sha256, author, create_time_us,"
    " format FROM strategy_versions WHERE strategy_id = ?1 AND version = ?2";
constexpr char kInsertStrategy[] =
    "INSERT INTO strategy_versions (strategy_id, version, effective_from, source, source_sha256,"
    " author, create_time_us, format) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

std::string Day(absl::CivilDay day) { return time::FormatCivilDay(day); }

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view text) {
  absl::StatusOr<absl::CivilDay> day = time::ParseCivilDay(text);
  if (!day.ok()) return absl::DataLossError(absl::StrCat("stored date is not a date: ", text));
  return day;
}

absl::StatusOr<StoredStrategy> StrategyFromRow(const SqliteStatement& row) {
  StoredStrategy s;
  s.strategy_id = std::string(row.ColumnText(0));
  s.version = row.ColumnInt64(1);
  ARREARS_ASSIGN_OR_RETURN(s.effective_from, ParseDay(row.ColumnText(2)));
  s.source = std::string(row.ColumnText(3));
  s.source_sha256 = std::string(row.ColumnText(4));
  s.author = std::string(row.ColumnText(5));
  s.create_time = absl::FromUnixMicros(row.ColumnInt64(6));
  const int64_t format = row.ColumnInt64(7);
  if (!v1::StrategyFormat_IsValid(static_cast<int>(format)) ||
      format == v1::STRATEGY_FORMAT_UNSPECIFIED) {
    return absl::DataLossError(absl::StrCat("strategy_versions.format: unknown format ", format));
  }
  s.format = static_cast<v1::StrategyFormat>(format);
  return s;
}

}  // namespace

std::vector<store::Migration> StrategyRoutingMigrations() {
  const int base = store::kFirstServiceMigrationVersion;
  return {
      {base, "strategy routing: cases", kCasesSchema},
      {base + 1, "strategy routing: promises, holds, plans, treatments", kHistorySchema},
      {base + 2, "strategy routing: business dates, profiles, visit bookings, strategies",
       kServiceSchema},
      {base + 3, "strategy routing: strategy source formats", kStrategyFormatSchema},
  };
}

absl::StatusOr<std::optional<CaseRecord>> SqliteCaseStore::DecodeFirst(SqliteStatement& statement) {
  ARREARS_ASSIGN_OR_RETURN(const bool row, statement.Step());
  if (!row) return std::optional<CaseRecord>();
  v1::Case proto;
  const absl::string_view body = statement.ColumnBlob(0);
  if (!proto.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::DataLossError("cases.body: not an arrears.strategy.v1.Case");
  }
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, CaseCodec::FromProto(proto, policy_));
  return std::optional<CaseRecord>(std::move(record));
}

absl::StatusOr<std::optional<CaseRecord>> SqliteCaseStore::LoadOne(store::Transaction& txn,
                                                                   absl::string_view sql,
                                                                   absl::string_view key) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(sql));
  select.BindText(1, key);
  return DecodeFirst(select);
}

absl::StatusOr<std::optional<CaseRecord>> SqliteCaseStore::LoadCase(store::Transaction& txn,
                                                                    absl::string_view case_id) {
  return LoadOne(txn, kSelectCase, case_id);
}

absl::StatusOr<std::optional<CaseRecord>> SqliteCaseStore::LoadOpenCase(
    store::Transaction& txn, absl::string_view customer_id) {
  return LoadOne(txn, kSelectOpenCase, customer_id);
}

absl::StatusOr<std::optional<CaseRecord>> SqliteCaseStore::LoadLatestCase(
    store::Transaction& txn, absl::string_view customer_id) {
  return LoadOne(txn, kSelectLatestCase, customer_id);
}

absl::Status SqliteCaseStore::SaveCase(store::Transaction& txn, const CaseRecord& record) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  const CollectionCase& c = record.kase;
  if (!c.closed()) {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement open, sqlite->Prepare(kSelectOpenCaseId));
    open.BindText(1, c.customer_id());
    ARREARS_ASSIGN_OR_RETURN(const bool row, open.Step());
    if (row && open.ColumnText(0) != c.case_id()) {
      return absl::AlreadyExistsError(absl::StrCat("customer ", c.customer_id(),
                                                   " already has open case ", open.ColumnText(0)));
    }
  }
  std::string body;
  CaseCodec::ToProto(record).SerializeToString(&body);
  const std::string next_date = record.next_decision_date ? Day(*record.next_decision_date) : "";
  const std::string opened_on = Day(c.opened_on());
  const std::string zone(c.time_zone().name());
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertCase));
  upsert.BindText(1, c.case_id());
  upsert.BindText(2, c.customer_id());
  upsert.BindInt64(3, c.closed() ? 0 : 1);
  upsert.BindText(4, zone);
  if (record.next_decision_date) {
    upsert.BindText(5, next_date);
  } else {
    upsert.BindNull(5);
  }
  upsert.BindText(6, c.assignment().collector_id);
  upsert.BindText(7, c.assignment().team_id);
  upsert.BindText(8, c.assignment().queue_id);
  upsert.BindText(9, c.assignment().agency_id);
  upsert.BindInt64(10, c.HasActiveHold(c.business_date()) ? 1 : 0);
  upsert.BindInt64(11, record.priority);
  upsert.BindText(12, c.strategy().strategy_id);
  upsert.BindText(13, opened_on);
  upsert.BindInt64(14, record.version);
  upsert.BindBlob(15, body);
  ARREARS_RETURN_IF_ERROR(upsert.Run());
  return SaveProjections(*sqlite, record);
}

absl::Status SqliteCaseStore::SaveProjections(SqliteTransaction& txn, const CaseRecord& record) {
  const CollectionCase& c = record.kase;
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, txn.Prepare(kUpsertPromise));
    auto save = [&](const PromiseToPay& p) -> absl::Status {
      const std::string promised = Day(p.promised_date);
      const std::string grace = Day(p.grace_until);
      const std::string currency(p.amount.currency().code());
      upsert.BindText(1, p.promise_id);
      upsert.BindText(2, c.case_id());
      upsert.BindInt64(3, p.state);
      upsert.BindInt64(4, p.amount.minor_units());
      upsert.BindText(5, currency);
      upsert.BindText(6, promised);
      upsert.BindText(7, grace);
      upsert.BindText(8, p.recorded_by);
      return upsert.Run();
    };
    if (c.open_promise()) ARREARS_RETURN_IF_ERROR(save(*c.open_promise()));
    for (const PromiseToPay& p : c.resolved_promises()) ARREARS_RETURN_IF_ERROR(save(p));
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, txn.Prepare(kUpsertHold));
    auto save = [&](const Hold& h) -> absl::Status {
      const std::string start = Day(h.start);
      const std::string until = h.until ? Day(*h.until) : "";
      const std::string lifted_on = h.lifted_on ? Day(*h.lifted_on) : "";
      upsert.BindText(1, h.hold_id);
      upsert.BindText(2, c.case_id());
      upsert.BindInt64(3, h.type);
      upsert.BindText(4, h.set_by);
      upsert.BindText(5, h.reason);
      upsert.BindText(6, start);
      if (h.until) {
        upsert.BindText(7, until);
      } else {
        upsert.BindNull(7);
      }
      if (h.lifted_on) {
        upsert.BindText(8, h.lifted_by);
        upsert.BindText(9, lifted_on);
      } else {
        upsert.BindNull(8);
        upsert.BindNull(9);
      }
      return upsert.Run();
    };
    for (const Hold& h : c.holds()) ARREARS_RETURN_IF_ERROR(save(h));
    for (const Hold& h : c.lifted_holds()) ARREARS_RETURN_IF_ERROR(save(h));
  }
  {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, txn.Prepare(kUpsertPlan));
    for (const v1::RepaymentPlan& plan : record.plans) {
      std::string body;
      plan.SerializeToString(&body);
      upsert.BindText(1, plan.plan_id());
      upsert.BindText(2, c.case_id());
      upsert.BindInt64(3, plan.state());
      upsert.BindBlob(4, body);
      ARREARS_RETURN_IF_ERROR(upsert.Run());
    }
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, txn.Prepare(kUpsertTreatment));
  for (const Treatment& t : c.treatments()) {
    const std::string requested_on = Day(t.requested_on);
    upsert.BindText(1, t.request_id);
    upsert.BindText(2, c.case_id());
    upsert.BindInt64(3, t.strategy_version);
    upsert.BindText(4, t.segment);
    upsert.BindText(5, t.step);
    upsert.BindInt64(6, t.channel);
    upsert.BindText(7, requested_on);
    upsert.BindInt64(8, t.outcome);
    ARREARS_RETURN_IF_ERROR(upsert.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SqliteCaseStore::DueCases(store::Transaction& txn,
                                                                   absl::string_view time_zone,
                                                                   absl::CivilDay day, int limit) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectDue));
  const std::string date = Day(day);
  select.BindText(1, time_zone);
  select.BindText(2, date);
  select.BindInt64(3, limit);
  std::vector<std::string> ids;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return ids;
    ids.emplace_back(select.ColumnText(0));
  }
}

absl::StatusOr<CasePage> SqliteCaseStore::ListCases(store::Transaction& txn,
                                                    const CaseQuery& query) {
  int64_t after_priority = 0;
  std::string after_id;
  if (!query.page_token.empty()) {
    ARREARS_RETURN_IF_ERROR(DecodeCasePageToken(query.page_token, &after_priority, &after_id));
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectPage));
  const int page_size = std::max(1, query.page_size);
  select.BindInt64(1, query.closed ? 0 : 1);
  select.BindText(2, query.collector_id);
  select.BindText(3, query.team_id);
  select.BindText(4, query.queue_id);
  select.BindText(5, query.agency_id);
  select.BindInt64(6, query.include_held || query.closed ? 1 : 0);
  select.BindInt64(7, query.page_token.empty() ? 0 : 1);
  select.BindInt64(8, after_priority);
  select.BindText(9, after_id);
  select.BindInt64(10, page_size + 1);
  CasePage page;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    const absl::string_view body = select.ColumnBlob(0);
    v1::Case& c = page.cases.emplace_back();
    if (!c.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return absl::DataLossError("cases.body: not an arrears.strategy.v1.Case");
    }
  }
  if (static_cast<int>(page.cases.size()) > page_size) {
    page.cases.resize(page_size);
    page.next_page_token =
        EncodeCasePageToken(page.cases.back().priority(), page.cases.back().case_id());
  }
  return page;
}

absl::Status SqliteCaseStore::ScanCases(store::Transaction& txn, const CaseScan& scan,
                                        absl::FunctionRef<absl::Status(const v1::Case&)> visit) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kScan));
  const std::string from = scan.opened_from ? Day(*scan.opened_from) : "";
  const std::string to = scan.opened_to ? Day(*scan.opened_to) : "9999-12-31";
  select.BindText(1, scan.strategy_id);
  select.BindInt64(2, scan.open_only ? 1 : 0);
  select.BindText(3, from);
  select.BindText(4, to);
  select.BindInt64(5, scan.limit > 0 ? scan.limit : -1);
  v1::Case c;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return absl::OkStatus();
    const absl::string_view body = select.ColumnBlob(0);
    if (!c.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return absl::DataLossError("cases.body: not an arrears.strategy.v1.Case");
    }
    ARREARS_RETURN_IF_ERROR(visit(c));
  }
}

absl::StatusOr<std::optional<absl::CivilDay>> SqliteCaseStore::LoadBusinessDate(
    store::Transaction& txn, absl::string_view time_zone) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectBusinessDate));
  select.BindText(1, time_zone);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<absl::CivilDay>();
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay day, ParseDay(select.ColumnText(0)));
  return std::optional<absl::CivilDay>(day);
}

absl::Status SqliteCaseStore::SaveBusinessDate(store::Transaction& txn, absl::string_view time_zone,
                                               absl::CivilDay day) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertBusinessDate));
  const std::string date = Day(day);
  upsert.BindText(1, time_zone);
  upsert.BindText(2, date);
  return upsert.Run();
}

absl::StatusOr<std::vector<std::pair<std::string, absl::CivilDay>>>
SqliteCaseStore::LoadBusinessDates(store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectBusinessDates));
  std::vector<std::pair<std::string, absl::CivilDay>> out;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return out;
    ARREARS_ASSIGN_OR_RETURN(absl::CivilDay day, ParseDay(select.ColumnText(1)));
    out.emplace_back(std::string(select.ColumnText(0)), day);
  }
}

absl::StatusOr<std::optional<CustomerProfile>> SqliteCaseStore::LoadProfile(
    store::Transaction& txn, absl::string_view customer_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectProfile));
  select.BindText(1, customer_id);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<CustomerProfile>();
  CustomerProfile p;
  p.customer_id = std::string(customer_id);
  const absl::string_view ids = select.ColumnText(0);
  if (!ids.empty()) p.contact_point_ids = absl::StrSplit(ids, '\n');
  p.has_verified_phone = select.ColumnInt64(1) != 0;
  p.visit_address_id = std::string(select.ColumnText(2));
  p.visit_region = std::string(select.ColumnText(3));
  p.visit_time_zone = std::string(select.ColumnText(4));
  p.recording_consent = select.ColumnInt64(5) != 0;
  p.deceased = select.ColumnInt64(6) != 0;
  p.bankruptcy_case_number = std::string(select.ColumnText(7));
  return std::optional<CustomerProfile>(std::move(p));
}

absl::Status SqliteCaseStore::SaveProfile(store::Transaction& txn, const CustomerProfile& p) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement upsert, sqlite->Prepare(kUpsertProfile));
  // Contact point ids never contain a newline (they are ids, see strong_id.h).
  const std::string ids = absl::StrJoin(p.contact_point_ids, "\n");
  upsert.BindText(1, p.customer_id);
  upsert.BindText(2, ids);
  upsert.BindInt64(3, p.has_verified_phone ? 1 : 0);
  upsert.BindText(4, p.visit_address_id);
  upsert.BindText(5, p.visit_region);
  upsert.BindText(6, p.visit_time_zone);
  upsert.BindInt64(7, p.recording_consent ? 1 : 0);
  upsert.BindInt64(8, p.deceased ? 1 : 0);
  upsert.BindText(9, p.bankruptcy_case_number);
  return upsert.Run();
}

absl::StatusOr<int> SqliteCaseStore::VisitsBooked(store::Transaction& txn,
                                                  absl::string_view staff_id, absl::CivilDay day) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectBooked));
  const std::string date = Day(day);
  select.BindText(1, staff_id);
  select.BindText(2, date);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  return row ? static_cast<int>(select.ColumnInt64(0)) : 0;
}

absl::Status SqliteCaseStore::AddVisitBooking(store::Transaction& txn, absl::string_view staff_id,
                                              absl::CivilDay day) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, sqlite->Prepare(kAddBooking));
  const std::string date = Day(day);
  insert.BindText(1, staff_id);
  insert.BindText(2, date);
  return insert.Run();
}

absl::StatusOr<std::vector<StoredStrategy>> SqliteCaseStore::LoadStrategies(
    store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectStrategies));
  std::vector<StoredStrategy> out;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return out;
    ARREARS_ASSIGN_OR_RETURN(StoredStrategy s, StrategyFromRow(select));
    out.push_back(std::move(s));
  }
}

absl::StatusOr<std::optional<StoredStrategy>> SqliteCaseStore::LoadStrategy(
    store::Transaction& txn, absl::string_view strategy_id, int64_t version) {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, sqlite->Prepare(kSelectStrategy));
  select.BindText(1, strategy_id);
  select.BindInt64(2, version);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<StoredStrategy>();
  ARREARS_ASSIGN_OR_RETURN(StoredStrategy s, StrategyFromRow(select));
  return std::optional<StoredStrategy>(std::move(s));
}

absl::Status SqliteCaseStore::SaveStrategy(store::Transaction& txn,
                                           const StoredStrategy& strategy) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<StoredStrategy> existing,
                           LoadStrategy(txn, strategy.strategy_id, strategy.version));
  if (existing) {
    return absl::AlreadyExistsError(
        absl::StrCat("strategy ", strategy.strategy_id, " version ", strategy.version, " exists"));
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, sqlite->Prepare(kInsertStrategy));
  const std::string effective = Day(strategy.effective_from);
  insert.BindText(1, strategy.strategy_id);
  insert.BindInt64(2, strategy.version);
  insert.BindText(3, effective);
  insert.BindText(4, strategy.source);
  insert.BindText(5, strategy.source_sha256);
  insert.BindText(6, strategy.author);
  insert.BindInt64(7, absl::ToUnixMicros(strategy.create_time));
  insert.BindInt64(8, strategy.format);
  return insert.Run();
}

}  // namespace arrears::strategy

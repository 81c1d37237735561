#include "services/strategy_routing/strategy_grpc_service.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_status.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "services/strategy_routing/case_codec.h"
#include "services/strategy_routing/strategy_loader.h"

namespace arrears::strategy {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kDefaultSimulationCases = 10'000;
constexpr int kMaxSimulationCases = 100'000;

absl::Status Required(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
}

// "cases/{case_id}" -> case_id.
absl::StatusOr<std::string> CaseIdFromName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "cases" || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: expected cases/{case_id}, got \"", name, "\""));
  }
  return std::string(parts[1]);
}

struct StrategyName {
  std::string strategy_id;
  std::optional<int64_t> version;
};

// "strategies/{id}" or "strategies/{id}/versions/{version}".
absl::StatusOr<StrategyName> ParseStrategyName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  StrategyName out;
  if (parts.size() >= 2 && parts[0] == "strategies" && !parts[1].empty()) {
    out.strategy_id = std::string(parts[1]);
    if (parts.size() == 2) return out;
    int64_t version = 0;
    if (parts.size() == 4 && parts[2] == "versions" && absl::SimpleAtoi(parts[3], &version) &&
        version >= 1) {
      out.version = version;
      return out;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": expected strategies/{id} or strategies/{id}/versions/{version}, got \"", name,
      "\""));
}

void AddErrors(const std::vector<ConfigError>& errors,
               google::protobuf::RepeatedPtrField<v1::StrategyValidationError>* out) {
  for (const ConfigError& e : errors) {
    v1::StrategyValidationError* error = out->Add();
    error->set_line(e.line);
    error->set_column(e.column);
    error->set_field(e.field);
    error->set_message(e.message);
  }
}

// Runs `f` (returning StatusOr<T>) in a unit of work; its status decides the
// commit.
template <typename T, typename F>
absl::StatusOr<T> InUnit(UnitOfWork& unit, F f) {
  absl::StatusOr<T> result = absl::InternalError("unit of work did not run");
  absl::Status status = unit.Run([&](store::Transaction& txn, store::OutboxWriter& outbox) {
    result = f(txn, outbox);
    return result.status();
  });
  if (!status.ok()) return status;
  return result;
}

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return runtime::ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

absl::CivilDay TodayUtc(const Clock& clock) {
  return absl::ToCivilDay(clock.Now(), absl::UTCTimeZone());
}

}  // namespace

StrategyGrpcService::StrategyGrpcService(CaseManager* manager, StrategyBook* book,
                                         UnitOfWork* unit_of_work, const Clock* clock,
                                         std::vector<int> extra_dpd_boundaries)
    : manager_(manager),
      book_(book),
      unit_of_work_(unit_of_work),
      clock_(clock),
      extra_dpd_boundaries_(std::move(extra_dpd_boundaries)),
      ids_(clock) {}

Cause StrategyGrpcService::ApiCause(absl::string_view method, absl::string_view key) {
  return Cause{.id = absl::StrCat("api:", method, ":", key.empty() ? ids_.NewId() : key),
               .time = clock_->Now()};
}

grpc::Status StrategyGrpcService::GetCase(grpc::ServerContext*, const v1::GetCaseRequest* request,
                                          v1::Case* response) {
  const std::string& name = request->name();
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 3 && parts[0] == "customers" && !parts[1].empty() && parts[2] == "case") {
    const std::string customer_id(parts[1]);
    return Reply(InUnit<v1::Case>(*unit_of_work_,
                                  [&](store::Transaction& txn, store::OutboxWriter&) {
                                    return manager_->GetCustomerCase(txn, customer_id);
                                  }),
                 response);
  }
  if (parts.size() != 2 || parts[0] != "cases" || parts[1].empty()) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "name: expected cases/{case_id} or customers/{customer_id}/case, got \"", name, "\"")));
  }
  const std::string case_id(parts[1]);
  return Reply(InUnit<v1::Case>(*unit_of_work_,
                                [&](store::Transaction& txn, store::OutboxWriter&) {
                                  return manager_->GetCase(txn, case_id);
                                }),
               response);
}

grpc::Status StrategyGrpcService::ListCases(grpc::ServerContext*,
                                            const v1::ListCasesRequest* request,
                                            v1::ListCasesResponse* response) {
  if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 0..", kMaxPageSize, ", got ", request->page_size())));
  }
  CaseQuery query{.collector_id = request->collector_id(),
                  .team_id = request->team_id(),
                  .queue_id = request->queue_id(),
                  .agency_id = request->agency_id(),
                  .closed = request->state() == v1::Case::STATE_CLOSED,
                  .include_held = request->include_held(),
                  .page_size = request->page_size() == 0 ? kDefaultPageSize : request->page_size(),
                  .page_token = request->page_token()};
  absl::StatusOr<CasePage> page =
      InUnit<CasePage>(*unit_of_work_, [&](store::Transaction& txn, store::OutboxWriter&) {
        return manager_->store().ListCases(txn, query);
      });
  if (!page.ok()) return runtime::ToGrpcStatus(page.status());
  for (v1::Case& c : page->cases) *response->add_cases() = std::move(c);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status StrategyGrpcService::AssignCase(grpc::ServerContext*,
                                             const v1::AssignCaseRequest* request,
                                             v1::Case* response) {
  absl::StatusOr<std::string> case_id = CaseIdFromName(request->name());
  if (!case_id.ok()) return runtime::ToGrpcStatus(case_id.status());
  if (!request->has_assignment()) return runtime::ToGrpcStatus(Required("assignment"));
  CaseAssignment assignment = CaseCodec::AssignmentFromProto(request->assignment());
  if (assignment.assigned_by.empty()) assignment.assigned_by = "api";
  const Cause cause = ApiCause("AssignCase", "");
  return Reply(InUnit<v1::Case>(*unit_of_work_,
                                [&](store::Transaction& txn, store::OutboxWriter& outbox) {
                                  return manager_->AssignCase(txn, outbox, *case_id, assignment,
                                                              cause);
                                }),
               response);
}

grpc::Status StrategyGrpcService::RecordPromise(grpc::ServerContext*,
                                                const v1::RecordPromiseRequest* request,
                                                v1::Promise* response) {
  absl::StatusOr<std::string> case_id = CaseIdFromName(request->name());
  if (!case_id.ok()) return runtime::ToGrpcStatus(case_id.status());
  if (!request->has_promise()) return runtime::ToGrpcStatus(Required("promise"));
  const v1::Promise& promise = request->promise();
  if (promise.recorded_by().empty()) return runtime::ToGrpcStatus(Required("promise.recorded_by"));
  absl::StatusOr<money::Money> amount = MoneyFromProto(promise.amount(), "promise.amount");
  if (!amount.ok()) return runtime::ToGrpcStatus(amount.status());
  absl::StatusOr<absl::CivilDay> date =
      CivilDayFromProto(promise.promised_date(), "promise.promised_date");
  if (!date.ok()) return runtime::ToGrpcStatus(date.status());
  const PromiseInput input{.amount = *amount,
                           .promised_date = *date,
                           .recorded_by = promise.recorded_by(),
                           .idempotency_key = request->request_id()};
  const Cause cause = ApiCause("RecordPromise", request->request_id());
  return Reply(InUnit<v1::Promise>(*unit_of_work_,
                                   [&](store::Transaction& txn, store::OutboxWriter& outbox) {
                                     return manager_->RecordPromise(txn, outbox, *case_id, input,
                                                                    cause);
                                   }),
               response);
}

grpc::Status StrategyGrpcService::PlaceHold(grpc::ServerContext*,
                                            const v1::PlaceHoldRequest* request,
                                            v1::Hold* response) {
  absl::StatusOr<std::string> case_id = CaseIdFromName(request->name());
  if (!case_id.ok()) return runtime::ToGrpcStatus(case_id.status());
  if (!request->has_hold()) return runtime::ToGrpcStatus(Required("hold"));
  const v1::Hold& hold = request->hold();
  if (hold.type() == v1::HOLD_TYPE_UNSPECIFIED) return runtime::ToGrpcStatus(Required("hold.type"));
  if (hold.set_by().empty()) return runtime::ToGrpcStatus(Required("hold.set_by"));
  HoldInput input{.type = hold.type(),
                  .set_by = hold.set_by(),
                  .reason = hold.reason(),
                  .source_ref = hold.source_ref(),
                  .idempotency_key = request->request_id()};
  if (hold.has_until_date()) {
    absl::StatusOr<absl::CivilDay> until = CivilDayFromProto(hold.until_date(), "hold.until_date");
    if (!until.ok()) return runtime::ToGrpcStatus(until.status());
    input.until = *until;
  } else if (hold.has_until_time()) {
    input.until_time = FromTimestamp(hold.until_time());
  }
  const Cause cause = ApiCause("PlaceHold", request->request_id());
  return Reply(InUnit<v1::Hold>(*unit_of_work_,
                                [&](store::Transaction& txn, store::OutboxWriter& outbox) {
                                  return manager_->PlaceHold(txn, outbox, *case_id, input, cause);
                                }),
               response);
}

grpc::Status StrategyGrpcService::LiftHold(grpc::ServerContext*, const v1::LiftHoldRequest* request,
                                           v1::Hold* response) {
  absl::StatusOr<std::string> case_id = CaseIdFromName(request->name());
  if (!case_id.ok()) return runtime::ToGrpcStatus(case_id.status());
  if (request->hold_id().empty()) return runtime::ToGrpcStatus(Required("hold_id"));
  if (request->lifted_by().empty()) return runtime::ToGrpcStatus(Required("lifted_by"));
  const Cause cause = ApiCause("LiftHold", "");
  return Reply(InUnit<v1::Hold>(*unit_of_work_,
                                [&](store::Transaction& txn, store::OutboxWriter& outbox) {
                                  return manager_->LiftHold(txn, outbox, *case_id,
                                                            request->hold_id(),
                                                            request->lifted_by(), cause);
                                }),
               response);
}

grpc::Status StrategyGrpcService::ProposePlan(grpc::ServerContext*,
                                              const v1::ProposePlanRequest* request,
                                              v1::RepaymentPlan* response) {
  absl::StatusOr<std::string> case_id = CaseIdFromName(request->name());
  if (!case_id.ok()) return runtime::ToGrpcStatus(case_id.status());
  if (!request->has_plan()) return runtime::ToGrpcStatus(Required("plan"));
  const Cause cause = ApiCause("ProposePlan", request->request_id());
  return Reply(InUnit<v1::RepaymentPlan>(*unit_of_work_,
                                         [&](store::Transaction& txn, store::OutboxWriter& outbox) {
                                           return manager_->ProposePlan(
                                               txn, outbox, *case_id, request->plan(),
                                               request->request_id(), cause);
                                         }),
               response);
}

grpc::Status StrategyGrpcService::AcceptPlan(grpc::ServerContext*,
                                             const v1::AcceptPlanRequest* request,
                                             v1::RepaymentPlan* response) {
  std::vector<absl::string_view> parts = absl::StrSplit(request->name(), '/');
  if (parts.size() != 4 || parts[0] != "cases" || parts[1].empty() || parts[2] != "plans" ||
      parts[3].empty()) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "name: expected cases/{case_id}/plans/{plan_id}, got \"", request->name(), "\"")));
  }
  if (request->accepted_by().empty()) return runtime::ToGrpcStatus(Required("accepted_by"));
  const std::string case_id(parts[1]);
  const std::string plan_id(parts[3]);
  const Cause cause = ApiCause("AcceptPlan", request->attempt_id());
  return Reply(InUnit<v1::RepaymentPlan>(*unit_of_work_,
                                         [&](store::Transaction& txn, store::OutboxWriter& outbox) {
                                           return manager_->AcceptPlan(
                                               txn, outbox, case_id, plan_id,
                                               request->accepted_by(), cause);
                                         }),
               response);
}

grpc::Status StrategyGrpcService::PutStrategy(grpc::ServerContext*,
                                              const v1::PutStrategyRequest* request,
                                              v1::PutStrategyResponse* response) {
  if (request->source().empty()) return runtime::ToGrpcStatus(Required("source"));
  // Unspecified: detected (strategy_loader.h, DetectStrategyFormat).
  const v1::StrategyFormat format = request->format() == v1::STRATEGY_FORMAT_UNSPECIFIED
                                        ? DetectStrategyFormat(request->source())
                                        : request->format();
  StrategyParseResult parsed = ParseStrategy(request->source(), format);
  if (!parsed.errors.empty()) {
    AddErrors(parsed.errors, response->mutable_errors());
    return grpc::Status::OK;
  }
  Strategy& strategy = *parsed.strategy;
  const std::string author = request->author().empty() ? "api" : request->author();
  StrategyVersion version{
      strategy, MakeStoredStrategy(strategy, request->source(), author, clock_->Now(), format)};
  bool already_stored = false;
  absl::Status status = unit_of_work_->Run([&](store::Transaction& txn, store::OutboxWriter&) {
    ARREARS_ASSIGN_OR_RETURN(std::vector<StoredStrategy> stored,
                             manager_->store().LoadStrategies(txn));
    int64_t latest = 0;
    for (const StoredStrategy& s : stored) {
      if (s.strategy_id != strategy.id) continue;
      latest = std::max(latest, s.version);
      if (s.version != strategy.version) continue;
      if (s.source_sha256 != version.stored.source_sha256) {
        return absl::AlreadyExistsError(absl::StrCat("version: strategy ", strategy.id, " version ",
                                                     strategy.version,
                                                     " is stored with another source"));
      }
      version.stored = s;
      already_stored = true;
      return absl::OkStatus();
    }
    if (strategy.version <= latest) {
      AddErrors({ConfigError{.field = "version",
                             .message = absl::StrCat("must be above the latest stored version ",
                                                     latest, " of ", strategy.id)}},
                response->mutable_errors());
      return absl::OkStatus();
    }
    if (request->validate_only()) return absl::OkStatus();
    return manager_->store().SaveStrategy(txn, version.stored);
  });
  if (!status.ok()) return runtime::ToGrpcStatus(status);
  if (!response->errors().empty()) return grpc::Status::OK;
  *response->mutable_strategy() = StrategyToProto(version);
  if (request->validate_only()) return grpc::Status::OK;
  // Committed: the running book takes it (a no-op when already held).
  if (absl::Status added = book_->Add(version); !added.ok()) {
    return runtime::ToGrpcStatus(absl::InternalError(
        absl::StrCat("stored but not loaded (restart to load it): ", added.message())));
  }
  response->set_stored(true);
  return grpc::Status::OK;
}

grpc::Status StrategyGrpcService::GetStrategy(grpc::ServerContext*,
                                              const v1::GetStrategyRequest* request,
                                              v1::Strategy* response) {
  absl::StatusOr<StrategyName> name = ParseStrategyName(request->name(), "name");
  if (!name.ok()) return runtime::ToGrpcStatus(name.status());
  std::optional<StrategyVersion> version =
      name->version ? book_->Find(name->strategy_id, *name->version)
                    : book_->Effective(name->strategy_id, TodayUtc(*clock_));
  if (!version) {
    return runtime::ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("name: no strategy ", request->name())));
  }
  *response = StrategyToProto(*version);
  return grpc::Status::OK;
}

grpc::Status StrategyGrpcService::SimulateStrategy(grpc::ServerContext*,
                                                   const v1::SimulateStrategyRequest* request,
                                                   v1::SimulateStrategyResponse* response) {
  if (request->strategy_name().empty() == request->source().empty()) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError(
        "strategy_name: exactly one of strategy_name and source is required"));
  }
  if (request->max_cases() < 0) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError("max_cases: must be >= 0"));
  }
  std::optional<Strategy> strategy;
  if (!request->strategy_name().empty()) {
    absl::StatusOr<StrategyName> name =
        ParseStrategyName(request->strategy_name(), "strategy_name");
    if (!name.ok()) return runtime::ToGrpcStatus(name.status());
    std::optional<StrategyVersion> version =
        name->version ? book_->Find(name->strategy_id, *name->version)
                      : book_->Effective(name->strategy_id, TodayUtc(*clock_));
    if (!version) {
      return runtime::ToGrpcStatus(absl::NotFoundError(
          absl::StrCat("strategy_name: no strategy ", request->strategy_name())));
    }
    strategy = std::move(version->strategy);
  } else {
    StrategyParseResult parsed = ParseStrategy(request->source(), request->source_format());
    if (!parsed.errors.empty()) {
      AddErrors(parsed.errors, response->mutable_errors());
      return grpc::Status::OK;
    }
    strategy = std::move(parsed.strategy);
  }
  const std::string strategy_id = strategy->id;
  const int64_t strategy_version = strategy->version;
  absl::StatusOr<std::unique_ptr<DecisionEngine>> engine =
      DecisionEngine::Create({*std::move(strategy)}, strategy_id, extra_dpd_boundaries_);
  if (!engine.ok()) return runtime::ToGrpcStatus(engine.status());

  const absl::Time now = request->has_as_of() ? FromTimestamp(request->as_of()) : clock_->Now();
  std::vector<CaseRecord> records;
  for (int i = 0; i < request->cases_size(); ++i) {
    absl::StatusOr<CaseRecord> record = CaseCodec::FromProto(request->cases(i), manager_->policy());
    if (!record.ok()) {
      return runtime::ToGrpcStatus(Annotate(record.status(), absl::StrCat("cases[", i, "]")));
    }
    records.push_back(*std::move(record));
  }
  if (records.empty()) {
    const int64_t limit = request->max_cases() == 0
                              ? kDefaultSimulationCases
                              : std::min(request->max_cases(), kMaxSimulationCases);
    absl::Status scanned = unit_of_work_->Run([&](store::Transaction& txn, store::OutboxWriter&) {
      records.clear();
      return manager_->store().ScanCases(
          txn, CaseScan{.open_only = true, .limit = limit}, [&](const v1::Case& c) -> absl::Status {
            ARREARS_ASSIGN_OR_RETURN(CaseRecord record,
                                     CaseCodec::FromProto(c, manager_->policy()));
            records.push_back(std::move(record));
            return absl::OkStatus();
          });
    });
    if (!scanned.ok()) return runtime::ToGrpcStatus(scanned);
  }
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (CaseRecord& record : records) {
    const StrategyPosition& position = record.kase.strategy();
    if (position.strategy_id != strategy_id || position.version != strategy_version) {
      record.kase.ClearStrategy();
    }
    const absl::CivilDay day = absl::ToCivilDay(now, record.kase.time_zone());
    v1::SimulatedDecision decision = manager_->Simulate(**engine, std::move(record), day, now);
    ++counts[{decision.reason().segment(), decision.reason().step()}];
    *response->add_decisions() = std::move(decision);
  }
  for (const auto& [key, count] : counts) {
    v1::SimulationCount* row = response->add_counts();
    row->set_segment(key.first);
    row->set_step(key.second);
    row->set_case_count(count);
  }
  return grpc::Status::OK;
}

grpc::Status StrategyGrpcService::GetStrategyReport(grpc::ServerContext*,
                                                    const v1::GetStrategyReportRequest* request,
                                                    v1::StrategyReport* response) {
  absl::StatusOr<StrategyName> name = ParseStrategyName(request->name(), "name");
  if (!name.ok()) return runtime::ToGrpcStatus(name.status());
  if (name->version) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError(
        "name: a report covers every version: expected strategies/{strategy_id}"));
  }
  if (!request->has_start_date()) return runtime::ToGrpcStatus(Required("start_date"));
  absl::StatusOr<absl::CivilDay> start = CivilDayFromProto(request->start_date(), "start_date");
  if (!start.ok()) return runtime::ToGrpcStatus(start.status());
  absl::CivilDay end = TodayUtc(*clock_);
  if (request->has_end_date()) {
    absl::StatusOr<absl::CivilDay> parsed = CivilDayFromProto(request->end_date(), "end_date");
    if (!parsed.ok()) return runtime::ToGrpcStatus(parsed.status());
    end = *parsed;
  }
  if (end < *start) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError("end_date: before start_date"));
  }
  const absl::Time now = clock_->Now();
  return Reply(InUnit<v1::StrategyReport>(*unit_of_work_,
                                          [&](store::Transaction& txn, store::OutboxWriter&) {
                                            return manager_->Report(txn, name->strategy_id, *start,
                                                                    end, now);
                                          }),
               response);
}

}  // namespace arrears::strategy

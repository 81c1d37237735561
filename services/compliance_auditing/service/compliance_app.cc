#include "services/compliance_auditing/service/compliance_app.h"

#include <utility>

#include "common/status/status_macros.h"

namespace arrears::compliance::service {

absl::StatusOr<std::unique_ptr<ComplianceApp>> ComplianceApp::Create(
    store::SqliteDatabase* db, TransactionRunnerWithOutbox run, const Clock* clock,
    const ComplianceAppOptions& options, runtime::MetricsRegistry* metrics) {
  if (db == nullptr || !run || clock == nullptr) {
    return absl::InvalidArgumentError("compliance app needs a database, a runner and a clock");
  }
  if (options.history_readers < 1) {
    return absl::InvalidArgumentError("history_readers: must be at least 1");
  }
  std::unique_ptr<ComplianceApp> app(new ComplianceApp());
  ARREARS_ASSIGN_OR_RETURN(
      app->engine_,
      policy::PolicyEngine::Load(options.pack_paths, options.screening_rules_path, options.engine));
  app->terms_ = std::make_unique<PackTerms>(app->engine_->packs());

  std::vector<store::SqliteDatabase*> readers;
  for (int i = 0; i < options.history_readers; ++i) {
    store::SqliteOptions reader;
    reader.path = db->path();
    reader.background_checkpoints = false;
    // Every commit of the writer makes a reader drop its page cache at its
    // next transaction, in time proportional to the cache's size: a small
    // cache keeps that cheap, and the pages a snapshot reads are few.
    reader.cache_size_kib = 1024;
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDatabase> connection,
                             store::SqliteDatabase::Create(reader));
    readers.push_back(connection.get());
    app->readers_.push_back(std::move(connection));
  }
  ARREARS_ASSIGN_OR_RETURN(app->history_,
                           history::SqliteContactHistory::Create(db, readers, options.history));
  ARREARS_ASSIGN_OR_RETURN(app->audit_, ServiceAudit::Open(db, options.audit, clock));
  app->requests_ = std::make_unique<RequestRecords>(db);
  app->grievances_ =
      std::make_unique<Grievances>(app->history_.get(), app->audit_.get(), app->terms_.get());
  app->ids_ = std::make_unique<ids::UuidV7Generator>(clock);
  app->applier_ = std::make_unique<ComplianceEventApplier>(app->history_.get(), app->audit_.get(),
                                                           app->grievances_.get());
  ComplianceCoreDeps deps;
  deps.engine = app->engine_.get();
  deps.history = app->history_.get();
  deps.audit = app->audit_.get();
  deps.grievances = app->grievances_.get();
  deps.terms = app->terms_.get();
  deps.requests = app->requests_.get();
  deps.run = std::move(run);
  deps.clock = clock;
  deps.ids = app->ids_.get();
  ARREARS_ASSIGN_OR_RETURN(app->core_, ComplianceCore::Create(std::move(deps), options.core));
  ARREARS_ASSIGN_OR_RETURN(app->decision_feed_, DecisionFeed::Create(db, &app->audit_->store(),
                                                                     options.core.event_source));
  app->grpc_ = std::make_unique<ComplianceGrpcService>(app->core_.get());
  if (metrics != nullptr) ARREARS_RETURN_IF_ERROR(app->RegisterMetrics(*metrics));
  return app;
}

absl::Status ComplianceApp::RegisterMetrics(runtime::MetricsRegistry& metrics) {
  using runtime::CollectedSample;
  auto add = [&](runtime::CollectorSpec spec, runtime::Collector collector) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(auto registration,
                             metrics.AddCollector(std::move(spec), std::move(collector)));
    collectors_.push_back(std::move(registration));
    return absl::OkStatus();
  };
  ComplianceCore* core = core_.get();
  ARREARS_RETURN_IF_ERROR(
      add({.name = "arrears_compliance_audit_entries",
           .help = "Entries in the audit log (as last appended)."},
          [core] {
            return std::vector<CollectedSample>{{{}, static_cast<double>(core->audit_size())}};
          }));
  ARREARS_RETURN_IF_ERROR(add({.name = "arrears_compliance_complaints_overdue",
                               .help = "Open complaints at or past their SLA due time."},
                              [core] {
                                std::vector<CollectedSample> samples;
                                absl::StatusOr<int64_t> overdue = core->OverdueComplaints();
                                if (overdue.ok()) {
                                  samples.push_back({{}, static_cast<double>(*overdue)});
                                }
                                return samples;
                              }));
  ARREARS_RETURN_IF_ERROR(
      add({.name = "arrears_compliance_commit_queue",
           .help = "Decisions and screenings waiting for a group commit."},
          [core] {
            return std::vector<CollectedSample>{{{}, static_cast<double>(core->queued_commits())}};
          }));
  return add(
      {.name = "arrears_compliance_decisions_total",
       .help = "CheckContact decisions committed, by verdict.",
       .label_names = {"verdict"},
       .type = runtime::MetricType::kCounter},
      [core] {
        std::vector<CollectedSample> samples;
        for (const v1::Verdict verdict : {v1::VERDICT_ALLOW, v1::VERDICT_DEFER, v1::VERDICT_DENY}) {
          samples.push_back(
              {{v1::Verdict_Name(verdict)}, static_cast<double>(core->decisions(verdict))});
        }
        return samples;
      });
}

}  // namespace arrears::compliance::service

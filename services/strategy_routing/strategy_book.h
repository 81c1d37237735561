// StrategyBook: the strategy versions the service runs, and the decision
// engine built from them.
//
// Versions come from the store (strategy_versions) at start-up and from
// PutStrategy afterwards; each is kept with its source as submitted. Every
// change builds a new immutable DecisionEngine and swaps it in, so a decision
// in flight keeps the engine it started with (engine() hands out shared
// ownership) and readers never wait for a writer.
//
// Version rule (see decision_engine.h): a new case runs the latest version
// of the default strategy effective on its business date; a running case
// keeps its version unless the newer effective version says
// `migration: migrate_at_next_step` (moves at its next decision) or
// `migration: migrate_immediately` (moves on the effective date).
//
// Several replicas sharing one store each hold their own book: a version put
// through one replica reaches the others when they restart (documented
// limitation; the store is the source of truth).
//
// Thread-safety: all methods are thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_BOOK_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_BOOK_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "services/strategy_routing/case_store.h"
#include "services/strategy_routing/decision_engine.h"
#include "services/strategy_routing/strategy.h"

namespace arrears::strategy {

// A version as the book holds it: the parsed strategy and what was stored.
struct StrategyVersion {
  Strategy strategy;
  StoredStrategy stored;
};

class StrategyBook {
 public:
  // Parses every stored version (a stored source that no longer parses is
  // DataLoss naming it). `extra_dpd_boundaries` go to every engine (see
  // DecisionEngine::Create). InvalidArgument when no version of the default
  // strategy exists.
  static absl::StatusOr<std::unique_ptr<StrategyBook>> Create(
      std::string default_strategy_id, const std::vector<StoredStrategy>& stored,
      std::vector<int> extra_dpd_boundaries = {});

  std::shared_ptr<const DecisionEngine> engine() const;
  const std::string& default_strategy_id() const { return default_strategy_id_; }

  // Adds a version (already stored by the caller). AlreadyExists when the
  // (id, version) is held with another source; OK when with the same one.
  absl::Status Add(StrategyVersion version);

  std::optional<StrategyVersion> Find(absl::string_view strategy_id, int64_t version) const;
  // The latest version of `strategy_id` effective on `day`.
  std::optional<StrategyVersion> Effective(absl::string_view strategy_id, absl::CivilDay day) const;

 private:
  StrategyBook(std::string default_strategy_id, std::vector<int> extra_dpd_boundaries)
      : default_strategy_id_(std::move(default_strategy_id)),
        extra_dpd_boundaries_(std::move(extra_dpd_boundaries)) {}
  absl::Status RebuildLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string default_strategy_id_;
  const std::vector<int> extra_dpd_boundaries_;
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, int64_t>, StrategyVersion> versions_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const DecisionEngine> engine_ ABSL_GUARDED_BY(mu_);
};

// A StoredStrategy for a parsed source in `format` (UNSPECIFIED: detected,
// see DetectStrategyFormat).
StoredStrategy MakeStoredStrategy(const Strategy& strategy, std::string source, std::string author,
                                  absl::Time create_time,
                                  v1::StrategyFormat format = v1::STRATEGY_FORMAT_UNSPECIFIED);

// Start-up: stores `from_file` (the configured strategy file) unless its
// (id, version) is stored already, and returns every stored version.
// FailedPrecondition when that version is stored with another source (a
// changed file must carry a new version).
absl::StatusOr<std::vector<StoredStrategy>> RegisterStrategyFile(CaseStore& store,
                                                                 store::Transaction& txn,
                                                                 const StoredStrategy& from_file);

// The API form of a migration rule.
v1::MigrationPolicy MigrationPolicyToProto(MigrationRule rule);

// The API form of a version (resource "strategies/{id}/versions/{version}").
v1::Strategy StrategyToProto(const StrategyVersion& version);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_BOOK_H_

#include "services/strategy_routing/strategy_book.h"

#include "absl/strings/str_cat.h"
#include "common/crypto/sha256.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "services/strategy_routing/strategy_loader.h"

namespace arrears::strategy {

v1::MigrationPolicy MigrationPolicyToProto(MigrationRule rule) {
  switch (rule) {
    case MigrationRule::kKeepVersion:
      return v1::MIGRATION_POLICY_KEEP_VERSION;
    case MigrationRule::kMigrateAtNextStep:
      return v1::MIGRATION_POLICY_MIGRATE_AT_NEXT_STEP;
    case MigrationRule::kMigrateImmediately:
      return v1::MIGRATION_POLICY_MIGRATE_IMMEDIATELY;
  }
  return v1::MIGRATION_POLICY_UNSPECIFIED;
}

StoredStrategy MakeStoredStrategy(const Strategy& strategy, std::string source, std::string author,
                                  absl::Time create_time, v1::StrategyFormat format) {
  StoredStrategy stored;
  stored.format = format == v1::STRATEGY_FORMAT_UNSPECIFIED ? DetectStrategyFormat(source) : format;
  stored.strategy_id = strategy.id;
  stored.version = strategy.version;
  stored.effective_from = strategy.effective_from;
  stored.source_sha256 = crypto::Sha256(source).ToHex();
  stored.source = std::move(source);
  stored.author = std::move(author);
  stored.create_time = create_time;
  return stored;
}

absl::StatusOr<std::vector<StoredStrategy>> RegisterStrategyFile(CaseStore& store,
                                                                 store::Transaction& txn,
                                                                 const StoredStrategy& from_file) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<StoredStrategy> existing,
                           store.LoadStrategy(txn, from_file.strategy_id, from_file.version));
  if (!existing) {
    ARREARS_RETURN_IF_ERROR(store.SaveStrategy(txn, from_file));
  } else if (existing->source_sha256 != from_file.source_sha256) {
    return absl::FailedPreconditionError(
        absl::StrCat(from_file.strategy_id, " version ", from_file.version,
                     " is stored with another source; give the changed file a new version"));
  }
  return store.LoadStrategies(txn);
}

v1::Strategy StrategyToProto(const StrategyVersion& version) {
  const Strategy& s = version.strategy;
  v1::Strategy proto;
  proto.set_name(absl::StrCat("strategies/", s.id, "/versions/", s.version));
  proto.set_strategy_id(s.id);
  proto.set_version(s.version);
  // Effective dates are civil days; the instant given is that day's start in
  // UTC (cases use their own zone's business date).
  *proto.mutable_effective_time() =
      ToTimestamp(absl::FromCivil(absl::CivilSecond(s.effective_from), absl::UTCTimeZone()));
  proto.set_migration_policy(MigrationPolicyToProto(s.migration));
  proto.set_description(s.description);
  proto.set_format(version.stored.format);
  proto.set_source(version.stored.source);
  proto.set_source_sha256(version.stored.source_sha256);
  for (const Segment& segment : s.segments) proto.add_segments(segment.id);
  for (const Variant& variant : s.variants) {
    v1::StrategyVariant* out = proto.add_variants();
    out->set_variant_id(variant.id);
    out->set_percent(variant.percent);
    out->set_champion(variant.champion);
  }
  if (s.variants.empty()) {
    v1::StrategyVariant* out = proto.add_variants();
    out->set_variant_id("champion");
    out->set_percent(100);
    out->set_champion(true);
  }
  proto.set_author(version.stored.author);
  *proto.mutable_create_time() = ToTimestamp(version.stored.create_time);
  return proto;
}

absl::StatusOr<std::unique_ptr<StrategyBook>> StrategyBook::Create(
    std::string default_strategy_id, const std::vector<StoredStrategy>& stored,
    std::vector<int> extra_dpd_boundaries) {
  std::unique_ptr<StrategyBook> book(
      new StrategyBook(std::move(default_strategy_id), std::move(extra_dpd_boundaries)));
  absl::MutexLock lock(&book->mu_);
  for (const StoredStrategy& s : stored) {
    absl::StatusOr<Strategy> parsed = LoadStrategy(s.source, s.format);
    if (!parsed.ok()) {
      return absl::DataLossError(absl::StrCat("stored strategy ", s.strategy_id, " version ",
                                              s.version,
                                              " no longer parses: ", parsed.status().message()));
    }
    book->versions_.emplace(std::make_pair(s.strategy_id, s.version),
                            StrategyVersion{std::move(parsed).value(), s});
  }
  ARREARS_RETURN_IF_ERROR(book->RebuildLocked());
  return book;
}

absl::Status StrategyBook::RebuildLocked() {
  std::vector<Strategy> strategies;
  for (const auto& [key, version] : versions_) strategies.push_back(version.strategy);
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<DecisionEngine> engine,
      DecisionEngine::Create(std::move(strategies), default_strategy_id_, extra_dpd_boundaries_));
  engine_ = std::move(engine);
  return absl::OkStatus();
}

std::shared_ptr<const DecisionEngine> StrategyBook::engine() const {
  absl::MutexLock lock(&mu_);
  return engine_;
}

absl::Status StrategyBook::Add(StrategyVersion version) {
  absl::MutexLock lock(&mu_);
  const auto key = std::make_pair(version.strategy.id, version.strategy.version);
  if (auto it = versions_.find(key); it != versions_.end()) {
    if (it->second.stored.source_sha256 == version.stored.source_sha256) return absl::OkStatus();
    return absl::AlreadyExistsError(absl::StrCat("version: strategy ", key.first, " version ",
                                                 key.second, " exists with another source"));
  }
  versions_.emplace(key, std::move(version));
  absl::Status rebuilt = RebuildLocked();
  if (!rebuilt.ok()) versions_.erase(key);
  return rebuilt;
}

std::optional<StrategyVersion> StrategyBook::Find(absl::string_view strategy_id,
                                                  int64_t version) const {
  absl::MutexLock lock(&mu_);
  auto it = versions_.find(std::make_pair(std::string(strategy_id), version));
  if (it == versions_.end()) return std::nullopt;
  return it->second;
}

std::optional<StrategyVersion> StrategyBook::Effective(absl::string_view strategy_id,
                                                       absl::CivilDay day) const {
  absl::MutexLock lock(&mu_);
  const StrategyVersion* best = nullptr;
  for (const auto& [key, version] : versions_) {
    if (key.first == strategy_id && version.strategy.effective_from <= day) best = &version;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace arrears::strategy

#include "services/contact_channels/simulated_provider.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/contact_channels/deliverable_json.h"

namespace arrears::contact {
namespace {

// FNV-1a: stable across processes and builds (absl::Hash is salted per
// process, so it cannot make two runs agree).
uint64_t StableHash(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::mt19937_64 SimulatedProvider::RandomFor(absl::string_view key, int64_t try_index) const {
  const uint64_t hash = StableHash(key);
  std::seed_seq seed{static_cast<uint32_t>(options_.seed),
                     static_cast<uint32_t>(options_.seed >> 32), static_cast<uint32_t>(hash),
                     static_cast<uint32_t>(hash >> 32), static_cast<uint32_t>(try_index)};
  return std::mt19937_64(seed);
}

absl::StatusOr<std::unique_ptr<SimulatedProvider>> SimulatedProvider::Create(const Clock* clock,
                                                                             Options options) {
  if (clock == nullptr) return absl::InvalidArgumentError("clock: must be set");
  if (!(options.failure_rate >= 0.0 && options.failure_rate <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("failure_rate: ", options.failure_rate, " is outside [0, 1]"));
  }
  if (options.min_latency < absl::ZeroDuration() || options.min_latency > options.max_latency) {
    return absl::InvalidArgumentError("min_latency/max_latency: need 0 <= min <= max");
  }
  for (const auto& [outcome, weight] : options.outcome_weights) {
    if (weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("outcome_weights: negative weight for ", v1::ContactOutcome_Name(outcome)));
    }
  }
  if (!options.wait) options.wait = [](absl::Duration d) { absl::SleepFor(d); };
  auto provider = std::unique_ptr<SimulatedProvider>(new SimulatedProvider(clock, options));
  if (!options.outbox_path.empty()) {
    absl::MutexLock lock(&provider->mu_);
    absl::Status loaded = provider->LoadOutbox();
    if (!loaded.ok()) return loaded;
    provider->outbox_.open(options.outbox_path, std::ios::out | std::ios::app);
    if (!provider->outbox_) {
      return absl::FailedPreconditionError(
          absl::StrCat("outbox_path: cannot open \"", options.outbox_path, "\" for appending"));
    }
  }
  return provider;
}

absl::Status SimulatedProvider::LoadOutbox() {
  std::ifstream in(options_.outbox_path, std::ios::binary);
  if (!in) return absl::OkStatus();  // a new outbox
  std::string line;
  bool ends_with_newline = true;
  while (std::getline(in, line)) {
    ends_with_newline = !in.eof();
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    // A torn line (a crash mid-write) was never acknowledged: not sent.
    if (j.is_discarded() || !j.is_object() || !j.contains("idempotency_key")) continue;
    try {
      ProviderReceipt receipt;
      receipt.provider = j.value("provider", options_.name);
      receipt.provider_reference = j.value("provider_reference", "");
      absl::Time accepted_at;
      std::string error;
      if (absl::ParseTime(absl::RFC3339_full, j.value("accepted_at", ""), &accepted_at, &error)) {
        receipt.accepted_at = accepted_at;
      }
      v1::ContactOutcome outcome = v1::CONTACT_OUTCOME_UNSPECIFIED;
      if (v1::ContactOutcome_Parse(j.value("outcome", ""), &outcome)) receipt.outcome = outcome;
      if (receipt.outcome == v1::CONTACT_OUTCOME_FAILED) receipt.failure_code = "SIMULATED_FAILURE";
      receipts_.emplace(j["idempotency_key"].get<std::string>(), std::move(receipt));
    } catch (const nlohmann::json::exception& e) {
      continue;  // a line of another shape: not ours
    }
  }
  if (!ends_with_newline) {
    // Start the next line on a line of its own.
    std::ofstream out(options_.outbox_path, std::ios::out | std::ios::app);
    out << '\n';
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ProviderReceipt>> SimulatedProvider::Lookup(
    absl::string_view idempotency_key) {
  absl::MutexLock lock(&mu_);
  auto it = receipts_.find(idempotency_key);
  if (it == receipts_.end()) return std::optional<ProviderReceipt>();
  return std::optional<ProviderReceipt>(it->second);
}

absl::StatusOr<ProviderReceipt> SimulatedProvider::Send(const Deliverable& deliverable,
                                                        absl::string_view idempotency_key) {
  absl::Duration latency;
  std::mt19937_64 random;
  {
    absl::MutexLock lock(&mu_);
    ++calls_;
    auto it = receipts_.find(idempotency_key);
    if (it != receipts_.end()) return it->second;
    random = RandomFor(idempotency_key, tries_[idempotency_key]++);
    std::uniform_int_distribution<int64_t> latency_us(
        absl::ToInt64Microseconds(options_.min_latency),
        absl::ToInt64Microseconds(options_.max_latency));
    latency = absl::Microseconds(latency_us(random));
  }
  // Latency is spent outside the lock so concurrent sends overlap.
  if (latency > absl::ZeroDuration()) options_.wait(latency);

  absl::MutexLock lock(&mu_);
  // A concurrent Send() with the same key may have won meanwhile.
  auto it = receipts_.find(idempotency_key);
  if (it != receipts_.end()) return it->second;
  if (std::bernoulli_distribution(options_.failure_rate)(random)) {
    return absl::UnavailableError(absl::StrCat(options_.name, ": simulated outage"));
  }
  ProviderReceipt receipt;
  receipt.provider = options_.name;
  receipt.provider_reference =
      absl::StrCat(options_.name, "-", absl::Hex(StableHash(idempotency_key), absl::kZeroPad16));
  receipt.accepted_at = clock_->Now();
  if (options_.outcome_weights.empty()) {
    receipt.outcome = std::holds_alternative<RenderedMessage>(deliverable)
                          ? v1::CONTACT_OUTCOME_DELIVERED
                          : v1::CONTACT_OUTCOME_UNSPECIFIED;
  } else {
    std::vector<int> weights;
    for (const auto& entry : options_.outcome_weights) weights.push_back(entry.second);
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    receipt.outcome = options_.outcome_weights[pick(random)].first;
    if (receipt.outcome == v1::CONTACT_OUTCOME_FAILED) receipt.failure_code = "SIMULATED_FAILURE";
  }
  if (outbox_.is_open()) {
    nlohmann::json line = DeliverableJson(deliverable, /*raw_address=*/false);
    line["provider"] = options_.name;
    line["idempotency_key"] = std::string(idempotency_key);
    line["provider_reference"] = receipt.provider_reference;
    line["accepted_at"] = absl::FormatTime(receipt.accepted_at, absl::UTCTimeZone());
    line["outcome"] = v1::ContactOutcome_Name(receipt.outcome);
    outbox_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    outbox_.flush();
  }
  receipts_.emplace(std::string(idempotency_key), receipt);
  tries_.erase(idempotency_key);
  return receipt;
}

int64_t SimulatedProvider::unique_sends() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(receipts_.size());
}

int64_t SimulatedProvider::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int64_t SimulatedProvider::accepted(absl::string_view key) const {
  absl::MutexLock lock(&mu_);
  return receipts_.contains(key) ? 1 : 0;
}

}  // namespace arrears::contact

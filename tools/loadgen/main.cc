// arrears-loadgen: publishes a deterministic loan-event stream to Kafka (the
// dev broker or a real cluster), optionally paced and with poison records
// whose payload is not a LoanEvent (to exercise dead-lettering end to end).
//
//   arrears-loadgen --bootstrap_file=data/bootstrap --events=10000 --loans=1000 --rate=2000
//
// A stream can go out in parts: --skip=N with the same seed and loans
// publishes from the stream's N-th event on, exactly the events a single
// longer run would have published there (a test can then act between the
// parts, knowing what has not been published yet).
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/ids/id_generator.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/topics/topics.h"
#include "tools/loadgen/loan_event_stream.h"

ABSL_FLAG(std::string, bootstrap, "", "Kafka bootstrap servers (host:port,...)");
ABSL_FLAG(std::string, bootstrap_file, "", "File holding the bootstrap address (dev broker)");
ABSL_FLAG(bool, dev_profile, true, "Use the dev broker client profile");
ABSL_FLAG(std::string, kafka_properties, "", "Extra librdkafka properties k=v,k=v");
ABSL_FLAG(int64_t, events, 10000, "Events to publish");
ABSL_FLAG(int64_t, skip, 0,
          "Events of the seeded stream passed over before publishing (the stream's later part)");
ABSL_FLAG(int64_t, loans, 1000, "Loans in the book (each opens before its repayments)");
ABSL_FLAG(uint64_t, seed, 1, "Seed; the same seed republishes the same event ids");
ABSL_FLAG(double, rate, 0, "Events per second; 0 = as fast as the broker takes them");
ABSL_FLAG(int64_t, poison, 0,
          "Poison records (undecodable payload) spread through the events this run publishes");
ABSL_FLAG(int, batch, 500, "Events per Publish call");

namespace arrears::loadgen {
namespace {

int Run() {
  kafka::KafkaConfig config;
  config.client_id = "arrears-loadgen";
  config.profile =
      absl::GetFlag(FLAGS_dev_profile) ? kafka::Profile::kDev : kafka::Profile::kProduction;
  config.bootstrap_servers = absl::GetFlag(FLAGS_bootstrap);
  if (config.bootstrap_servers.empty()) {
    absl::StatusOr<std::string> from_file =
        kafka::ReadBootstrapFile(absl::GetFlag(FLAGS_bootstrap_file));
    if (!from_file.ok()) {
      std::cerr << "--bootstrap or --bootstrap_file: " << from_file.status() << "\n";
      return 2;
    }
    config.bootstrap_servers = *from_file;
  }
  absl::StatusOr<kafka::Properties> properties =
      kafka::ParseProperties(absl::GetFlag(FLAGS_kafka_properties));
  if (!properties.ok()) {
    std::cerr << "--kafka_properties: " << properties.status() << "\n";
    return 2;
  }
  config.properties = *properties;
  absl::StatusOr<std::unique_ptr<kafka::KafkaProducer>> producer =
      kafka::KafkaProducer::Create(config);
  if (!producer.ok()) {
    std::cerr << producer.status() << "\n";
    return 1;
  }

  const int64_t total = absl::GetFlag(FLAGS_events);
  const int64_t poison = std::min(absl::GetFlag(FLAGS_poison), total);
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  const double rate = absl::GetFlag(FLAGS_rate);
  const int batch_size = std::max(1, absl::GetFlag(FLAGS_batch));
  const int64_t skip = absl::GetFlag(FLAGS_skip);
  if (skip < 0) {
    std::cerr << "--skip: must not be negative\n";
    return 2;
  }
  LoanEventStream stream({.seed = seed, .loans = std::max<int64_t>(1, absl::GetFlag(FLAGS_loans))});
  for (int64_t i = 0; i < skip; ++i) stream.Next();

  // Poison records sit at evenly spaced positions after the book is open.
  const int64_t poison_every = poison > 0 ? std::max<int64_t>(1, total / (poison + 1)) : 0;
  int64_t poison_left = poison;

  const absl::Time start = absl::Now();
  int64_t published = 0;
  std::vector<events::Event> batch;
  while (published < total) {
    batch.clear();
    while (static_cast<int>(batch.size()) < batch_size &&
           published + static_cast<int64_t>(batch.size()) < total) {
      const int64_t position = published + static_cast<int64_t>(batch.size());
      events::Event event = stream.Next();
      if (poison_left > 0 && position > 0 && position % poison_every == 0) {
        // Valid envelope, payload with an invalid wire type: consumers must
        // dead-letter it, not crash or block.
        event.envelope.id = ids::DeriveId(absl::StrCat("loadgen-poison-", seed), event.envelope.id);
        event.payload = std::string("\x0f poison: not a LoanEvent");
        --poison_left;
      }
      batch.push_back(std::move(event));
    }
    if (absl::Status s = (*producer)->Publish(batch); !s.ok()) {
      std::cerr << "publish failed after " << published << " events: " << s << "\n";
      return 1;
    }
    published += static_cast<int64_t>(batch.size());
    if (rate > 0) {
      const absl::Time due = start + absl::Seconds(static_cast<double>(published) / rate);
      const absl::Duration ahead = due - absl::Now();
      if (ahead > absl::ZeroDuration()) absl::SleepFor(ahead);  // pacing, not waiting on state
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::cout << "published=" << published << " poison=" << poison << " seconds=" << seconds
            << " rate="
            << static_cast<int64_t>(static_cast<double>(published) / std::max(seconds, 1e-9))
            << "/s\n";
  return 0;
}

}  // namespace
}  // namespace arrears::loadgen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Publishes a deterministic loan-event stream to Kafka.");
  absl::ParseCommandLine(argc, argv);
  return arrears::loadgen::Run();
}

// arrears-simulator: drives the running system with a simulated loan book.
//
// Publishes a seeded book (customers, car loans, consumer loans, credit
// cards, repayment behaviour) day by day on the loan and customer topics,
// moves the simulated clock every service runs on (--simulated_clock_file),
// closes each business day at the overdue detection service, answers the
// services as debtors and collectors would, waits for the pipeline to go
// quiet before moving on, and ends with a report in the terminal and as
// <data_dir>/report.html. See tools/simulator/simulation.h for the day loop.
//
//   arrears-simulator --bootstrap_file=data/bootstrap --data_dir=data --loans=2000 --days=30
//   arrears-simulator --init_clock --data_dir=data   # write the start instant and exit
//   arrears-simulator --in_process --data_dir=/tmp/ref --loans=300 --days=12
//       --figures_file=/tmp/ref/figures.json         # (one line) the reference run,
//                                                    # no broker
//
// Exit status: 0 done, 1 the run failed, 2 bad flags, 130 interrupted (the
// report still covers the days done).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/kafka/config.h"
#include "common/kafka/consumer_loop.h"
#include "common/kafka/producer.h"
#include "common/runtime/logging.h"
#include "common/runtime/shutdown.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"
#include "common/topics/topics.h"
#include "tools/simulator/file_clock_writer.h"
#include "tools/simulator/in_process_system.h"
#include "tools/simulator/loan.h"
#include "tools/simulator/loan_book.h"
#include "tools/simulator/pipeline_monitor.h"
#include "tools/simulator/progress_line.h"
#include "tools/simulator/report.h"
#include "tools/simulator/report_figures.h"
#include "tools/simulator/run_figures.h"
#include "tools/simulator/service_calls.h"
#include "tools/simulator/service_clients.h"
#include "tools/simulator/simulation.h"
#include "tools/simulator/topic_tap.h"

ABSL_FLAG(std::string, bootstrap, "", "Kafka bootstrap servers (host:port,...)");
ABSL_FLAG(std::string, bootstrap_file, "", "File holding the bootstrap address (dev broker)");
ABSL_FLAG(bool, dev_profile, true, "Use the dev broker client profile");
ABSL_FLAG(std::string, kafka_properties, "", "Extra librdkafka properties k=v,k=v");
ABSL_FLAG(int64_t, loans, 20'000, "Loans in the simulated book");
ABSL_FLAG(int32_t, days, 120, "Business days to simulate");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the book; the same seed gives the same book and event ids");
ABSL_FLAG(std::string, start_date, "2026-01-05", "First simulated business day (YYYY-MM-DD)");
ABSL_FLAG(absl::Duration, speed, absl::ZeroDuration(),
          "Pause after each simulated day, e.g. 2s; 0 = as fast as the services go");
ABSL_FLAG(std::string, data_dir, "data", "Run directory: clock file, address files, report");
ABSL_FLAG(std::string, clock_file, "", "Simulated clock file; default <data_dir>/clock");
ABSL_FLAG(bool, init_clock, false,
          "Write the start instant (00:00 Asia/Shanghai on --start_date) to the clock file and "
          "exit: services started with --simulated_clock_file need it to exist");
ABSL_FLAG(std::string, behaviour_mix, "",
          "Behaviour weights, e.g. on_time=700,late=150,partial=50,hardship=40,lost_contact=25,"
          "refusing=35; unnamed ones keep their default");
ABSL_FLAG(std::string, steps, "08:00,10:00,14:00,19:00,23:59",
          "Clock steps through each day after the close (local China time)");
ABSL_FLAG(std::string, overdue_address, "", "host:port of overdue-detection's gRPC API");
ABSL_FLAG(std::string, strategy_address, "", "host:port of strategy-routing's gRPC API");
ABSL_FLAG(std::string, contact_address, "", "host:port of contact-channels' gRPC API");
ABSL_FLAG(std::string, compliance_address, "", "host:port of compliance-auditing's gRPC API");
ABSL_FLAG(std::string, overdue_address_file, "",
          "File with that address; default <data_dir>/overdue-detection.grpc-address");
ABSL_FLAG(std::string, strategy_address_file, "",
          "Default <data_dir>/strategy-routing.grpc-address");
ABSL_FLAG(std::string, contact_address_file, "",
          "Default <data_dir>/contact-channels.grpc-address");
ABSL_FLAG(std::string, compliance_address_file, "",
          "Default <data_dir>/compliance-auditing.grpc-address");
ABSL_FLAG(absl::Duration, service_wait, absl::Seconds(60),
          "How long to wait for the services' address files at start");
ABSL_FLAG(std::string, metrics_urls, "",
          "service=http://host:port,... of the services' /metrics (outbox depth); optional");
ABSL_FLAG(std::string, watch_groups,
          "overdue-detection=arrears.loan.events.v1;"
          "strategy-routing=arrears.delinquency.events.v1|arrears.contact.events.v1|"
          "arrears.customer.events.v1;"
          "contact-channels.contact-requests=arrears.strategy.contact-requests.v1;"
          "contact-channels.case-events=arrears.strategy.case-events.v1;"
          "contact-channels.customer-events=arrears.customer.events.v1;"
          "compliance-auditing=arrears.contact.events.v1|arrears.customer.events.v1|"
          "arrears.delinquency.events.v1|arrears.strategy.case-events.v1",
          "The services' consumer groups and their topics, group=topic|topic;...: the pipeline "
          "is quiet when each has committed its topics to the end (groups of absent services "
          "are skipped)");
ABSL_FLAG(absl::Duration, quiet_settle, absl::Milliseconds(50),
          "How long nothing may move before the pipeline counts as quiet: a margin for work that "
          "no offset, outbox or due count shows (the services count due timers and agendas "
          "against the clock file themselves)");
ABSL_FLAG(absl::Duration, quiet_deadline, absl::Minutes(2),
          "Longest wait for a quiet pipeline per phase; the run goes on after it");
ABSL_FLAG(absl::Duration, rpc_deadline, absl::Seconds(30), "Deadline of each gRPC call");
ABSL_FLAG(absl::Duration, close_deadline, absl::Minutes(5), "Deadline of CloseBusinessDay");
ABSL_FLAG(bool, in_process, false,
          "Reference run: the four services in this process on an in-memory bus instead of "
          "Kafka (no broker, no service processes); --data_dir holds their stores");
ABSL_FLAG(std::string, source_dir, ARREARS_SOURCE_DIR,
          "Source tree with services/*/config and the policy packs (for --in_process)");
ABSL_FLAG(std::string, figures_file, "",
          "Also write the run's comparable figures (canonical JSON, run_figures.h) here");
ABSL_FLAG(std::string, pipeline_stats_file, "",
          "Also write the pipeline's throughput and close-to-first-request latency (JSON) here");
ABSL_FLAG(std::string, strategy_ids, "default-retail",
          "Strategies to report on besides those seen on case events (comma-separated)");

namespace arrears::simulator {
namespace {

constexpr int kUsage = 2;

std::string OrDefault(const std::string& value, const std::string& fallback) {
  return value.empty() ? fallback : value;
}

// Collects the day's figures and prints progress.
class DayRecorder final : public DayObserver {
 public:
  DayRecorder(const RunStatistics* statistics, const ServiceFigures* figures, bool tty)
      : statistics_(statistics), figures_(figures), tty_(tty) {}

  void OnPhaseDone(const StepProgress& progress) override {
    if (!tty_) return;
    std::cout << "\r" << FormatProgressLine(progress, statistics_->live()) << "\x1b[K"
              << std::flush;
  }

  void OnDayDone(const StepProgress& progress) override {
    DayPoint point;
    point.day = progress.day;
    const StatisticsSnapshot snapshot = statistics_->Snapshot();
    point.live = snapshot.live;
    point.overdue_from_events = BucketsFromEvents(snapshot);
    auto report = figures_->OverdueReport(progress.day);
    if (report.ok()) {
      point.overdue_report = report->first;
      // Month ends give the monthly roll rates (previous month end to this
      // one); the latest day's are added at the end.
      if (progress.day == time::EndOfMonth(progress.day)) {
        month_end_rolls_.push_back(report->second);
      }
      latest_rolls_ = report->second;
    } else {
      point.overdue_report = report.status();
      if (first_error_.ok()) first_error_ = report.status();
    }
    days_.push_back(std::move(point));
    std::cout << (tty_ ? "\r" : "") << FormatProgressLine(progress, snapshot.live)
              << (tty_ ? "\x1b[K\n" : "\n") << std::flush;
  }

  std::vector<DayPoint>& days() { return days_; }

  // Month-end roll rates and the latest day's.
  absl::StatusOr<std::vector<RollRateTable>> roll_rates() const {
    if (!latest_rolls_.has_value()) {
      if (!first_error_.ok()) return first_error_;
      return std::vector<RollRateTable>();
    }
    std::vector<RollRateTable> tables = month_end_rolls_;
    if (tables.empty() || tables.back().as_of != latest_rolls_->as_of) {
      tables.push_back(*latest_rolls_);
    }
    return tables;
  }

 private:
  const RunStatistics* const statistics_;
  const ServiceFigures* const figures_;
  const bool tty_;
  std::vector<DayPoint> days_;
  std::vector<RollRateTable> month_end_rolls_;
  std::optional<RollRateTable> latest_rolls_;
  absl::Status first_error_;
};

absl::StatusOr<std::map<std::string, std::string>> ParseMetricsUrls(absl::string_view text) {
  std::map<std::string, std::string> urls;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics_urls: \"", entry, "\" is not service=http://host:port"));
    }
    urls[std::string(absl::StripAsciiWhitespace(parts[0]))] =
        std::string(absl::StripAsciiWhitespace(parts[1]));
  }
  return urls;
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

// Appends log lines to a file: the terminal is for the progress and the
// report, the Kafka client's chatter goes to <data_dir>/logs.
class FileLogSink final : public runtime::LogSink {
 public:
  explicit FileLogSink(const std::string& path) : out_(path, std::ios::app) {}
  void Write(absl::string_view line) override {
    absl::MutexLock lock(&mu_);
    out_ << line << "\n";
    out_.flush();
  }

 private:
  absl::Mutex mu_;
  std::ofstream out_ ABSL_GUARDED_BY(mu_);
};

int Run() {
  // Flags.
  BookOptions book_options;
  book_options.seed = absl::GetFlag(FLAGS_seed);
  book_options.loans = absl::GetFlag(FLAGS_loans);
  book_options.days = absl::GetFlag(FLAGS_days);
  absl::StatusOr<absl::CivilDay> start = time::ParseCivilDay(absl::GetFlag(FLAGS_start_date));
  if (!start.ok()) {
    std::cerr << "--start_date: " << start.status().message() << "\n";
    return kUsage;
  }
  book_options.start = *start;
  if (!absl::GetFlag(FLAGS_behaviour_mix).empty()) {
    absl::StatusOr<BehaviourMix> mix = BehaviourMix::Parse(absl::GetFlag(FLAGS_behaviour_mix));
    if (!mix.ok()) {
      std::cerr << "--behaviour_mix: " << mix.status().message() << "\n";
      return kUsage;
    }
    book_options.mix = *mix;
  }
  if (book_options.loans < 1 || book_options.days < 1) {
    std::cerr << "--loans and --days must be >= 1\n";
    return kUsage;
  }
  SimulationOptions simulation_options;
  absl::StatusOr<std::vector<absl::Duration>> steps = ParseStepsOfDay(absl::GetFlag(FLAGS_steps));
  if (!steps.ok()) {
    std::cerr << "--steps: " << steps.status().message() << "\n";
    return kUsage;
  }
  simulation_options.steps_of_day = *steps;
  simulation_options.pause_per_day = absl::GetFlag(FLAGS_speed);
  absl::StatusOr<std::vector<WatchedGroup>> watched =
      ParseWatchedGroups(absl::GetFlag(FLAGS_watch_groups));
  if (!watched.ok()) {
    std::cerr << "--watch_groups: " << watched.status().message() << "\n";
    return kUsage;
  }
  absl::StatusOr<std::map<std::string, std::string>> metrics_urls =
      ParseMetricsUrls(absl::GetFlag(FLAGS_metrics_urls));
  if (!metrics_urls.ok()) {
    std::cerr << metrics_urls.status().message() << "\n";
    return kUsage;
  }
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string clock_file =
      OrDefault(absl::GetFlag(FLAGS_clock_file), absl::StrCat(data_dir, "/clock"));
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(kLoanTimeZone);
  if (!zone.ok()) {
    std::cerr << zone.status() << "\n";
    return 1;
  }
  const absl::Time start_instant = time::StartOfDay(book_options.start, *zone);

  absl::StatusOr<std::unique_ptr<FileClockWriter>> clock = FileClockWriter::Open(clock_file);
  if (!clock.ok()) {
    std::cerr << clock.status().message() << "\n";
    return 1;
  }
  if (absl::Status s = (*clock)->Advance(start_instant); !s.ok()) {
    std::cerr << s.message() << " (start from a fresh --data_dir or a later --start_date)\n";
    return 1;
  }
  if (absl::GetFlag(FLAGS_init_clock)) {
    std::cout << "clock " << clock_file << " set to the start of "
              << time::FormatCivilDay(book_options.start) << " (Asia/Shanghai)\n";
    return 0;
  }

  const std::string log_dir = absl::StrCat(data_dir, "/logs");
  mkdir(log_dir.c_str(), 0755);  // exists already under run.sh
  runtime::ConfigureLogging(
      {.service = "arrears-simulator",
       .min_level = runtime::LogLevel::kInfo,
       .sink = std::make_shared<FileLogSink>(absl::StrCat(log_dir, "/arrears-simulator.log")),
       .clock = nullptr});

  // Ctrl-C: finish the phase in hand, write the report for the days done.
  absl::StatusOr<std::unique_ptr<runtime::ShutdownSignal>> signal =
      runtime::ShutdownSignal::Create();
  if (!signal.ok()) {
    std::cerr << signal.status() << "\n";
    return 1;
  }
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    (*signal)->Wait();
    stop.store(true);
  });
  struct StopperJoin {
    runtime::ShutdownSignal* signal;
    std::thread* thread;
    ~StopperJoin() {
      signal->Trigger("simulation over");
      thread->join();
    }
  } stopper_join{signal->get(), &stopper};

  const absl::Time started = absl::Now();
  absl::StatusOr<std::unique_ptr<LoanBook>> book = LoanBook::Create(book_options);
  if (!book.ok()) {
    std::cerr << book.status().message() << "\n";
    return kUsage;
  }
  const BookSummary initial = (*book)->Summary();
  std::cout << "Loan book: " << initial.loans << " loans of " << initial.customers
            << " customers (seed " << book_options.seed << "), " << book_options.days
            << " business days from " << time::FormatCivilDay(book_options.start) << "\n";

  // Topics: the tap reads everything the services publish, and every
  // dead-letter topic.
  const std::string loan_topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
  const std::string customer_topic = topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name();
  std::vector<std::string> all_topics;
  std::vector<std::string> tap_topics;
  for (const topics::TopicSpec& spec : topics::AllTopics()) {
    const std::string dlq = topics::DeadLetterTopicName(spec.name());
    all_topics.push_back(spec.name());
    all_topics.push_back(dlq);
    if (spec.name() != loan_topic && spec.name() != customer_topic)
      tap_topics.push_back(spec.name());
    tap_topics.push_back(dlq);
  }
  RunStatistics statistics;
  PipelineLatency latency;
  TopicTap tap(&statistics,
               {topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name(),
                topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name(),
                topics::Spec(topics::v1::TOPIC_PLAN_EVENTS).name()},
               &latency);
  // The system: the services as processes behind a broker, or (the
  // reference run) in this process on an in-memory bus.
  const bool in_process = absl::GetFlag(FLAGS_in_process);
  std::unique_ptr<InProcessSystem> system;
  std::unique_ptr<kafka::KafkaProducer> kafka_producer;
  std::unique_ptr<KafkaOffsets> kafka_offsets;
  std::unique_ptr<kafka::ConsumerLoop> tap_loop;
  std::unique_ptr<KafkaPipelineMonitor> kafka_monitor;
  std::thread tap_thread;
  absl::Status tap_result;
  std::string tap_group;
  events::EventPublisher* publisher = nullptr;
  PipelineMonitor* monitor = nullptr;
  const QuietOptions quiet{.settle = absl::GetFlag(FLAGS_quiet_settle),
                           .deadline = absl::GetFlag(FLAGS_quiet_deadline),
                           .cancelled = [&stop] { return stop.load(); }};
  if (in_process) {
    absl::StatusOr<std::unique_ptr<InProcessSystem>> created =
        InProcessSystem::Create({.data_dir = data_dir,
                                 .clock_file = clock_file,
                                 .source_dir = absl::GetFlag(FLAGS_source_dir),
                                 .first_business_date = book_options.start,
                                 .quiet = quiet});
    if (!created.ok()) {
      std::cerr << "in-process system: " << created.status() << "\n";
      return 1;
    }
    system = *std::move(created);
    if (absl::Status s = system->bus().Subscribe({.group = "arrears-simulator",
                                                  .topics = tap_topics,
                                                  .handler = &tap,
                                                  .max_batch = 2000});
        !s.ok()) {
      std::cerr << "tap: " << s << "\n";
      return 1;
    }
    publisher = &system->bus();
    monitor = system.get();
    std::cout << "  services in process on an in-memory bus (reference run, no broker)\n";
  } else {
    // Kafka.
    kafka::KafkaConfig kafka_config;
    kafka_config.client_id = "arrears-simulator";
    kafka_config.profile =
        absl::GetFlag(FLAGS_dev_profile) ? kafka::Profile::kDev : kafka::Profile::kProduction;
    kafka_config.bootstrap_servers = absl::GetFlag(FLAGS_bootstrap);
    if (kafka_config.bootstrap_servers.empty()) {
      absl::StatusOr<std::string> from_file = kafka::ReadBootstrapFile(
          OrDefault(absl::GetFlag(FLAGS_bootstrap_file), absl::StrCat(data_dir, "/bootstrap")));
      if (!from_file.ok()) {
        std::cerr << "--bootstrap or --bootstrap_file: " << from_file.status().message() << "\n";
        return kUsage;
      }
      kafka_config.bootstrap_servers = *from_file;
    }
    absl::StatusOr<kafka::Properties> properties =
        kafka::ParseProperties(absl::GetFlag(FLAGS_kafka_properties));
    if (!properties.ok()) {
      std::cerr << "--kafka_properties: " << properties.status().message() << "\n";
      return kUsage;
    }
    kafka_config.properties = *properties;
    absl::StatusOr<std::unique_ptr<kafka::KafkaProducer>> producer =
        kafka::KafkaProducer::Create(kafka_config);
    if (!producer.ok()) {
      std::cerr << producer.status() << "\n";
      return 1;
    }
    kafka_producer = *std::move(producer);
    publisher = kafka_producer.get();

    absl::StatusOr<std::unique_ptr<KafkaOffsets>> offsets =
        KafkaOffsets::Create(kafka_config, all_topics, absl::Seconds(10));
    if (!offsets.ok()) {
      std::cerr << "reading topic metadata: " << offsets.status() << "\n";
      return 1;
    }
    kafka_offsets = *std::move(offsets);
    kafka::ConsumerOptions tap_options;
    tap_options.kafka = kafka_config;
    tap_options.group_id =
        absl::StrCat("arrears-simulator-", book_options.seed, "-", absl::ToUnixMillis(absl::Now()));
    tap_options.topics = tap_topics;
    tap_options.max_batch_size = 2000;
    tap_group = tap_options.group_id;
    absl::StatusOr<std::unique_ptr<kafka::ConsumerLoop>> created_tap =
        kafka::ConsumerLoop::Create(tap_options, &tap, kafka_producer.get(), &SystemClock::Get());
    if (!created_tap.ok()) {
      std::cerr << "tap consumer: " << created_tap.status() << "\n";
      return 1;
    }
    tap_loop = *std::move(created_tap);
    tap_thread = std::thread([&] { tap_result = tap_loop->Run(); });
  }

  // Services.
  ServiceEndpoints endpoints;
  auto file_of = [&](const std::string& flag, const char* service) {
    return OrDefault(flag, absl::StrCat(data_dir, "/", service, ".grpc-address"));
  };
  endpoints.overdue = {absl::GetFlag(FLAGS_overdue_address),
                       file_of(absl::GetFlag(FLAGS_overdue_address_file), kOverdueService)};
  endpoints.strategy = {absl::GetFlag(FLAGS_strategy_address),
                        file_of(absl::GetFlag(FLAGS_strategy_address_file), kStrategyService)};
  endpoints.contact = {absl::GetFlag(FLAGS_contact_address),
                       file_of(absl::GetFlag(FLAGS_contact_address_file), kContactService)};
  endpoints.compliance = {
      absl::GetFlag(FLAGS_compliance_address),
      file_of(absl::GetFlag(FLAGS_compliance_address_file), kComplianceService)};
  std::unique_ptr<ServiceClients> clients =
      ServiceClients::Connect(endpoints, absl::GetFlag(FLAGS_service_wait), &stop);
  for (const auto& [service, address] : clients->addresses()) {
    std::cout << "  " << service << " at " << address << "\n";
  }
  for (const auto& [service, why] : clients->absent()) {
    std::cout << "  " << service << ": absent (" << why << "); its figures will be n/a\n";
  }

  if (!in_process) {
    MonitorOptions monitor_options;
    monitor_options.quiet = quiet;
    for (const WatchedGroup& group : *watched) {
      if (clients->addresses().contains(ServiceOfGroup(group.group))) {
        monitor_options.groups.push_back(group);
      }
    }
    monitor_options.tap_group = tap_group;
    monitor_options.tap_topics = tap_topics;
    monitor_options.metrics_urls = *metrics_urls;
    kafka_monitor =
        std::make_unique<KafkaPipelineMonitor>(kafka_offsets.get(), &tap, monitor_options);
    monitor = kafka_monitor.get();
  }

  const absl::Duration rpc_deadline = absl::GetFlag(FLAGS_rpc_deadline);
  GrpcDayCloser grpc_closer(clients.get(), absl::GetFlag(FLAGS_close_deadline));
  LatencyRecordingCloser closer(&grpc_closer, &latency);
  GrpcActionExecutor executor(clients.get(), rpc_deadline);
  ServiceFigures figures(clients.get(), rpc_deadline);
  DayRecorder recorder(&statistics, &figures, isatty(STDOUT_FILENO) != 0);

  SimulationSeams seams;
  seams.book = book->get();
  seams.publisher = publisher;
  seams.clock = clock->get();
  seams.closer = clients->overdue() != nullptr ? &closer : nullptr;
  seams.monitor = monitor;
  seams.feedback = &tap;
  seams.executor = &executor;
  seams.observer = &recorder;
  seams.stop = &stop;
  Simulation simulation(simulation_options, seams);
  std::cout << "Simulating " << book_options.days << " business days"
            << (stop.load() ? " (stopping)" : "") << "...\n";
  absl::StatusOr<SimulationSummary> summary = simulation.Run();

  if (tap_loop != nullptr) {
    tap_loop->Stop();
    tap_thread.join();
  }
  if (!summary.ok()) {
    std::cerr << "simulation failed: " << summary.status() << "\n";
  }

  // The report.
  SimulationReport report;
  report.seed = book_options.seed;
  report.loans = book_options.loans;
  report.days = book_options.days;
  report.start = book_options.start;
  report.services_absent = clients->absent();
  report.book = (*book)->Summary();
  if (summary.ok()) report.run = *summary;
  report.responder = simulation.responder().stats();
  report.topics = statistics.Snapshot();
  report.days_series = std::move(recorder.days());
  report.roll_rates = recorder.roll_rates();
  std::set<std::string> strategy_ids;
  for (absl::string_view id :
       absl::StrSplit(absl::GetFlag(FLAGS_strategy_ids), ',', absl::SkipWhitespace())) {
    strategy_ids.emplace(id);
  }
  for (const auto& [variant, tally] : report.topics.variants) strategy_ids.insert(variant.first);
  const absl::CivilDay reported_end =
      report.days_series.empty() ? book_options.start : report.days_series.back().day;
  report.variants =
      figures.Variants(std::vector<std::string>(strategy_ids.begin(), strategy_ids.end()),
                       book_options.start, reported_end);
  report.audit = figures.Audit();
  report.wall_time = absl::Now() - started;
  if (!tap_result.ok()) {
    report.run.problems.push_back(absl::StrCat("tap consumer: ", tap_result.ToString()));
  }

  const std::string text = RenderTextReport(report);
  const std::string html_path = absl::StrCat(data_dir, "/report.html");
  const std::string text_path = absl::StrCat(data_dir, "/report.txt");
  std::cout << "\n" << text;
  absl::Status written = WriteFile(html_path, RenderHtmlReport(report));
  if (written.ok()) written = WriteFile(text_path, text);
  if (!written.ok()) {
    std::cerr << "report: " << written << "\n";
    return 1;
  }
  std::cout << "\nReport: " << html_path << " (text: " << text_path << ")\n";
  if (const std::string stats_file = absl::GetFlag(FLAGS_pipeline_stats_file);
      !stats_file.empty()) {
    if (absl::Status s =
            WriteFile(stats_file, PipelineStatsJson(report, latency.Summary(), in_process));
        !s.ok()) {
      std::cerr << "pipeline stats: " << s << "\n";
      return 1;
    }
  }
  if (const std::string figures_file = absl::GetFlag(FLAGS_figures_file); !figures_file.empty()) {
    if (absl::Status s = WriteFile(figures_file, ComparableFiguresJson(report)); !s.ok()) {
      std::cerr << "figures: " << s << "\n";
      return 1;
    }
  }
  if (!summary.ok()) return 1;
  return summary->interrupted ? 130 : 0;
}

}  // namespace
}  // namespace arrears::simulator

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Drives the Arrears services with a simulated loan book through simulated business days.\n"
      "  arrears-simulator --bootstrap_file=data/bootstrap --data_dir=data --loans=2000 "
      "--days=30");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "unexpected argument: " << positional[1] << "\n";
    return 2;
  }
  return arrears::simulator::Run();
}

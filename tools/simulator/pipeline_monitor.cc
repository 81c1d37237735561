#include "tools/simulator/pipeline_monitor.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "httplib.h"

namespace arrears::simulator {
namespace {

// The metrics text of `url` ("http://host:port"), or why not.
absl::StatusOr<std::string> Scrape(const std::string& url) {
  absl::string_view rest = url;
  absl::ConsumePrefix(&rest, "http://");
  const size_t colon = rest.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("metrics url \"", url, "\": no port"));
  }
  httplib::Client client(std::string(rest.substr(0, colon)), port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  httplib::Result result = client.Get("/metrics");
  if (!result || result->status != 200) {
    return absl::UnavailableError(absl::StrCat("metrics url \"", url, "\": no answer"));
  }
  return result->body;
}

}  // namespace

absl::StatusOr<std::vector<WatchedGroup>> ParseWatchedGroups(absl::string_view text) {
  std::vector<WatchedGroup> groups;
  for (absl::string_view entry : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    WatchedGroup group;
    if (parts.size() == 2) {
      group.group = std::string(absl::StripAsciiWhitespace(parts[0]));
      for (absl::string_view topic : absl::StrSplit(parts[1], '|', absl::SkipWhitespace())) {
        group.topics.emplace_back(absl::StripAsciiWhitespace(topic));
      }
    }
    if (group.group.empty() || group.topics.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("watched groups: \"", entry, "\" is not group=topic|topic"));
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

std::string ServiceOfGroup(absl::string_view group) {
  return std::string(group.substr(0, group.find('.')));
}

MetricsReading ParseMetrics(absl::string_view text) {
  MetricsReading reading;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    if (absl::StartsWith(line, "#")) continue;
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    double value = 0;
    if (!absl::SimpleAtod(line.substr(space + 1), &value)) continue;
    const absl::string_view series = line.substr(0, space);
    if (absl::StartsWith(series, "arrears_outbox_pending")) {
      reading.outbox_pending += static_cast<int64_t>(value);
    } else if (absl::StartsWith(series, "arrears_background_work_pending")) {
      reading.background_pending += static_cast<int64_t>(value);
    } else if (absl::StartsWith(series, "arrears_kafka_consumer_events_handled_total") ||
               absl::StartsWith(series, "arrears_kafka_consumer_dead_lettered_total")) {
      reading.counters.push_back(static_cast<int64_t>(value));
    }
  }
  return reading;
}

KafkaPipelineMonitor::KafkaPipelineMonitor(KafkaOffsets* offsets, const TopicTap* tap,
                                           MonitorOptions options)
    : offsets_(offsets), tap_(tap), options_(std::move(options)) {}

absl::StatusOr<PipelineSample> KafkaPipelineMonitor::Sample() {
  PipelineSample sample;
  std::vector<std::string> outstanding;
  ARREARS_ASSIGN_OR_RETURN(PartitionOffsets ends, offsets_->EndOffsets());
  for (const auto& [partition, end] : ends) sample.progress.push_back(end);

  auto lag_of = [&](const PartitionOffsets& read, const std::vector<std::string>& topics,
                    const std::string& who) {
    std::map<std::string, int64_t> by_topic;
    for (const auto& [partition, end] : ends) {
      if (std::find(topics.begin(), topics.end(), partition.first) == topics.end()) continue;
      auto it = read.find(partition);
      const int64_t position = it == read.end() ? 0 : std::max<int64_t>(0, it->second);
      if (end > position) by_topic[partition.first] += end - position;
    }
    for (const auto& [topic, lag] : by_topic) {
      sample.backlog += lag;
      outstanding.push_back(absl::StrCat(who, ": ", lag, " on ", topic));
    }
  };

  for (const WatchedGroup& group : options_.groups) {
    ARREARS_ASSIGN_OR_RETURN(PartitionOffsets committed,
                             offsets_->Committed(group.group, group.topics));
    for (const auto& [partition, offset] : committed) sample.progress.push_back(offset);
    lag_of(committed, group.topics, group.group);
  }

  // The tap has seen a record once it handled it or (for a record its loop
  // dead-lettered without handing it over) committed past it.
  ARREARS_ASSIGN_OR_RETURN(PartitionOffsets tap_read,
                           offsets_->Committed(options_.tap_group, options_.tap_topics));
  for (const auto& [partition, offset] : tap_->positions()) {
    int64_t& read = tap_read[partition];
    read = std::max(read, offset);
  }
  for (const auto& [partition, offset] : tap_read) sample.progress.push_back(offset);
  lag_of(tap_read, options_.tap_topics, "simulator");

  for (const auto& [service, url] : options_.metrics_urls) {
    absl::StatusOr<std::string> text = Scrape(url);
    if (!text.ok()) {
      // A service that stopped answering does not hold the run up; its
      // offsets still do.
      sample.progress.push_back(-1);
      continue;
    }
    const MetricsReading reading = ParseMetrics(*text);
    sample.backlog += reading.outbox_pending + reading.background_pending;
    if (reading.outbox_pending > 0) {
      outstanding.push_back(absl::StrCat(service, ": ", reading.outbox_pending, " in the outbox"));
    }
    if (reading.background_pending > 0) {
      outstanding.push_back(
          absl::StrCat(service, ": ", reading.background_pending, " due in the background"));
    }
    sample.progress.insert(sample.progress.end(), reading.counters.begin(), reading.counters.end());
  }
  sample.detail =
      outstanding.empty() ? "nothing outstanding, still moving" : absl::StrJoin(outstanding, "; ");
  return sample;
}

absl::Status KafkaPipelineMonitor::AwaitQuiet() {
  return simulator::AwaitQuiet([this] { return Sample(); }, options_.quiet, SystemClock::Get(),
                               [](absl::Duration d) { absl::SleepFor(d); });
}

}  // namespace arrears::simulator

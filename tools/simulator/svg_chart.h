// Small, dependency-free SVG charts for the simulation report: the page must
// open anywhere (no scripts, fonts or images from the network), so each chart
// is one inline <svg> element built from plain data.
//
// Values are doubles in the unit the caller names; axes start at 0 and end at
// a rounded maximum. Text is HTML-escaped. Pure functions; thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_SVG_CHART_H_
#define ARREARS_TOOLS_SIMULATOR_SVG_CHART_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace arrears::simulator {

struct ChartSeries {
  std::string name;
  // One value per x label (time charts) or per category (bar charts).
  std::vector<double> values;
};

// &, <, >, " and ' escaped for HTML text and attributes.
std::string HtmlEscape(absl::string_view text);

// A palette colour for series `index` (cycles).
std::string SeriesColor(size_t index);

// "12.3k", "4.5M": short labels for axis ticks.
std::string ShortNumber(double value);

// Stacked areas over an x axis of labels (e.g. dates), with a legend.
std::string StackedAreaChart(const std::vector<std::string>& x_labels,
                             const std::vector<ChartSeries>& series, absl::string_view y_unit);

// Lines over an x axis of labels, with a legend.
std::string LineChart(const std::vector<std::string>& x_labels,
                      const std::vector<ChartSeries>& series, absl::string_view y_unit);

// One horizontal bar per category, split into the series' segments, with
// the total at the end of the bar and a legend.
std::string StackedBarChart(const std::vector<std::string>& categories,
                            const std::vector<ChartSeries>& segments, absl::string_view unit);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_SVG_CHART_H_

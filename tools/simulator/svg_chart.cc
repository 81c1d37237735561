#include "tools/simulator/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace arrears::simulator {
namespace {

constexpr int kWidth = 860;
constexpr int kPlotLeft = 70;
constexpr int kPlotRight = 830;
constexpr int kPlotTop = 20;
constexpr int kPlotBottom = 260;
constexpr int kLegendTop = 290;

// A "nice" axis maximum >= value: 1, 2, 2.5 or 5 times a power of ten.
double NiceMax(double value) {
  if (value <= 0) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

std::string Legend(const std::vector<ChartSeries>& series, int top) {
  std::string out;
  int x = kPlotLeft;
  int y = top;
  for (size_t i = 0; i < series.size(); ++i) {
    const int width = 28 + 7 * static_cast<int>(series[i].name.size());
    if (x + width > kPlotRight) {
      x = kPlotLeft;
      y += 18;
    }
    absl::StrAppendFormat(&out,
                          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>",
                          x, y - 10, SeriesColor(i), x + 16, y, HtmlEscape(series[i].name));
    x += width;
  }
  return out;
}

int LegendHeight(const std::vector<ChartSeries>& series) {
  int rows = 1;
  int x = kPlotLeft;
  for (const ChartSeries& s : series) {
    const int width = 28 + 7 * static_cast<int>(s.name.size());
    if (x + width > kPlotRight) {
      x = kPlotLeft;
      ++rows;
    }
    x += width;
  }
  return rows * 18;
}

// Y grid, tick labels and the x labels (at most ~12 shown).
std::string Axes(const std::vector<std::string>& x_labels, double y_max, absl::string_view unit) {
  std::string out;
  for (int tick = 0; tick <= 4; ++tick) {
    const double value = y_max * tick / 4;
    const double y = kPlotBottom - (kPlotBottom - kPlotTop) * tick / 4.0;
    absl::StrAppendFormat(
        &out,
        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
        "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>",
        kPlotLeft, y, kPlotRight, y, kPlotLeft - 6, y + 4, ShortNumber(value));
  }
  absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">%s</text>",
                        kPlotLeft, kPlotTop - 6, HtmlEscape(unit));
  const size_t n = x_labels.size();
  const size_t every = std::max<size_t>(1, (n + 11) / 12);
  for (size_t i = 0; i < n; i += every) {
    const double x = n == 1 ? (kPlotLeft + kPlotRight) / 2.0
                            : kPlotLeft + (kPlotRight - kPlotLeft) * static_cast<double>(i) /
                                              static_cast<double>(n - 1);
    absl::StrAppendFormat(&out,
                          "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
                          "text-anchor=\"middle\">%s</text>",
                          x, kPlotBottom + 16, HtmlEscape(x_labels[i]));
  }
  absl::StrAppendFormat(&out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
                        kPlotLeft, kPlotBottom, kPlotRight, kPlotBottom);
  return out;
}

double XAt(size_t i, size_t n) {
  if (n <= 1) return (kPlotLeft + kPlotRight) / 2.0;
  return kPlotLeft + (kPlotRight - kPlotLeft) * static_cast<double>(i) / static_cast<double>(n - 1);
}

double YAt(double value, double y_max) {
  return kPlotBottom - (kPlotBottom - kPlotTop) * std::clamp(value / y_max, 0.0, 1.0);
}

std::string Svg(int height, const std::string& body) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
      "height=\"%d\" font-family=\"sans-serif\">%s</svg>",
      kWidth, height, kWidth, height, body);
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string SeriesColor(size_t index) {
  static constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                             "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                             "#9c755f", "#bab0ac", "#1b5e20", "#6a1b9a"};
  return kPalette[index % std::size(kPalette)];
}

std::string ShortNumber(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e9) return absl::StrFormat("%.3gG", value / 1e9);
  if (magnitude >= 1e6) return absl::StrFormat("%.3gM", value / 1e6);
  if (magnitude >= 1e3) return absl::StrFormat("%.3gk", value / 1e3);
  return absl::StrFormat("%.3g", value);
}

std::string StackedAreaChart(const std::vector<std::string>& x_labels,
                             const std::vector<ChartSeries>& series, absl::string_view y_unit) {
  const size_t n = x_labels.size();
  std::vector<double> top(n, 0.0);
  for (const ChartSeries& s : series) {
    for (size_t i = 0; i < n && i < s.values.size(); ++i) top[i] += s.values[i];
  }
  const double y_max = NiceMax(n == 0 ? 0 : *std::max_element(top.begin(), top.end()));
  std::string body = Axes(x_labels, y_max, y_unit);
  std::vector<double> base(n, 0.0);
  for (size_t k = 0; k < series.size(); ++k) {
    std::string points;
    std::vector<double> upper(n);
    for (size_t i = 0; i < n; ++i) {
      upper[i] = base[i] + (i < series[k].values.size() ? series[k].values[i] : 0.0);
      absl::StrAppendFormat(&points, "%.1f,%.1f ", XAt(i, n), YAt(upper[i], y_max));
    }
    for (size_t i = n; i-- > 0;) {
      absl::StrAppendFormat(&points, "%.1f,%.1f ", XAt(i, n), YAt(base[i], y_max));
    }
    absl::StrAppendFormat(&body,
                          "<polygon points=\"%s\" fill=\"%s\" fill-opacity=\"0.85\" "
                          "stroke=\"%s\"><title>%s</title></polygon>",
                          points, SeriesColor(k), SeriesColor(k), HtmlEscape(series[k].name));
    base = std::move(upper);
  }
  body += Legend(series, kLegendTop);
  return Svg(kLegendTop + LegendHeight(series) + 4, body);
}

std::string LineChart(const std::vector<std::string>& x_labels,
                      const std::vector<ChartSeries>& series, absl::string_view y_unit) {
  const size_t n = x_labels.size();
  double max_value = 0;
  for (const ChartSeries& s : series) {
    for (double v : s.values) max_value = std::max(max_value, v);
  }
  const double y_max = NiceMax(max_value);
  std::string body = Axes(x_labels, y_max, y_unit);
  for (size_t k = 0; k < series.size(); ++k) {
    std::string points;
    for (size_t i = 0; i < n && i < series[k].values.size(); ++i) {
      absl::StrAppendFormat(&points, "%.1f,%.1f ", XAt(i, n), YAt(series[k].values[i], y_max));
    }
    absl::StrAppendFormat(&body,
                          "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                          "stroke-width=\"2\"><title>%s</title></polyline>",
                          points, SeriesColor(k), HtmlEscape(series[k].name));
  }
  body += Legend(series, kLegendTop);
  return Svg(kLegendTop + LegendHeight(series) + 4, body);
}

std::string StackedBarChart(const std::vector<std::string>& categories,
                            const std::vector<ChartSeries>& segments, absl::string_view unit) {
  constexpr int kBarHeight = 20;
  constexpr int kGap = 8;
  constexpr int kLabelWidth = 150;
  const int left = kLabelWidth;
  const int right = kPlotRight - 60;
  std::vector<double> totals(categories.size(), 0.0);
  for (const ChartSeries& s : segments) {
    for (size_t i = 0; i < categories.size() && i < s.values.size(); ++i) totals[i] += s.values[i];
  }
  const double max_total =
      NiceMax(totals.empty() ? 0 : *std::max_element(totals.begin(), totals.end()));
  std::string body;
  int y = kPlotTop;
  for (size_t i = 0; i < categories.size(); ++i) {
    absl::StrAppendFormat(&body,
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>",
                          left - 6, y + 14, HtmlEscape(categories[i]));
    double x = left;
    for (size_t k = 0; k < segments.size(); ++k) {
      const double value = i < segments[k].values.size() ? segments[k].values[i] : 0.0;
      if (value <= 0) continue;
      const double width = (right - left) * value / max_total;
      absl::StrAppendFormat(&body,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                            "fill=\"%s\"><title>%s: %s %s</title></rect>",
                            x, y, width, kBarHeight, SeriesColor(k), HtmlEscape(segments[k].name),
                            ShortNumber(value), HtmlEscape(unit));
      x += width;
    }
    absl::StrAppendFormat(&body, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s</text>", x + 4,
                          y + 14, ShortNumber(totals[i]));
    y += kBarHeight + kGap;
  }
  body += Legend(segments, y + 16);
  return Svg(y + 16 + LegendHeight(segments) + 4, body);
}

}  // namespace arrears::simulator

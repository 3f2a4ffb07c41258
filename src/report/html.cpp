#include "mlmon/report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/utf8.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// Chart geometry (SVG user units; the SVG scales to its panel's width).
constexpr double kChartWidth = 560;
constexpr double kChartHeight = 230;
constexpr double kLeft = 46;
constexpr double kRight = 10;
constexpr double kTop = 12;

constexpr const char* kStyle = R"css(
:root{--ref:#3b75af;--cur:#ef8636;--bad:#c0392b;--ok:#2e7d32;--line:#d9dde3;--muted:#5f6b7a}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2530;background:#f5f7fa}
header{background:#1d2530;color:#fff;padding:16px 24px}
header h1{margin:0;font-size:22px;font-weight:600}
header .version{font-weight:400;opacity:.8}
header p{margin:4px 0 0;opacity:.75;font-size:13px}
main{padding:8px 24px 32px;max-width:1400px}
main>section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:16px 0}
h2{font-size:18px;margin:4px 0 10px}
h3{font-size:15px;margin:0 0 4px;word-break:break-all}
table{border-collapse:collapse;font-size:12px}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:right;white-space:nowrap}
th{background:#eef1f5;font-weight:600}
th:first-child,td:first-child{text-align:left}
td.text,th.text{text-align:left}
table.alerts th,table.alerts td{text-align:left;white-space:normal}
table.kv th{text-align:left;background:none;font-weight:500;color:var(--muted)}
table.kv td{text-align:left}
.scroll{overflow-x:auto}
tr.drifted td{background:#fdecea}
tr.drifted td:first-child{border-left:4px solid var(--bad)}
td.issue{background:#fff4e5;font-weight:600}
tr.firing td{background:#fdecea}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;background:var(--ok)}
.badge.bad{background:var(--bad)}
.badge.none{background:#8a94a3}
.note{color:var(--muted);font-style:italic}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px;margin-top:14px}
section.feature,section.prediction{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fff}
section.feature.drifted,section.prediction.drifted{border-color:var(--bad);box-shadow:inset 4px 0 0 var(--bad)}
section.feature p,section.prediction p{margin:2px 0 6px;font-size:12.5px;color:var(--muted)}
svg.chart{width:100%;height:auto;display:block}
svg.chart .ref{fill:var(--ref);fill-opacity:.55}
svg.chart .cur{fill:var(--cur);fill-opacity:.55}
svg.chart .grid{stroke:var(--line);stroke-width:1}
svg.chart .axis{stroke:#8a94a3;stroke-width:1}
svg.chart text{font-size:11px;fill:var(--muted)}
.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
.key.ref{background:var(--ref);opacity:.7}
.key.cur{background:var(--cur);opacity:.7}
footer{padding:0 24px 24px;color:var(--muted);font-size:12px}
)css";

// Marks each panel whose chart was laid out (non-empty box, drawn shapes):
// what the headless-browser test reads back from the DOM. The page does not
// need it.
constexpr const char* kScript =
    "(function(){var n=0;"
    "document.querySelectorAll('section.feature,section.prediction').forEach(function(s){"
    "var g=s.querySelector('svg');if(!g)return;var r=g.getBoundingClientRect();"
    "if(r.width>0&&r.height>0&&g.querySelectorAll('rect,text').length>0){"
    "s.setAttribute('data-rendered','true');n++;}});"
    "document.documentElement.setAttribute('data-rendered-panels',String(n));})();";

std::string printf_double(const char* format, double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, x);
  return buffer;
}

// A statistic for a table cell: 4 significant digits; "-" when absent.
std::string num(const std::optional<double>& x) {
  if (!x) return "-";
  if (std::isnan(*x)) return "NaN";
  if (std::isinf(*x)) return *x > 0 ? "inf" : "-inf";
  return printf_double("%.4g", *x);
}

std::string pct(double x) { return printf_double("%.1f%%", 100.0 * x); }

std::string integer(std::uint64_t x) { return std::to_string(x); }

// SVG coordinates: two decimals are plenty.
std::string coord(double x) { return printf_double("%.2f", x); }

// At most `max` code points of `text` (valid UTF-8 assumed after
// html_escape's replacement; counts raw bytes of invalid sequences as one).
std::string shorten(std::string_view text, std::size_t max) {
  std::size_t i = 0;
  std::size_t points = 0;
  while (i < text.size() && points < max) {
    const std::size_t n = detail::utf8_sequence_length(text, i);
    i += n == 0 ? 1 : n;
    ++points;
  }
  if (i >= text.size()) return std::string(text);
  std::string out(text.substr(0, i));
  out += "\u2026";
  return out;
}

void append_escaped(std::string& out, std::string_view text) { out += html_escape(text); }

struct Cell {
  std::string text;
  const char* css = nullptr;  // class of the td, if any
};

void table_row(std::string& out, const std::vector<Cell>& cells, const char* row_class = nullptr) {
  out += row_class ? std::string("<tr class=\"") + row_class + "\">" : std::string("<tr>");
  for (const Cell& c : cells) {
    out += c.css ? std::string("<td class=\"") + c.css + "\">" : std::string("<td>");
    out += c.text;  // already escaped / built by us
    out += "</td>";
  }
  out += "</tr>\n";
}

void header_row(std::string& out, std::initializer_list<const char*> names) {
  out += "<thead><tr>";
  for (const char* n : names) {
    out += "<th>";
    out += n;
    out += "</th>";
  }
  out += "</tr></thead>\n";
}

// ---------------------------------------------------------------- summary

void render_summary(std::string& out, const Report& report) {
  const ReportSummary& s = report.summary;
  out += "<section id=\"summary\">\n<h2>Dataset</h2>\n<table class=\"kv\">\n";
  auto kv = [&](const char* key, const std::string& value_html) {
    out += "<tr><th>";
    out += key;
    out += "</th><td>";
    out += value_html;
    out += "</td></tr>\n";
  };
  kv("Reference", html_escape(s.reference_source) + " (" + integer(s.reference_rows) + " rows)");
  kv("Current", html_escape(s.current_source) + " (" + integer(s.current_rows) + " rows)");
  kv("Features compared", integer(s.columns));
  if (report.drift) {
    const DriftReport& d = *report.drift;
    kv("Drifted features", integer(d.drifted_features) + " of " + integer(d.evaluated_features) + " evaluated (" +
                               pct(d.drift_share) + ")");
    kv("Dataset drift", d.dataset_drift ? "<span class=\"badge bad\">yes</span>" : "<span class=\"badge\">no</span>");
    if (d.multivariate) {
      const MultivariateDrift& m = *d.multivariate;
      if (m.upper_threshold <= 0.0 && !m.drift_detected) {
        // The PCA kept every component (few, uncorrelated features): the
        // reference error is identically 0 and the score tells nothing.
        kv("Multivariate (PCA reconstruction error)",
           "not informative: the reference PCA keeps every component, so the error is always 0");
      } else {
        kv("Multivariate (PCA reconstruction error)",
           num(m.reconstruction_error) + " over " + integer(m.rows) + " rows, band [" + num(m.lower_threshold) +
               ", " + num(m.upper_threshold) + "]: " +
               (m.drift_detected ? "<span class=\"badge bad\">drift</span>"
                                 : "<span class=\"badge\">no drift</span>"));
      }
    }
  }
  if (!s.generated_at.empty()) kv("Generated", html_escape(s.generated_at));
  out += "</table>\n</section>\n";
}

// ---------------------------------------------------------------- drift

std::vector<Cell> drift_cells(const FeatureDrift& f, const std::string& name_html) {
  std::string verdict;
  if (f.n_current == 0) {
    verdict = "<span class=\"badge none\">no data</span>";
  } else if (f.drift_detected) {
    verdict = "<span class=\"badge bad\">drift</span>";
  } else {
    verdict = "<span class=\"badge\">no</span>";
  }
  std::string unseen;
  for (std::size_t i = 0; i < f.unseen_categories.size(); ++i) {
    if (i > 0) unseen += ", ";
    if (i == 5) {
      unseen += "+" + integer(f.unseen_categories.size() - 5) + " more";
      break;
    }
    unseen += html_escape(shorten(f.unseen_categories[i], 24));
  }
  return {{name_html},
          {std::string(to_string(f.type)), "text"},
          {verdict, "text"},
          {html_escape(f.method), "text"},
          {integer(f.n_reference)},
          {integer(f.n_current)},
          {integer(f.current_missing)},
          {num(f.psi)},
          {num(f.ks_statistic)},
          {num(f.ks_pvalue)},
          {num(f.js_distance)},
          {num(f.wasserstein)},
          {num(f.wasserstein_normed)},
          {num(f.hellinger)},
          {num(f.kl_divergence)},
          {num(f.chi2_statistic)},
          {num(f.chi2_pvalue)},
          {unseen.empty() ? std::string("-") : unseen, "text"}};
}

void render_drift_table(std::string& out, const DriftReport& d) {
  out += "<div class=\"scroll\"><table class=\"stats\">\n";
  header_row(out, {"Feature", "Type", "Drift", "Rule", "n ref", "n cur", "Missing", "PSI", "KS D", "KS p", "JS",
                   "Wasserstein", "W normed", "Hellinger", "KL", "&chi;&sup2;", "&chi;&sup2; p", "Unseen"});
  out += "<tbody>\n";
  for (std::size_t i = 0; i < d.features.size(); ++i) {
    const FeatureDrift& f = d.features[i];
    const std::string link = "<a href=\"#feature-" + integer(i) + "\">" + html_escape(f.name) + "</a>";
    table_row(out, drift_cells(f, link), f.drift_detected ? "drifted" : nullptr);
  }
  if (d.prediction) {
    const FeatureDrift& f = *d.prediction;
    table_row(out, drift_cells(f, "<a href=\"#prediction\">prediction: " + html_escape(f.name) + "</a>"),
              f.drift_detected ? "drifted" : nullptr);
  }
  out += "</tbody>\n</table></div>\n";
}

// The bins a chart shows: all of them, or for a categorical feature with
// more than `max` categories the `max` with the largest share on either
// side, kept in their (name) order.
std::vector<std::size_t> shown_bins(const FeatureDrift& f, std::size_t max) {
  std::vector<std::size_t> all(f.distribution.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (f.type != FeatureType::kCategorical || all.size() <= max || max == 0) return all;
  auto share = [&](std::size_t i) {
    return std::max(f.distribution[i].reference_proportion, f.distribution[i].current_proportion);
  };
  std::stable_sort(all.begin(), all.end(), [&](std::size_t a, std::size_t b) { return share(a) > share(b); });
  all.resize(max);
  std::sort(all.begin(), all.end());
  return all;
}

// A y-axis top at or above `x`: 1, 2, 2.5 or 5 times a power of ten.
double nice_ceiling(double x) {
  if (!(x > 0)) return 1.0;
  const double power = std::pow(10.0, std::floor(std::log10(x)));
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * power >= x * (1 - 1e-12)) return m * power;
  }
  return 10 * power;
}

std::string bin_label(const DistributionBin& bin, FeatureType type) {
  if (type == FeatureType::kCategorical) return bin.category;
  const auto edge = [](double x) {
    if (std::isinf(x)) return std::string(x > 0 ? "+inf" : "-inf");
    return printf_double("%.6g", x);
  };
  return "(" + edge(bin.lower) + ", " + edge(bin.upper) + "]";
}

void render_chart(std::string& out, const FeatureDrift& f, const HtmlOptions& options, std::string& caption) {
  const std::vector<std::size_t> bins = shown_bins(f, options.max_chart_categories);
  const bool categorical = f.type == FeatureType::kCategorical;
  const std::size_t n = bins.size();
  const bool rotate = categorical && n > 8;
  const double bottom = rotate ? 72 : 34;
  const double plot_w = kChartWidth - kLeft - kRight;
  const double plot_h = kChartHeight - kTop - bottom;
  out += "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coord(kChartWidth) + " " +
         coord(kChartHeight) + "\" width=\"" + integer(static_cast<std::uint64_t>(kChartWidth)) + "\" height=\"" +
         integer(static_cast<std::uint64_t>(kChartHeight)) +
         "\" role=\"img\" aria-label=\"Reference and current distribution of " + html_escape(f.name) + "\">\n";
  if (n == 0) {
    out += "<text x=\"" + coord(kChartWidth / 2) + "\" y=\"" + coord(kChartHeight / 2) +
           "\" text-anchor=\"middle\">no current values to compare</text>\n</svg>\n";
    return;
  }
  double top = 0;
  for (std::size_t i : bins) {
    top = std::max({top, f.distribution[i].reference_proportion, f.distribution[i].current_proportion});
  }
  top = nice_ceiling(top);
  const double base = kTop + plot_h;
  // Horizontal grid with percentage labels.
  for (int k = 0; k <= 4; ++k) {
    const double y = base - plot_h * k / 4.0;
    out += "<line class=\"grid\" x1=\"" + coord(kLeft) + "\" y1=\"" + coord(y) + "\" x2=\"" + coord(kLeft + plot_w) +
           "\" y2=\"" + coord(y) + "\"/>";
    out += "<text x=\"" + coord(kLeft - 4) + "\" y=\"" + coord(y + 4) + "\" text-anchor=\"end\">" +
           printf_double("%.3g%%", 100.0 * top * k / 4.0) + "</text>\n";
  }
  const double slot = plot_w / static_cast<double>(n);
  const double gap = std::min(2.0, slot * 0.15);
  for (std::size_t s = 0; s < n; ++s) {
    const DistributionBin& bin = f.distribution[bins[s]];
    const double x = kLeft + slot * static_cast<double>(s) + gap / 2;
    const double w = slot - gap;
    const std::string tip = html_escape(bin_label(bin, f.type)) + ": reference " + pct(bin.reference_proportion) +
                            ", current " + pct(bin.current_proportion) + " (" + integer(bin.current_count) +
                            " values)";
    // Overlaid: reference then current, both translucent, so where they
    // differ shows as the colour of one side.
    for (const auto& [css, p] : {std::pair{"ref", bin.reference_proportion}, std::pair{"cur", bin.current_proportion}}) {
      const double h = plot_h * p / top;
      out += "<rect class=\"";
      out += css;
      out += "\" x=\"" + coord(x) + "\" y=\"" + coord(base - h) + "\" width=\"" + coord(w) + "\" height=\"" +
             coord(h) + "\"><title>" + tip + "</title></rect>";
    }
    out += "\n";
  }
  out += "<line class=\"axis\" x1=\"" + coord(kLeft) + "\" y1=\"" + coord(base) + "\" x2=\"" + coord(kLeft + plot_w) +
         "\" y2=\"" + coord(base) + "\"/>\n";
  // x labels: categories under their bars; numerical edges between bars.
  if (categorical) {
    const std::size_t chars =
        rotate ? 14 : std::max<std::size_t>(3, static_cast<std::size_t>(slot / 7.0));
    for (std::size_t s = 0; s < n; ++s) {
      const DistributionBin& bin = f.distribution[bins[s]];
      const double cx = kLeft + slot * (static_cast<double>(s) + 0.5);
      const std::string label = html_escape(shorten(bin.category, chars));
      if (rotate) {
        out += "<text x=\"" + coord(cx) + "\" y=\"" + coord(base + 12) + "\" text-anchor=\"end\" transform=\"rotate(-40 " +
               coord(cx) + " " + coord(base + 12) + ")\">" + label + "</text>\n";
      } else {
        out += "<text x=\"" + coord(cx) + "\" y=\"" + coord(base + 16) + "\" text-anchor=\"middle\">" + label +
               "</text>\n";
      }
    }
  } else {
    const std::size_t edges = n - 1;
    const std::size_t step = edges > 10 ? (edges + 9) / 10 : 1;
    for (std::size_t e = 0; e < edges; e += step) {
      const double ex = kLeft + slot * static_cast<double>(e + 1);
      out += "<line class=\"axis\" x1=\"" + coord(ex) + "\" y1=\"" + coord(base) + "\" x2=\"" + coord(ex) +
             "\" y2=\"" + coord(base + 4) + "\"/><text x=\"" + coord(ex) + "\" y=\"" + coord(base + 16) +
             "\" text-anchor=\"middle\">" + printf_double("%.3g", f.distribution[e].upper) + "</text>\n";
    }
  }
  out += "</svg>\n";
  if (bins.size() < f.distribution.size()) {
    caption = "showing the " + integer(bins.size()) + " largest of " + integer(f.distribution.size()) +
              " categories";
  } else if (!categorical) {
    caption = "bins from the reference (equal widths on screen; edges below the bars)";
  }
}

void render_panel(std::string& out, const FeatureDrift& f, const std::string& id, const char* css,
                  const std::string& heading_html, const HtmlOptions& options) {
  out += "<section class=\"";
  out += css;
  if (f.drift_detected) out += " drifted";
  out += "\" id=\"" + id + "\" data-feature=\"" + html_escape(f.name) + "\">\n<h3>" + heading_html + " ";
  if (f.n_current == 0) {
    out += "<span class=\"badge none\">no data</span>";
  } else if (f.drift_detected) {
    out += "<span class=\"badge bad\">drift (" + html_escape(f.method) + ")</span>";
  } else {
    out += "<span class=\"badge\">no drift</span>";
  }
  out += "</h3>\n<p>";
  out += std::string(to_string(f.type));
  std::vector<std::pair<const char*, std::optional<double>>> stats;
  if (f.type == FeatureType::kNumerical) {
    stats = {{"PSI", f.psi}, {"KS D", f.ks_statistic}, {"KS p", f.ks_pvalue}, {"JS", f.js_distance},
             {"W normed", f.wasserstein_normed}};
  } else {
    stats = {{"PSI", f.psi}, {"&chi;&sup2; p", f.chi2_pvalue}, {"JS", f.js_distance}, {"Hellinger", f.hellinger}};
  }
  for (const auto& [name, value] : stats) {
    out += " &middot; ";
    out += name;
    out += " ";
    out += num(value);
  }
  out += " &middot; " + integer(f.n_current) + " current values, " + integer(f.current_missing) + " missing</p>\n";
  std::string caption;
  render_chart(out, f, options, caption);
  out += "<p><span class=\"key ref\">&nbsp;</span>reference<span class=\"key cur\">&nbsp;</span>current";
  if (!caption.empty()) out += " &middot; " + caption;
  out += "</p>\n</section>\n";
}

void render_drift(std::string& out, const Report& report, const HtmlOptions& options) {
  out += "<section id=\"drift\">\n<h2>Drift</h2>\n";
  if (!report.drift) {
    out += "<p class=\"note\">" + html_escape(report.notes.drift.empty() ? "No drift report." : report.notes.drift) +
           "</p>\n</section>\n";
    return;
  }
  const DriftReport& d = *report.drift;
  render_drift_table(out, d);
  out += "<div class=\"panels\">\n";
  for (std::size_t i = 0; i < d.features.size(); ++i) {
    const FeatureDrift& f = d.features[i];
    render_panel(out, f, "feature-" + integer(i), "feature", html_escape(f.name), options);
  }
  if (d.prediction) {
    render_panel(out, *d.prediction, "prediction", "prediction",
                 "prediction: " + html_escape(d.prediction->name), options);
  }
  out += "</div>\n</section>\n";
}

// ---------------------------------------------------------------- quality

void render_quality(std::string& out, const Report& report) {
  if (!report.quality && report.notes.quality.empty()) return;
  out += "<section id=\"quality\">\n<h2>Data quality</h2>\n";
  if (!report.quality) {
    out += "<p class=\"note\">" + html_escape(report.notes.quality) + "</p>\n</section>\n";
    return;
  }
  const QualityReport& q = *report.quality;
  out += "<p>" + integer(q.rows_accepted + q.rows_rejected) + " rows checked: " + integer(q.rows_accepted) +
         " accepted, " + integer(q.rows_rejected) + " rejected.</p>\n";
  // Only the kinds some feature checks get a column.
  std::vector<std::size_t> kinds;
  for (std::size_t k = 0; k < kQualityIssueKinds; ++k) {
    const bool used = std::any_of(q.features.begin(), q.features.end(), [&](const FeatureQuality& f) {
      return f.name != DataQualityMonitor::kNoFeature && f.issues[k].has_value();
    });
    if (used) kinds.push_back(k);
  }
  out += "<div class=\"scroll\"><table class=\"quality\">\n<thead><tr><th>Feature</th><th class=\"text\">Type</th>";
  for (std::size_t k : kinds) out += "<th>" + std::string(to_string(static_cast<QualityIssue>(k))) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const FeatureQuality& f : q.features) {
    if (f.name == DataQualityMonitor::kNoFeature) continue;
    std::vector<Cell> cells = {{html_escape(f.name)}, {std::string(to_string(f.type)), "text"}};
    for (std::size_t k : kinds) {
      const auto& c = f.issues[k];
      cells.push_back({c ? integer(*c) : std::string("-"), c && *c > 0 ? "issue" : nullptr});
    }
    table_row(out, cells);
  }
  out += "</tbody>\n</table></div>\n";
  for (const FeatureQuality& f : q.features) {
    const auto& unexpected = f.issues[static_cast<std::size_t>(QualityIssue::kUnexpectedField)];
    if (f.name == DataQualityMonitor::kNoFeature && unexpected && *unexpected > 0) {
      out += "<p>Fields or values outside the schema: " + integer(*unexpected) + ".</p>\n";
    }
  }
  out += "</section>\n";
}

// ---------------------------------------------------------------- performance

void metric_rows(std::string& out, PerformanceTask task, const PerformanceReport& w) {
  auto row = [&](const char* name, const std::optional<double>& v, const std::optional<ConfidenceInterval>& ci = {}) {
    std::string value = num(v);
    if (ci) value += " [" + num(ci->lower) + ", " + num(ci->upper) + "]";
    table_row(out, {{name}, {value}});
  };
  if (const auto& c = w.classification) {
    row("accuracy", c->accuracy, c->accuracy_ci);
    if (task == PerformanceTask::kBinary && c->binary) {
      row("precision", c->binary->precision, c->precision_ci);
      row("recall", c->binary->recall, c->recall_ci);
      row("F1", c->binary->f1);
    }
    if (c->macro) {
      row("precision (macro)", c->macro->precision);
      row("recall (macro)", c->macro->recall);
      row("F1 (macro)", c->macro->f1);
    }
    if (c->weighted) row("F1 (weighted)", c->weighted->f1);
    row("ROC AUC", c->roc_auc);
    row("log loss", c->log_loss);
    if (task == PerformanceTask::kBinary) row("Brier score", c->brier_score);
    row("ECE", c->ece);
  }
  if (const auto& r = w.regression) {
    row("MAE", r->mae);
    row("RMSE", r->rmse);
    row("R&sup2;", r->r2);
    row("MAPE", r->mape);
  }
}

void render_performance(std::string& out, const Report& report) {
  if (!report.performance && report.notes.performance.empty()) return;
  out += "<section id=\"performance\">\n<h2>Model performance</h2>\n";
  if (!report.performance) {
    out += "<p class=\"note\">" + html_escape(report.notes.performance) + "</p>\n</section>\n";
    return;
  }
  const PerformanceSection& p = *report.performance;
  out += "<p>Task: " + std::string(to_string(p.task)) + " &middot; " + integer(p.window.labels) + " labelled rows";
  if (p.rows_skipped > 0) out += " &middot; " + integer(p.rows_skipped) + " rows without a target or prediction left out";
  out += "</p>\n<table class=\"metrics\">\n";
  header_row(out, {"Metric", "Value [95% interval]"});
  out += "<tbody>\n";
  metric_rows(out, p.task, p.window);
  out += "</tbody>\n</table>\n";
  if (!p.window.segments.empty()) {
    out += "<h3>Segments</h3>\n<div class=\"scroll\"><table class=\"segments\">\n";
    const bool regression = p.task == PerformanceTask::kRegression;
    if (regression) {
      header_row(out, {"Segment", "Labels", "MAE", "RMSE", "R&sup2;"});
    } else {
      header_row(out, {"Segment", "Labels", "Accuracy", "F1 (macro)", "ROC AUC"});
    }
    out += "<tbody>\n";
    for (const auto& [key, s] : p.window.segments) {
      std::vector<Cell> cells = {{html_escape(key)}, {integer(s.labels)}};
      if (regression && s.regression) {
        cells.push_back({num(s.regression->mae)});
        cells.push_back({num(s.regression->rmse)});
        cells.push_back({num(s.regression->r2)});
      } else if (s.classification) {
        cells.push_back({num(s.classification->accuracy)});
        cells.push_back({s.classification->macro ? num(s.classification->macro->f1) : std::string("-")});
        cells.push_back({num(s.classification->roc_auc)});
      } else {
        cells.insert(cells.end(), 3, Cell{"-"});
      }
      table_row(out, cells);
    }
    out += "</tbody>\n</table></div>\n";
  }
  out += "</section>\n";
}

// ---------------------------------------------------------------- alerts

void render_alerts(std::string& out, const Report& report) {
  if (!report.alerts && report.notes.alerts.empty()) return;
  out += "<section id=\"alerts\">\n<h2>Active alerts</h2>\n";
  if (!report.alerts) {
    out += "<p class=\"note\">" + html_escape(report.notes.alerts) + "</p>\n</section>\n";
    return;
  }
  if (report.alerts->empty()) {
    out += "<p class=\"note\">No pending or firing alert.</p>\n</section>\n";
    return;
  }
  out += "<div class=\"scroll\"><table class=\"alerts\">\n";
  header_row(out, {"Alert", "State", "Value", "Active since", "Labels", "Summary"});
  out += "<tbody>\n";
  for (const Alert& a : *report.alerts) {
    std::string labels;
    for (const auto& [name, value] : a.labels) {
      if (name == "alertname") continue;
      if (!labels.empty()) labels += ", ";
      labels += html_escape(name) + "=" + html_escape(value);
    }
    const auto summary = a.annotations.find("summary");
    table_row(out,
              {{html_escape(a.name())},
               {std::string(to_string(a.state)), "text"},
               {num(a.value)},
               {html_escape(format_utc(a.active_at)), "text"},
               {labels, "text"},
               {summary != a.annotations.end() ? html_escape(summary->second) : std::string(), "text"}},
              a.state == AlertState::kFiring ? "firing" : nullptr);
  }
  out += "</tbody>\n</table></div>\n</section>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const std::size_t n = detail::utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\uFFFD";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
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
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
          out += "\uFFFD";
        } else {
          out += c;
        }
    }
    ++i;
  }
  return out;
}

std::string report_html(const Report& report, const HtmlOptions& options) {
  const ReportSummary& s = report.summary;
  std::string model = s.model_name;
  if (!s.model_version.empty()) model += (model.empty() ? "" : " ") + s.model_version;
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  if (options.refresh_seconds > 0) {
    out += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(options.refresh_seconds) + "\">\n";
  }
  out += "<title>mlmon report";
  if (!model.empty()) {
    out += ": ";
    append_escaped(out, model);
  }
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<header>\n<h1>Model report";
  if (!s.model_name.empty()) {
    out += ": ";
    append_escaped(out, s.model_name);
  }
  if (!s.model_version.empty()) {
    out += " <span class=\"version\">";
    append_escaped(out, s.model_version);
    out += "</span>";
  }
  out += "</h1>\n<p>Generated by mlmon";
  if (!s.generated_at.empty()) {
    out += " at ";
    append_escaped(out, s.generated_at);
  }
  if (options.refresh_seconds > 0) out += " &middot; reloads every " + std::to_string(options.refresh_seconds) + " s";
  out += "</p>\n</header>\n<main>\n";
  render_summary(out, report);
  render_drift(out, report, options);
  render_quality(out, report);
  render_performance(out, report);
  render_alerts(out, report);
  out += "</main>\n<footer>mlmon: drift statistics follow docs/drift.md (reference bins, scipy conventions); "
         "a statistic that does not apply to a feature's type is shown as -.</footer>\n";
  out += "<script>";
  out += kScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace v1
}  // namespace mlmon

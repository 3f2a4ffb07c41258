#pragma once
// The report as one self-contained HTML5 page: inline CSS and SVG, no
// external resource, readable without JavaScript.

#include <cstddef>
#include <string>
#include <string_view>

#include "mlmon/export.hpp"
#include "mlmon/report/report.hpp"

namespace mlmon {
inline namespace v1 {

/// How report_html() renders.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT HtmlOptions {
  /// > 0: a <meta http-equiv="refresh"> reloads the page this often (the
  /// live /dashboard); 0: none (a report file).
  int refresh_seconds = 0;
  /// Categorical charts show at most this many categories (the ones with
  /// the largest reference or current share; the rest are named as a count).
  std::size_t max_chart_categories = 40;
};

/// The page: title with the model, the dataset summary, a table of every
/// feature's drift statistics (drifted rows highlighted), one panel per
/// feature, `<section class="feature" data-feature="NAME">`, holding an
/// inline <svg> with the reference and current distributions overlaid bin by
/// bin, then the data-quality, performance and alerts sections (or their
/// notes). Every user string is escaped (html_escape()). A small inline
/// script marks each panel whose chart was laid out with
/// data-rendered="true" (what the browser test reads); nothing else
/// depends on it.
MLMON_EXPORT std::string report_html(const Report& report, const HtmlOptions& options = {});

/// `text` safe in HTML text and in a double- or single-quoted attribute:
/// & < > " ' as character references; bytes that are not UTF-8 as U+FFFD;
/// control characters other than tab, LF and CR as U+FFFD.
MLMON_EXPORT std::string html_escape(std::string_view text);

}  // namespace v1
}  // namespace mlmon

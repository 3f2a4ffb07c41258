#include "mlmon/drift/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <string>
#include <variant>

#include "drift/multivariate_fit.hpp"
#include "drift/parallel_for.hpp"
#include "drift/radix_sort.hpp"
#include "drift/two_sample.hpp"
#include "mlmon/drift/binning.hpp"
#include "mlmon/drift/chi_square.hpp"
#include "mlmon/drift/divergence.hpp"
#include "mlmon/drift/ks.hpp"
#include "mlmon/drift/wasserstein.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

std::string feature_field(const std::string& name, const char* problem) {
  std::string message = "feature \"";
  message += name;
  message += "\": ";
  message += problem;
  return message;
}

bool uses_p_value(DriftMethod method) noexcept {
  return method == DriftMethod::kDefault || method == DriftMethod::kKs || method == DriftMethod::kChiSquare;
}

bool is_test(DriftMethod method) noexcept {
  return method == DriftMethod::kKs || method == DriftMethod::kChiSquare;
}

bool applies_to(DriftMethod method, FeatureType type) noexcept {
  switch (method) {
    case DriftMethod::kKs:
    case DriftMethod::kWassersteinNormed:
      return type == FeatureType::kNumerical;
    case DriftMethod::kChiSquare:
      return type == FeatureType::kCategorical;
    default:
      return true;
  }
}

// The statistics of one numerical feature from what every caller reduces its
// data to: exact counts on the reference bins (PSI, KL, JS, Hellinger) and an
// ascending finite sample (KS, Wasserstein). The offline path (every value)
// and the streaming monitor (window counts and a bounded sample) both land
// here, so the two agree on the same data. The decision comes after the
// correction.
void numerical_statistics(const NumericalProfile& reference, std::span<const std::uint64_t> counts,
                          std::span<const double> sorted_sample, std::uint64_t missing,
                          const DriftOptions& options, FeatureDrift& out) {
  out.n_reference = reference.count;
  out.n_current = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  out.current_missing = missing;
  if (out.n_current == 0) return;

  const std::vector<double> current = proportions(counts);
  out.psi = psi(reference.proportions, current);
  out.kl_divergence = kl_divergence(reference.proportions, current);
  out.js_distance = js_distance(reference.proportions, current, options.js_base);
  out.hellinger = hellinger(reference.proportions, current);
  const std::span<const double> edges = reference.edges.interior();
  out.distribution.resize(counts.size());
  for (std::size_t b = 0; b < counts.size(); ++b) {
    DistributionBin& bin = out.distribution[b];
    if (b > 0) bin.lower = edges[b - 1];
    if (b < edges.size()) bin.upper = edges[b];
    bin.reference_proportion = reference.proportions[b];
    bin.current_proportion = current[b];
    bin.current_count = counts[b];
  }

  if (sorted_sample.empty()) return;  // counts without values: binned statistics only
  // One merge for KS and Wasserstein (the code ks_2samp() and
  // wasserstein_distance() run; the inputs are known sorted and finite).
  const detail::TwoSampleMerge merge = detail::merge_two_samples(reference.sample, sorted_sample);
  const KsResult ks = detail::ks_2samp_from_merge(merge, options.ks_method);
  out.ks_statistic = ks.statistic;
  out.ks_pvalue = ks.p_value;
  const double distance = merge.wasserstein();
  out.wasserstein = distance;
  // The full reference's std, not the (possibly reservoir) sample's.
  out.wasserstein_normed = normalize_wasserstein(distance, reference.std);
}

// The offline path: every value of the column is the sample.
void numerical_statistics(const NumericalProfile& reference, const NumericalColumn& column,
                          const DriftOptions& options, FeatureDrift& out) {
  std::uint64_t missing = 0;
  const std::vector<double> values = detail::sorted_finite(column.values, missing);
  std::vector<std::uint64_t> counts(reference.edges.bin_count(), 0);
  add_sorted_bin_counts(reference.edges, values, counts);
  numerical_statistics(reference, counts, values, missing, options, out);
}

void categorical_statistics(const CategoricalProfile& reference, const CategoricalColumn& column,
                            const DriftOptions& options, FeatureDrift& out) {
  // Align both sides on the sorted union of categories (both maps are sorted).
  std::vector<std::string> names;
  std::vector<std::uint64_t> reference_counts;
  std::vector<std::uint64_t> current_counts;
  auto r = reference.counts.begin();
  auto c = column.counts.begin();
  while (r != reference.counts.end() || c != column.counts.end()) {
    if (c == column.counts.end() || (r != reference.counts.end() && r->first < c->first)) {
      names.push_back(r->first);
      reference_counts.push_back(r->second);
      current_counts.push_back(0);
      ++r;
    } else if (r == reference.counts.end() || c->first < r->first) {
      names.push_back(c->first);
      reference_counts.push_back(0);
      current_counts.push_back(c->second);
      ++c;
    } else {
      names.push_back(r->first);
      reference_counts.push_back(r->second);
      current_counts.push_back(c->second);
      ++r;
      ++c;
    }
  }
  const std::uint64_t current_total =
      std::accumulate(current_counts.begin(), current_counts.end(), std::uint64_t{0});
  out.n_reference = reference.count();
  out.n_current = current_total;
  out.current_missing = column.missing;
  if (current_total == 0) return;

  const ChiSquareResult chi = options.chi2_contingency
                                  ? chi_square_contingency(reference_counts, current_counts, true, names)
                                  : chi_square_goodness_of_fit(reference_counts, current_counts, names);
  out.chi2_statistic = chi.statistic;
  out.chi2_pvalue = chi.p_value;
  out.unseen_categories = chi.unseen_categories;
  const std::vector<double> p = proportions(reference_counts);
  const std::vector<double> q = proportions(current_counts);
  out.psi = psi(p, q);
  out.kl_divergence = kl_divergence(p, q);
  out.js_distance = js_distance(p, q, options.js_base);
  out.hellinger = hellinger(p, q);
  out.distribution.resize(names.size());
  for (std::size_t b = 0; b < names.size(); ++b) {
    DistributionBin& bin = out.distribution[b];
    bin.category = std::move(names[b]);
    bin.lower = bin.upper = std::numeric_limits<double>::quiet_NaN();
    bin.reference_proportion = p[b];
    bin.current_proportion = q[b];
    bin.current_count = current_counts[b];
  }
}

// The p-value a rule compares, before correction.
std::optional<double> rule_p_value(const FeatureDrift& f, DriftMethod method) {
  if (!uses_p_value(method)) return std::nullopt;
  return f.type == FeatureType::kNumerical ? f.ks_pvalue : f.chi2_pvalue;
}

void decide(FeatureDrift& f, const DriftDecision& decision, const DefaultDriftRule& rule) {
  if (f.n_current == 0) {
    f.method = "no_data";
    return;
  }
  const DriftMethod method = decision.method;
  if (method == DriftMethod::kDefault) {
    if (f.type == FeatureType::kNumerical) {
      if (*f.psi >= rule.psi_threshold) {
        f.drift_detected = true;
        f.method = "psi";
      } else if (f.decision_p_value && *f.decision_p_value < rule.ks_alpha &&
                 *f.ks_statistic >= rule.ks_min_statistic) {
        f.drift_detected = true;
        f.method = "ks";
      } else {
        f.method = "psi_or_ks";
      }
    } else {
      f.drift_detected = *f.decision_p_value < rule.chi2_alpha && *f.js_distance >= rule.chi2_min_js;
      f.method = "chi_square_and_js";
    }
    return;
  }
  const double threshold = decision.threshold.value_or(default_threshold(method));
  f.method = std::string(to_string(method));
  // A window reduced to bin counts without a sample (FeatureWindow) has no
  // KS or Wasserstein result: such a rule cannot fire.
  const auto at_least = [&](const std::optional<double>& x) { return x && *x >= threshold; };
  switch (method) {
    case DriftMethod::kKs:
    case DriftMethod::kChiSquare:
      f.drift_detected = f.decision_p_value && *f.decision_p_value < threshold;
      break;
    case DriftMethod::kPsi:
      f.drift_detected = at_least(f.psi);
      break;
    case DriftMethod::kJensenShannon:
      f.drift_detected = at_least(f.js_distance);
      break;
    case DriftMethod::kWassersteinNormed:
      f.drift_detected = at_least(f.wasserstein_normed);
      break;
    case DriftMethod::kHellinger:
      f.drift_detected = at_least(f.hellinger);
      break;
    case DriftMethod::kKlDivergence:
      f.drift_detected = at_least(f.kl_divergence);
      break;
    case DriftMethod::kDefault:
      break;
  }
}

void check_options(const ReferenceProfile& reference, const DriftOptions& options) {
  const auto require_unit = [](double x, const char* field) {
    if (!(x >= 0.0 && x <= 1.0)) throw std::invalid_argument(std::string(field) + ": must be in [0, 1]");
  };
  require_unit(options.drift_share_threshold, "drift_share_threshold");
  require_unit(options.default_rule.ks_alpha, "default_rule.ks_alpha");
  require_unit(options.default_rule.chi2_alpha, "default_rule.chi2_alpha");
  require_unit(options.default_rule.ks_min_statistic, "default_rule.ks_min_statistic");
  if (!(options.multivariate_std_multiplier > 0.0 && std::isfinite(options.multivariate_std_multiplier))) {
    throw std::invalid_argument("multivariate_std_multiplier: must be finite and > 0");
  }
  if (!std::isfinite(options.default_rule.psi_threshold)) {
    throw std::invalid_argument("default_rule.psi_threshold: must be finite");
  }
  if (!std::isfinite(options.default_rule.chi2_min_js)) {
    throw std::invalid_argument("default_rule.chi2_min_js: must be finite");
  }
  const auto check_threshold = [](const DriftDecision& d, const std::string& field) {
    if (!d.threshold) return;
    const double t = *d.threshold;
    if (is_test(d.method) ? !(t > 0.0 && t <= 1.0) : !std::isfinite(t)) {
      throw std::invalid_argument(
          field + ".threshold: " + (is_test(d.method) ? "a significance level in (0, 1]" : "must be finite"));
    }
  };
  check_threshold(options.decision, "decision");
  for (const auto& [name, decision] : options.per_feature) {
    std::string field = "per_feature.";
    field += name;
    if (reference.find(name) == nullptr)
      throw std::invalid_argument(field + ": no such feature in the profile");
    check_threshold(decision, field);
  }
  for (const FeatureProfile& feature : reference.features()) {
    const auto it = options.per_feature.find(feature.name);
    const DriftDecision& d = it == options.per_feature.end() ? options.decision : it->second;
    if (!applies_to(d.method, feature.type())) {
      std::string message = feature_field(feature.name, "method ");
      message += to_string(d.method);
      message += " does not apply to a ";
      message += to_string(feature.type());
      message += " feature";
      throw std::invalid_argument(message);
    }
  }
}

// Corrects the p-values, decides per feature and for the dataset: the part
// every evaluate_drift() overload shares once the statistics are in.
void finish_report(const DriftOptions& options, DriftReport& report) {
  const auto decision_of = [&](const FeatureDrift& f) -> const DriftDecision& {
    const auto it = options.per_feature.find(f.name);
    return it == options.per_feature.end() ? options.decision : it->second;
  };
  // Correct the p-values the decisions use, across the features that have one.
  std::vector<std::size_t> tested;
  std::vector<double> raw;
  for (std::size_t i = 0; i < report.features.size(); ++i) {
    const FeatureDrift& f = report.features[i];
    if (f.n_current == 0) continue;
    if (const auto p = rule_p_value(f, decision_of(f).method)) {
      tested.push_back(i);
      raw.push_back(*p);
    }
  }
  const std::vector<double> adjusted = adjust_p_values(raw, options.correction);
  for (std::size_t k = 0; k < tested.size(); ++k) report.features[tested[k]].decision_p_value = adjusted[k];

  for (FeatureDrift& f : report.features) {
    decide(f, decision_of(f), options.default_rule);
    if (f.n_current == 0) continue;
    ++report.evaluated_features;
    if (f.drift_detected) ++report.drifted_features;
  }
  if (report.evaluated_features > 0) {
    report.drift_share =
        static_cast<double>(report.drifted_features) / static_cast<double>(report.evaluated_features);
    report.dataset_drift = report.drift_share >= options.drift_share_threshold;
  }
}

using OrderedJson = nlohmann::ordered_json;

OrderedJson json_number(const std::optional<double>& x) {
  if (!x || std::isnan(*x)) return nullptr;
  if (std::isinf(*x)) return *x > 0 ? "inf" : "-inf";
  return *x;
}

OrderedJson feature_json(const FeatureDrift& f) {
  OrderedJson json;
  json["type"] = std::string(to_string(f.type));
  json["n_reference"] = f.n_reference;
  json["n_current"] = f.n_current;
  json["psi"] = json_number(f.psi);
  json["ks_statistic"] = json_number(f.ks_statistic);
  json["ks_pvalue"] = json_number(f.ks_pvalue);
  json["js_distance"] = json_number(f.js_distance);
  json["wasserstein"] = json_number(f.wasserstein);
  json["wasserstein_normed"] = json_number(f.wasserstein_normed);
  json["hellinger"] = json_number(f.hellinger);
  json["kl_divergence"] = json_number(f.kl_divergence);
  json["chi2_statistic"] = json_number(f.chi2_statistic);
  json["chi2_pvalue"] = json_number(f.chi2_pvalue);
  json["unseen_categories"] = f.unseen_categories;
  json["drift_detected"] = f.drift_detected;
  json["method"] = f.method;
  return json;
}

std::string text_number(const std::optional<double>& x) {
  if (!x) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", *x);
  return buffer;
}

}  // namespace

std::string_view to_string(DriftMethod method) noexcept {
  switch (method) {
    case DriftMethod::kDefault:
      return "default";
    case DriftMethod::kPsi:
      return "psi";
    case DriftMethod::kKs:
      return "ks";
    case DriftMethod::kJensenShannon:
      return "js";
    case DriftMethod::kWassersteinNormed:
      return "wasserstein_normed";
    case DriftMethod::kHellinger:
      return "hellinger";
    case DriftMethod::kKlDivergence:
      return "kl";
    case DriftMethod::kChiSquare:
      return "chi_square";
  }
  return "default";
}

std::optional<DriftMethod> parse_drift_method(std::string_view text) noexcept {
  for (const DriftMethod m : {DriftMethod::kDefault, DriftMethod::kPsi, DriftMethod::kKs,
                              DriftMethod::kJensenShannon, DriftMethod::kWassersteinNormed,
                              DriftMethod::kHellinger, DriftMethod::kKlDivergence, DriftMethod::kChiSquare}) {
    if (text == to_string(m)) return m;
  }
  return std::nullopt;
}

double default_threshold(DriftMethod method) noexcept {
  switch (method) {
    case DriftMethod::kPsi:
      return 0.2;
    case DriftMethod::kKs:
    case DriftMethod::kChiSquare:
      return 0.05;
    default:
      return 0.1;
  }
}

std::string_view to_string(Correction correction) noexcept {
  switch (correction) {
    case Correction::kBonferroni:
      return "bonferroni";
    case Correction::kBenjaminiHochberg:
      return "bh";
    case Correction::kNone:
      break;
  }
  return "none";
}

std::optional<Correction> parse_correction(std::string_view text) noexcept {
  if (text == "none") return Correction::kNone;
  if (text == "bonferroni") return Correction::kBonferroni;
  if (text == "bh" || text == "benjamini-hochberg") return Correction::kBenjaminiHochberg;
  return std::nullopt;
}

std::vector<double> adjust_p_values(std::span<const double> p_values, Correction correction) {
  for (const double p : p_values) {
    if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("p_values: a p-value outside [0, 1]");
  }
  std::vector<double> adjusted(p_values.begin(), p_values.end());
  const std::size_t m = p_values.size();
  const double m_d = static_cast<double>(m);
  if (correction == Correction::kBonferroni) {
    for (double& p : adjusted) p = std::min(1.0, p * m_d);
  } else if (correction == Correction::kBenjaminiHochberg && m > 0) {
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
    // Step up from the largest p-value, carrying the running minimum.
    double running = 1.0;
    for (std::size_t k = m; k-- > 0;) {
      const double rank = static_cast<double>(k + 1);
      running = std::min(running, std::min(1.0, p_values[order[k]] * m_d / rank));
      adjusted[order[k]] = running;
    }
  }
  return adjusted;
}

DriftReport evaluate_drift(const ReferenceProfile& reference, const Dataset& current,
                           const DriftOptions& options) {
  check_options(reference, options);
  const auto features = reference.features();
  DriftReport report;
  report.features.resize(features.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    const FeatureProfile& feature = features[i];
    report.features[i].name = feature.name;
    report.features[i].type = feature.type();
    const bool present = feature.type() == FeatureType::kNumerical
                             ? current.numerical(feature.name) != nullptr
                             : current.categorical(feature.name) != nullptr;
    if (!present) {
      std::string message = feature_field(feature.name, "");
      message += current.schema().index_of(feature.name)
                     ? "has a different type in the current data than the "
                     : "missing from the current data; it is in the ";
      message += to_string(feature.type());
      message += " reference";
      throw std::invalid_argument(message);
    }
  }

  detail::parallel_for(features.size(), options.threads, [&](std::size_t i) {
    const FeatureProfile& feature = features[i];
    if (const NumericalProfile* p = feature.numerical()) {
      numerical_statistics(*p, *current.numerical(feature.name), options, report.features[i]);
    } else {
      categorical_statistics(*feature.categorical(), *current.categorical(feature.name), options,
                             report.features[i]);
    }
  });

  finish_report(options, report);
  if (options.multivariate && reference.multivariate()) {
    const MultivariateProfile& model = *reference.multivariate();
    std::vector<const std::vector<double>*> columns;
    for (const std::string& name : model.features) {
      const NumericalColumn* column = current.numerical(name);
      if (!columns.empty() && column->values.size() != columns.front()->size()) {
        columns.clear();  // no rows to score: columns of unequal length
        break;
      }
      columns.push_back(&column->values);
    }
    if (!columns.empty()) {
      const detail::ErrorSum sum = detail::reconstruction_error_sum(model, columns, options.threads);
      report.multivariate =
          evaluate_multivariate(model, {sum.sum, sum.rows}, options.multivariate_std_multiplier);
    }
  }
  return report;
}

std::optional<MultivariateDrift> evaluate_multivariate(const MultivariateProfile& model,
                                                       const MultivariateWindow& window, double multiplier) {
  if (window.rows == 0) return std::nullopt;
  MultivariateDrift out;
  out.rows = window.rows;
  out.reconstruction_error = window.error_sum / static_cast<double>(window.rows);
  const MultivariateThresholds band = model.thresholds(window.rows, multiplier);
  out.lower_threshold = band.lower;
  out.upper_threshold = band.upper;
  out.drift_detected = !(out.reconstruction_error >= band.lower && out.reconstruction_error <= band.upper);
  return out;
}

DriftReport evaluate_drift(const ReferenceProfile& reference, std::span<const FeatureWindow> current,
                           const DriftOptions& options) {
  check_options(reference, options);
  const auto features = reference.features();
  if (current.size() != features.size()) {
    throw std::invalid_argument("current: one window per profile feature expected");
  }
  DriftReport report;
  report.features.resize(features.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    const FeatureProfile& feature = features[i];
    report.features[i].name = feature.name;
    report.features[i].type = feature.type();
    std::string field = "current[";
    field += std::to_string(i);
    field += "]";
    if (const NumericalProfile* p = feature.numerical()) {
      const auto* window = std::get_if<NumericalWindow>(&current[i]);
      if (window == nullptr) throw std::invalid_argument(field + ": a categorical window for a numerical feature");
      if (window->bin_counts.size() != p->edges.bin_count()) {
        throw std::invalid_argument(field + ".bin_counts: one count per reference bin expected");
      }
      if (!std::is_sorted(window->sample.begin(), window->sample.end()) ||
          !std::all_of(window->sample.begin(), window->sample.end(), [](double x) { return std::isfinite(x); })) {
        throw std::invalid_argument(field + ".sample: must be finite and ascending");
      }
    } else if (!std::holds_alternative<CategoricalColumn>(current[i])) {
      throw std::invalid_argument(field + ": a numerical window for a categorical feature");
    }
  }
  detail::parallel_for(features.size(), options.threads, [&](std::size_t i) {
    const FeatureProfile& feature = features[i];
    if (const NumericalProfile* p = feature.numerical()) {
      const auto& window = std::get<NumericalWindow>(current[i]);
      numerical_statistics(*p, window.bin_counts, window.sample, window.missing, options, report.features[i]);
    } else {
      categorical_statistics(*feature.categorical(), std::get<CategoricalColumn>(current[i]), options,
                             report.features[i]);
    }
  });
  finish_report(options, report);
  return report;
}

std::string drift_report_json(const DriftReport& report) {
  OrderedJson features = OrderedJson::object();
  for (const FeatureDrift& f : report.features) features[f.name] = feature_json(f);
  OrderedJson root;
  root["features"] = std::move(features);
  root["drift_share"] = report.drift_share;
  root["dataset_drift"] = report.dataset_drift;
  if (report.multivariate) {
    const MultivariateDrift& m = *report.multivariate;
    root["multivariate"] = {{"reconstruction_error", m.reconstruction_error},
                            {"lower_threshold", m.lower_threshold},
                            {"upper_threshold", m.upper_threshold},
                            {"drift_detected", m.drift_detected},
                            {"rows", m.rows}};
  } else {
    root["multivariate"] = nullptr;
  }
  if (report.prediction) {
    OrderedJson prediction;
    prediction["name"] = report.prediction->name;
    prediction.update(feature_json(*report.prediction));
    root["prediction"] = std::move(prediction);
  }
  // Labels come from user files and may not be UTF-8: show them with U+FFFD
  // rather than fail the whole report.
  return root.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

std::string drift_report_text(const DriftReport& report) {
  std::size_t width = 7;  // "feature"
  for (const FeatureDrift& f : report.features) width = std::max(width, f.name.size());
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-11s  %9s  %9s  %-5s  %-17s  %10s  %10s  %10s  %10s\n",
                static_cast<int>(width), "feature", "type", "n_ref", "n_cur", "drift", "method", "psi", "js",
                "ks_p", "chi2_p");
  out += line;
  for (const FeatureDrift& f : report.features) {
    std::snprintf(line, sizeof line, "%-*s  %-11s  %9llu  %9llu  %-5s  %-17s  %10s  %10s  %10s  %10s\n",
                  static_cast<int>(width), f.name.c_str(), std::string(to_string(f.type)).c_str(),
                  static_cast<unsigned long long>(f.n_reference),
                  static_cast<unsigned long long>(f.n_current), f.drift_detected ? "yes" : "no",
                  f.method.c_str(), text_number(f.psi).c_str(), text_number(f.js_distance).c_str(),
                  text_number(f.ks_pvalue).c_str(), text_number(f.chi2_pvalue).c_str());
    out += line;
    if (!f.unseen_categories.empty()) {
      out += "  unseen categories:";
      for (const auto& c : f.unseen_categories) {
        out += ' ';
        out += c;
      }
      out += '\n';
    }
  }
  std::snprintf(line, sizeof line, "drift share %.4g (%zu of %zu features), dataset drift: %s\n",
                report.drift_share, report.drifted_features, report.evaluated_features,
                report.dataset_drift ? "yes" : "no");
  out += line;
  if (report.multivariate) {
    const MultivariateDrift& m = *report.multivariate;
    std::snprintf(line, sizeof line,
                  "multivariate reconstruction error %.6g over %llu rows, band [%.6g, %.6g], drift: %s\n",
                  m.reconstruction_error, static_cast<unsigned long long>(m.rows), m.lower_threshold,
                  m.upper_threshold, m.drift_detected ? "yes" : "no");
    out += line;
  }
  if (report.prediction) {
    const FeatureDrift& f = *report.prediction;
    std::snprintf(line, sizeof line, "prediction %s: drift %s (%s), psi %s, js %s, ks_p %s, chi2_p %s\n",
                  f.name.c_str(), f.drift_detected ? "yes" : "no", f.method.c_str(), text_number(f.psi).c_str(),
                  text_number(f.js_distance).c_str(), text_number(f.ks_pvalue).c_str(),
                  text_number(f.chi2_pvalue).c_str());
    out += line;
  }
  return out;
}

}  // namespace v1
}  // namespace mlmon

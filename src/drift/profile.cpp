#include "mlmon/drift/profile.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "drift/compensated_sum.hpp"
#include "drift/multivariate_fit.hpp"
#include "drift/parallel_for.hpp"
#include "drift/radix_sort.hpp"
#include "mlmon/drift/wasserstein.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using Json = nlohmann::json;

std::string feature_error(const std::string& name, const char* problem) {
  std::string message = "feature \"";
  message += name;
  message += "\": ";
  message += problem;
  return message;
}

// Vitter's Algorithm R. The index comes from a multiply-shift of the 64-bit
// draw (not std::uniform_int_distribution, whose algorithm differs between
// standard libraries), so the sample is the same on every platform.
std::vector<double> reservoir_sample(std::span<const double> finite_in_row_order, std::size_t cap,
                                     std::uint64_t seed) {
  std::vector<double> reservoir(finite_in_row_order.begin(), finite_in_row_order.begin() + cap);
  std::mt19937_64 rng(seed);
  for (std::size_t i = cap; i < finite_in_row_order.size(); ++i) {
    const auto j = static_cast<std::size_t>(
        (static_cast<unsigned __int128>(rng()) * static_cast<unsigned __int128>(i + 1)) >> 64);
    if (j < cap) reservoir[j] = finite_in_row_order[i];
  }
  return reservoir;
}

NumericalProfile summarize_numerical(const std::string& name, std::span<const double> values,
                                     const ProfileOptions& options) {
  NumericalProfile profile;
  std::vector<double> finite;
  finite.reserve(values.size());
  for (const double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  profile.count = finite.size();
  profile.missing = values.size() - finite.size();
  if (finite.empty())
    throw std::invalid_argument(feature_error(name, "no finite values (every cell is missing)"));
  if (finite.size() > options.sample_cap) {
    profile.sample = reservoir_sample(finite, options.sample_cap, options.sample_seed);
    detail::sort_finite(profile.sample);
  }
  detail::sort_finite(finite);

  profile.edges = options.binning == Binning::kQuantile ? quantile_edges_sorted(finite, options.bins)
                                                        : uniform_edges(finite, options.bins);
  std::vector<std::uint64_t> counts(profile.edges.bin_count(), 0);
  add_bin_counts(profile.edges, finite, counts);
  profile.proportions = proportions(counts);

  // The sorted values give the same std as population_std(sample) when the
  // sample is exact, so the normed Wasserstein of a report equals
  // wasserstein_distance_normed() on the same data bit for bit.
  detail::CompensatedSum sum;
  for (const double v : finite) sum.add(v);
  profile.mean = sum.value() / static_cast<double>(finite.size());
  profile.std = population_std(finite);
  profile.min = finite.front();
  profile.max = finite.back();
  if (!std::isfinite(profile.mean) || !std::isfinite(profile.std)) {
    throw std::invalid_argument(feature_error(name, "values too large for a finite mean and std"));
  }
  if (profile.sample.empty()) profile.sample = std::move(finite);
  return profile;
}

CategoricalProfile summarize_categorical(const std::string& name, const CategoricalColumn& column) {
  if (column.counts.empty()) {
    throw std::invalid_argument(feature_error(name, "no labels (every cell is missing)"));
  }
  CategoricalProfile profile;
  for (const auto& [label, count] : column.counts) {
    if (count > 0) profile.counts.emplace(label, count);
  }
  if (profile.counts.empty()) {
    throw std::invalid_argument(feature_error(name, "no labels (every cell is missing)"));
  }
  profile.missing = column.missing;
  return profile;
}

// ------------------------------------------------------------------ loading

// Reads one JSON document into a profile, naming SOURCE: FIELD on any
// problem. Not thread-safe; one per load.
class ProfileReader {
 public:
  explicit ProfileReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    std::string message = source_;
    message += ": ";
    message += field;
    message += ": ";
    message += problem;
    throw std::runtime_error(message);
  }

  const Json& member(const Json& object, const std::string& path, const char* key) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(join(path, key), "missing field");
    return *it;
  }

  static std::string join(const std::string& path, const char* key) {
    if (path.empty()) return key;
    std::string out = path;
    out += '.';
    out += key;
    return out;
  }

  const Json& object(const Json& parent, const std::string& path, const char* key) const {
    const Json& value = member(parent, path, key);
    if (!value.is_object()) fail(join(path, key), "expected an object");
    return value;
  }

  std::string string(const Json& parent, const std::string& path, const char* key) const {
    const Json& value = member(parent, path, key);
    if (!value.is_string()) fail(join(path, key), "expected a string");
    return value.get<std::string>();
  }

  std::uint64_t count(const Json& parent, const std::string& path, const char* key) const {
    const Json& value = member(parent, path, key);
    if (!value.is_number_unsigned()) fail(join(path, key), "expected a non-negative integer");
    return value.get<std::uint64_t>();
  }

  double number(const Json& parent, const std::string& path, const char* key) const {
    const Json& value = member(parent, path, key);
    if (!value.is_number()) fail(join(path, key), "expected a number");
    const double x = value.get<double>();
    if (!std::isfinite(x)) fail(join(path, key), "expected a finite number");
    return x;
  }

  std::vector<double> numbers(const Json& parent, const std::string& path, const char* key) const {
    const Json& value = member(parent, path, key);
    const std::string field = join(path, key);
    if (!value.is_array()) fail(field, "expected an array of numbers");
    std::vector<double> out;
    out.reserve(value.size());
    for (const Json& x : value) {
      if (!x.is_number()) fail(field, "expected an array of numbers");
      out.push_back(x.get<double>());
      if (!std::isfinite(out.back())) fail(field, "expected an array of finite numbers");
    }
    return out;
  }

  ProfileOptions options(const Json& root) const {
    const Json& json = object(root, "", "options");
    ProfileOptions options;
    options.bins = count(json, "options", "bins");
    if (options.bins == 0 || options.bins > kMaxBins) {
      fail("options.bins", std::string("must be between 1 and ") + std::to_string(kMaxBins));
    }
    const std::string binning = string(json, "options", "binning");
    const auto parsed = parse_binning(binning);
    if (!parsed)
      fail("options.binning", std::string("expected \"quantile\" or \"uniform\", got \"") + binning + "\"");
    options.binning = *parsed;
    options.sample_cap = count(json, "options", "sample_cap");
    if (options.sample_cap == 0) fail("options.sample_cap", "must be at least 1");
    options.sample_seed = count(json, "options", "sample_seed");
    // Added within format version 1: absent in older profiles.
    if (json.contains("multivariate")) {
      const Json& value = json["multivariate"];
      if (!value.is_boolean()) fail("options.multivariate", "expected true or false");
      options.multivariate = value.get<bool>();
    } else {
      options.multivariate = false;
    }
    if (json.contains("pca_variance")) {
      options.pca_variance = number(json, "options", "pca_variance");
      if (!(options.pca_variance > 0.0 && options.pca_variance <= 1.0)) fail("options.pca_variance", "must be in (0, 1]");
    }
    if (json.contains("multivariate_chunk_size")) {
      options.multivariate_chunk_size = count(json, "options", "multivariate_chunk_size");
    }
    return options;
  }

  MultivariateProfile multivariate(const Json& root, const std::vector<FeatureProfile>& features) const {
    const std::string path = "multivariate";
    const Json& json = object(root, "", "multivariate");
    MultivariateProfile m;
    const Json& names = member(json, path, "features");
    if (!names.is_array() || names.size() < 2) fail(join(path, "features"), "expected an array of at least two names");
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string field = join(path, "features") + "[" + std::to_string(i) + "]";
      if (!names[i].is_string()) fail(field, "expected a string");
      const std::string name = names[i].get<std::string>();
      const auto it = std::find_if(features.begin(), features.end(),
                                   [&](const FeatureProfile& f) { return f.name == name; });
      if (it == features.end()) fail(field, "no feature \"" + name + "\" in the profile");
      if (it->type() != FeatureType::kNumerical) fail(field, "feature \"" + name + "\" is not numerical");
      const auto index = static_cast<std::size_t>(it - features.begin());
      if (!m.columns.empty() && index <= m.columns.back()) fail(field, "features not in profile order (or repeated)");
      m.features.push_back(name);
      m.columns.push_back(index);
    }
    const std::size_t d = m.features.size();
    const auto sized = [&](const char* key, std::size_t n) {
      std::vector<double> v = numbers(json, path, key);
      if (v.size() != n) fail(join(path, key), std::to_string(v.size()) + " values, expected " + std::to_string(n));
      return v;
    };
    m.mean = sized("mean", d);
    m.scale = sized("scale", d);
    for (const double x : m.scale) {
      if (!(x > 0.0)) fail(join(path, "scale"), "must be > 0");
    }
    m.variance_share = number(json, path, "variance_share");
    if (!(m.variance_share > 0.0 && m.variance_share <= 1.0)) fail(join(path, "variance_share"), "must be in (0, 1]");
    const Json& components = member(json, path, "components");
    const std::string components_field = join(path, "components");
    if (!components.is_array() || components.empty() || components.size() > d) {
      fail(components_field, "expected 1 to " + std::to_string(d) + " arrays of " + std::to_string(d) + " numbers");
    }
    for (std::size_t j = 0; j < components.size(); ++j) {
      const std::string field = components_field + "[" + std::to_string(j) + "]";
      const Json& axis = components[j];
      if (!axis.is_array() || axis.size() != d) fail(field, "expected an array of " + std::to_string(d) + " numbers");
      for (const Json& x : axis) {
        if (!x.is_number() || !std::isfinite(x.get<double>())) fail(field, "expected finite numbers");
        m.components.push_back(x.get<double>());
      }
    }
    m.explained_variance_ratio = sized("explained_variance_ratio", components.size());
    m.chunk_size = count(json, path, "chunk_size");
    if (m.chunk_size == 0) fail(join(path, "chunk_size"), "must be at least 1");
    m.chunk_errors = numbers(json, path, "chunk_errors");
    if (m.chunk_errors.empty()) fail(join(path, "chunk_errors"), "no chunks");
    for (const double e : m.chunk_errors) {
      if (e < 0.0) fail(join(path, "chunk_errors"), "a negative error");
    }
    m.error_mean = number(json, path, "error_mean");
    m.error_std = number(json, path, "error_std");
    if (m.error_std < 0.0) fail(join(path, "error_std"), "must be >= 0");
    // The axes must be orthonormal: the error formula relies on it.
    for (std::size_t a = 0; a < components.size(); ++a) {
      for (std::size_t b = 0; b <= a; ++b) {
        double dot = 0.0;
        for (std::size_t i = 0; i < d; ++i) dot += m.components[a * d + i] * m.components[b * d + i];
        if (std::fabs(dot - (a == b ? 1.0 : 0.0)) > 1e-9) fail(components_field, "axes are not orthonormal");
      }
    }
    detail::derive_residual_axes(m);
    return m;
  }

  NumericalProfile numerical(const Json& json, const std::string& path, const ProfileOptions& options) const {
    NumericalProfile p;
    p.count = count(json, path, "count");
    if (p.count == 0) fail(join(path, "count"), "must be at least 1");
    p.missing = count(json, path, "missing");
    p.mean = number(json, path, "mean");
    p.std = number(json, path, "std");
    if (p.std < 0.0) fail(join(path, "std"), "must be >= 0");
    p.min = number(json, path, "min");
    p.max = number(json, path, "max");
    if (p.min > p.max) fail(join(path, "min"), "greater than max");
    try {
      p.edges = BinEdges(numbers(json, path, "bin_edges"));
    } catch (const std::invalid_argument&) {
      fail(join(path, "bin_edges"), "edges must be strictly ascending");
    }
    p.proportions = numbers(json, path, "reference_proportions");
    const std::string proportions_field = join(path, "reference_proportions");
    if (p.proportions.size() != p.edges.bin_count()) {
      fail(proportions_field, std::to_string(p.proportions.size()) + " values for the " +
                                  std::to_string(p.edges.bin_count()) + " bins that bin_edges (" +
                                  std::to_string(p.edges.interior().size()) + " interior edges) define");
    }
    detail::CompensatedSum total;
    for (const double x : p.proportions) {
      if (x < 0.0 || x > 1.0) fail(proportions_field, "a proportion outside [0, 1]");
      total.add(x);
    }
    if (std::fabs(total.value() - 1.0) > 1e-9) fail(proportions_field, "proportions do not sum to 1");
    p.sample = numbers(json, path, "sample");
    const std::string sample_field = join(path, "sample");
    const std::uint64_t expected_sample = std::min<std::uint64_t>(p.count, options.sample_cap);
    if (p.sample.size() != expected_sample) {
      fail(sample_field,
           std::to_string(p.sample.size()) +
               " values, expected min(count, options.sample_cap) = " + std::to_string(expected_sample));
    }
    if (!std::is_sorted(p.sample.begin(), p.sample.end())) fail(sample_field, "not sorted ascending");
    if (p.sample.front() < p.min || p.sample.back() > p.max) fail(sample_field, "values outside [min, max]");
    return p;
  }

  CategoricalProfile categorical(const Json& json, const std::string& path) const {
    CategoricalProfile p;
    p.missing = count(json, path, "missing");
    const Json& categories = object(json, path, "categories");
    const std::string field = join(path, "categories");
    for (const auto& [label, value] : categories.items()) {
      if (label.empty()) fail(field, "an empty category name");
      if (!value.is_number_unsigned()) fail(field + "." + label, "expected a non-negative integer");
      const auto n = value.get<std::uint64_t>();
      if (n == 0) fail(field + "." + label, "must be at least 1");
      p.counts.emplace(label, n);
    }
    if (p.counts.empty()) fail(field, "no categories");
    return p;
  }

  void read(const Json& root, ProfileOptions& options, std::vector<FeatureProfile>& features,
            std::optional<MultivariateProfile>& multivariate) const {
    if (!root.is_object()) fail("(document)", "expected a JSON object");
    const std::string version = string(root, "", "format_version");
    if (version != kProfileFormatVersion) {
      fail("format_version", std::string("unsupported \"") + version + "\" (this build reads \"" +
                                 std::string(kProfileFormatVersion) + "\")");
    }
    options = this->options(root);
    const Json& list = member(root, "", "features");
    if (!list.is_array()) fail("features", "expected an array");
    if (list.empty()) fail("features", "no features");
    std::unordered_set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string path = "features[";
      path += std::to_string(i);
      path += ']';
      const Json& json = list[i];
      if (!json.is_object()) fail(path, "expected an object");
      FeatureProfile feature;
      feature.name = string(json, path, "name");
      if (feature.name.empty()) fail(join(path, "name"), "empty feature name");
      if (!names.insert(feature.name).second)
        fail(join(path, "name"), std::string("duplicate feature \"") + feature.name + "\"");
      const std::string type = string(json, path, "type");
      const auto parsed = parse_feature_type(type);
      if (!parsed)
        fail(join(path, "type"),
             std::string("expected \"numerical\" or \"categorical\", got \"") + type + "\"");
      if (*parsed == FeatureType::kNumerical) {
        feature.stats = numerical(json, path, options);
      } else {
        feature.stats = categorical(json, path);
      }
      features.push_back(std::move(feature));
    }
    if (root.contains("multivariate")) multivariate = this->multivariate(root, features);
  }

  const std::string& source() const noexcept { return source_; }

 private:
  std::string source_;
};

}  // namespace

std::string_view to_string(Binning binning) noexcept {
  return binning == Binning::kUniform ? "uniform" : "quantile";
}

std::optional<Binning> parse_binning(std::string_view text) noexcept {
  if (text == "quantile") return Binning::kQuantile;
  if (text == "uniform") return Binning::kUniform;
  return std::nullopt;
}

double NumericalProfile::missing_rate() const noexcept {
  const std::uint64_t total = count + missing;
  return total == 0 ? 0.0 : static_cast<double>(missing) / static_cast<double>(total);
}

std::uint64_t CategoricalProfile::count() const noexcept {
  std::uint64_t total = 0;
  for (const auto& entry : counts) total += entry.second;
  return total;
}

double CategoricalProfile::missing_rate() const noexcept {
  const std::uint64_t total = count() + missing;
  return total == 0 ? 0.0 : static_cast<double>(missing) / static_cast<double>(total);
}

ReferenceProfile ReferenceProfile::build(const Dataset& data, const ProfileOptions& options) {
  if (options.bins == 0 || options.bins > kMaxBins) {
    throw std::invalid_argument(std::string("bins: must be between 1 and ") + std::to_string(kMaxBins));
  }
  if (options.sample_cap == 0) throw std::invalid_argument("sample_cap: must be at least 1");
  if (!(options.pca_variance > 0.0 && options.pca_variance <= 1.0)) {
    throw std::invalid_argument("pca_variance: must be in (0, 1]");
  }
  ReferenceProfile profile;
  profile.options_ = options;
  profile.schema_ = data.schema();
  const auto specs = data.schema().features();
  profile.features_.resize(specs.size());
  // Features are independent; sorting a million values each dominates.
  detail::parallel_for(specs.size(), 0, [&](std::size_t i) {
    const FeatureSpec& spec = specs[i];
    FeatureProfile& feature = profile.features_[i];
    feature.name = spec.name;
    if (spec.type == FeatureType::kNumerical) {
      feature.stats = summarize_numerical(spec.name, data.numerical(spec.name)->values, options);
    } else {
      feature.stats = summarize_categorical(spec.name, *data.categorical(spec.name));
    }
  });
  if (options.multivariate) {
    if (const auto rows = detail::numerical_rows(data)) profile.multivariate_ = detail::fit_multivariate(*rows, options);
  }
  return profile;
}

const FeatureProfile* ReferenceProfile::find(std::string_view name) const noexcept {
  const auto index = schema_.index_of(name);
  return index ? &features_[*index] : nullptr;
}

std::string ReferenceProfile::to_json() const {
  Json features = Json::array();
  for (const FeatureProfile& feature : features_) {
    Json json;
    json["name"] = feature.name;
    json["type"] = std::string(to_string(feature.type()));
    if (const NumericalProfile* p = feature.numerical()) {
      json["count"] = p->count;
      json["missing"] = p->missing;
      json["mean"] = p->mean;
      json["std"] = p->std;
      json["min"] = p->min;
      json["max"] = p->max;
      json["bin_edges"] = std::vector<double>(p->edges.interior().begin(), p->edges.interior().end());
      json["reference_proportions"] = p->proportions;
      json["sample"] = p->sample;
    } else {
      const CategoricalProfile& c = *feature.categorical();
      json["missing"] = c.missing;
      Json categories = Json::object();
      for (const auto& [label, count] : c.counts) categories[label] = count;
      json["categories"] = std::move(categories);
    }
    features.push_back(std::move(json));
  }
  Json root;
  root["format_version"] = std::string(kProfileFormatVersion);
  root["options"] = {{"bins", options_.bins},
                     {"binning", std::string(to_string(options_.binning))},
                     {"sample_cap", options_.sample_cap},
                     {"sample_seed", options_.sample_seed},
                     {"multivariate", options_.multivariate},
                     {"pca_variance", options_.pca_variance},
                     {"multivariate_chunk_size", options_.multivariate_chunk_size}};
  root["features"] = std::move(features);
  if (multivariate_) {
    const MultivariateProfile& m = *multivariate_;
    const std::size_t d = m.features.size();
    Json components = Json::array();
    for (std::size_t j = 0; j < m.component_count(); ++j) {
      components.push_back(std::vector<double>(m.components.begin() + static_cast<std::ptrdiff_t>(j * d),
                                               m.components.begin() + static_cast<std::ptrdiff_t>((j + 1) * d)));
    }
    const MultivariateThresholds band = m.thresholds(m.chunk_size);
    Json json;
    json["features"] = m.features;
    json["mean"] = m.mean;
    json["scale"] = m.scale;
    json["variance_share"] = m.variance_share;
    json["components"] = std::move(components);
    json["explained_variance_ratio"] = m.explained_variance_ratio;
    json["chunk_size"] = m.chunk_size;
    json["chunk_errors"] = m.chunk_errors;
    json["error_mean"] = m.error_mean;
    json["error_std"] = m.error_std;
    // For readers: the band at chunk_size (loading recomputes it).
    json["lower_threshold"] = band.lower;
    json["upper_threshold"] = band.upper;
    root["multivariate"] = std::move(json);
  }
  try {
    return root.dump() + "\n";
  } catch (const Json::type_error&) {
    // Replacing the bytes would silently change labels, so current data would
    // no longer match its own reference: refuse instead.
    throw std::runtime_error(
        "profile: a feature name or category label is not valid UTF-8, which JSON requires "
        "(re-encode the training data as UTF-8)");
  }
}

ReferenceProfile ReferenceProfile::from_json(std::string_view text, std::string_view source_name) {
  const ProfileReader reader{std::string(source_name)};
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    std::string message(source_name);
    message += ": byte ";
    message += std::to_string(e.byte);
    message += ": not valid JSON (truncated or corrupt profile): ";
    message += e.what();
    throw std::runtime_error(message);
  }
  // Everything is read into locals first: on any error nothing escapes.
  ProfileOptions options;
  std::vector<FeatureProfile> features;
  std::optional<MultivariateProfile> multivariate;
  reader.read(root, options, features, multivariate);
  std::vector<FeatureSpec> specs;
  specs.reserve(features.size());
  for (const FeatureProfile& f : features) specs.push_back(FeatureSpec{f.name, f.type()});
  ReferenceProfile profile;
  profile.options_ = options;
  profile.schema_ = FeatureSchema(std::move(specs));
  profile.features_ = std::move(features);
  profile.multivariate_ = std::move(multivariate);
  return profile;
}

ReferenceProfile ReferenceProfile::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(name + ": is a directory, not a profile");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(name + ": cannot open: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw std::runtime_error(name + ": read error");
  return from_json(std::move(buffer).str(), name);
}

void ReferenceProfile::save(const std::filesystem::path& path) const {
  const std::string text = to_json();
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path.string() + ": cannot write: " + std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw std::runtime_error(path.string() + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error(path.string() + ": cannot replace: " + ec.message());
  }
}

}  // namespace v1
}  // namespace mlmon

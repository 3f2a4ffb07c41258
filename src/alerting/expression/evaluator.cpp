// Instant-query evaluation of the PromQL subset, following Prometheus v2.42
// (promql/engine.go: vector selection with a 5-minute lookback, range
// selection over [t - range, t], binary operators with vector matching, set
// operators, aggregations; promql/functions.go for the functions).

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "ast.hpp"
#include "functions.hpp"
#include "series_history.hpp"

namespace mlmon {
inline namespace v1 {
namespace expression_detail {
namespace {

using Node = Expression::Node;
using Series = SeriesHistory::Impl::Series;

const std::string kNameLabel = "__name__";

// A sample of an intermediate vector. Labels are shared with the series (or
// built once per output group); drop_name hides __name__ without copying.
struct VSample {
  std::shared_ptr<const AlertLabels> labels;
  double value = 0.0;
  bool drop_name = false;
};
using Vector = std::vector<VSample>;

struct Value {
  bool is_scalar = false;
  double scalar = 0.0;
  Vector vector;
};

const std::shared_ptr<const AlertLabels>& empty_labels() {
  static const auto empty = std::make_shared<const AlertLabels>();
  return empty;
}

void append_field(std::string& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(s);
}

std::string_view label_value(const VSample& s, const std::string& name) {
  if (s.drop_name && name == kNameLabel) return {};
  const auto it = s.labels->find(name);
  return it == s.labels->end() ? std::string_view{} : std::string_view(it->second);
}

// The sample's labels as Prometheus sees them.
AlertLabels effective_labels(const VSample& s) {
  AlertLabels out = *s.labels;
  if (s.drop_name) out.erase(kNameLabel);
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Matching signature: the on(...) labels, or every label but __name__ and the
// ignoring(...) ones.
void signature(const VSample& s, const Node& n, std::string& out) {
  out.clear();
  if (n.matching == Matching::kOn) {
    for (const auto& l : n.matching_labels) append_field(out, label_value(s, l));
    return;
  }
  for (const auto& [k, v] : *s.labels) {
    if (k == kNameLabel) continue;
    if (n.matching == Matching::kIgnoring && contains(n.matching_labels, k)) continue;
    append_field(out, k);
    append_field(out, v);
  }
}

void full_key(const VSample& s, std::string& out) {
  out.clear();
  for (const auto& [k, v] : *s.labels) {
    if (s.drop_name && k == kNameLabel) continue;
    append_field(out, k);
    append_field(out, v);
  }
}

std::string format_labels(const AlertLabels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ", ";
    first = false;
    out += k;
    out += "=\"";
    out += v;
    out += '"';
  }
  return out + "}";
}

// vectorElemBinop: the value and whether a comparison keeps the sample.
double elem_binop(BinaryOp op, double l, double r, bool& keep) {
  keep = true;
  switch (op) {
    case BinaryOp::kAdd: return l + r;
    case BinaryOp::kSub: return l - r;
    case BinaryOp::kMul: return l * r;
    case BinaryOp::kDiv: return l / r;
    case BinaryOp::kMod: return std::fmod(l, r);
    case BinaryOp::kPow: return std::pow(l, r);
    case BinaryOp::kEql: keep = l == r; return l;
    case BinaryOp::kNeq: keep = l != r; return l;
    case BinaryOp::kGtr: keep = l > r; return l;
    case BinaryOp::kLss: keep = l < r; return l;
    case BinaryOp::kGte: keep = l >= r; return l;
    case BinaryOp::kLte: keep = l <= r; return l;
    default: return 0.0;  // Set operators never get here.
  }
}

class Evaluator {
 public:
  Evaluator(const SeriesHistory::Impl& history, std::int64_t at_ms) : history_(history), at_(at_ms) {}

  Value eval(const Node& n) {
    switch (n.kind) {
      case NodeKind::kNumber: return scalar(n.number);
      case NodeKind::kParen: return eval(*n.children[0]);
      case NodeKind::kVectorSelector: return select(n);
      case NodeKind::kUnary: return unary(n);
      case NodeKind::kBinary: return binary(n);
      case NodeKind::kAggregate: return aggregate(n);
      case NodeKind::kCall: return call(n);
      case NodeKind::kString:
      case NodeKind::kMatrixSelector: break;  // The parser's type checks keep these out.
    }
    fail(n, "internal error: cannot evaluate a " + std::string(to_string(n.type)) + " here");
  }

 private:
  [[noreturn]] static void fail(const Node& n, const std::string& message) {
    throw ExpressionEvaluationError(std::to_string(n.line) + ":" + std::to_string(n.column) + ": " + message);
  }

  static Value scalar(double v) {
    Value out;
    out.is_scalar = true;
    out.scalar = v;
    return out;
  }

  // Prometheus fails a query whose vector holds one label set twice (e.g.
  // rate() over two metric names that differ only by name).
  void check_unique(const Vector& v, const Node& n) {
    if (v.size() < 2) return;
    // Every vector holds pairwise distinct label maps; once names are hidden
    // they can only collide if their __name__ differ.
    const auto name_of = [](const VSample& s) -> const std::string* {
      const auto it = s.labels->find(kNameLabel);
      return it == s.labels->end() ? nullptr : &it->second;
    };
    const std::string* first = name_of(v[0]);
    bool same = true;
    for (const auto& s : v) {
      const std::string* name = name_of(s);
      if ((name == nullptr) != (first == nullptr) || (name && *name != *first)) {
        same = false;
        break;
      }
    }
    if (same) return;
    std::unordered_set<std::string> seen;
    seen.reserve(v.size());
    for (const auto& s : v) {
      full_key(s, key_);
      if (!seen.insert(key_).second) {
        fail(n, "vector cannot contain metrics with the same labelset " + format_labels(effective_labels(s)));
      }
    }
  }

  Value select(const Node& n) {
    const std::int64_t ref = at_ - n.offset_ms;
    Value out;
    history_.for_each_series(n.matchers, [&](const Series& s) {
      const auto it = std::upper_bound(s.points.begin(), s.points.end(), ref,
                                       [](std::int64_t t, const Point& p) { return t < p.t; });
      if (it == s.points.begin()) return;
      const Point& p = *std::prev(it);
      if (p.t < ref - kLookbackMs) return;
      out.vector.push_back(VSample{s.labels, p.v, false});
    });
    return out;
  }

  template <typename Fn>
  void for_each_range(const Node& matrix, Fn&& fn) {
    const Node& selector = *matrix.children[0];
    const std::int64_t end = at_ - selector.offset_ms;
    const std::int64_t start = end - matrix.range_ms;
    history_.for_each_series(selector.matchers, [&](const Series& s) {
      const auto first = std::lower_bound(s.points.begin(), s.points.end(), start,
                                          [](const Point& p, std::int64_t t) { return p.t < t; });
      const auto last = std::upper_bound(first, s.points.end(), end,
                                         [](std::int64_t t, const Point& p) { return t < p.t; });
      if (first == last) return;
      fn(s, first, last, start, end);
    });
  }

  Value unary(const Node& n) {
    Value v = eval(*n.children[0]);
    if (n.op != BinaryOp::kSub) return v;
    if (v.is_scalar) {
      v.scalar = -v.scalar;
      return v;
    }
    for (auto& s : v.vector) {
      s.value = -s.value;
      s.drop_name = true;
    }
    check_unique(v.vector, n);
    return v;
  }

  Value binary(const Node& n) {
    Value lhs = eval(*n.children[0]);
    Value rhs = eval(*n.children[1]);
    if (lhs.is_scalar && rhs.is_scalar) {
      bool keep = true;
      double v = elem_binop(n.op, lhs.scalar, rhs.scalar, keep);
      if (is_comparison(n.op)) v = keep ? 1.0 : 0.0;  // The parser requires bool here.
      return scalar(v);
    }
    Value out;
    if (lhs.is_scalar || rhs.is_scalar) {
      vector_scalar(n, rhs.is_scalar ? lhs.vector : rhs.vector, rhs.is_scalar ? rhs.scalar : lhs.scalar,
                    lhs.is_scalar, out.vector);
    } else if (n.op == BinaryOp::kAnd) {
      vector_and(n, lhs.vector, rhs.vector, out.vector);
    } else if (n.op == BinaryOp::kOr) {
      vector_or(n, lhs.vector, rhs.vector, out.vector);
    } else if (n.op == BinaryOp::kUnless) {
      vector_unless(n, lhs.vector, rhs.vector, out.vector);
    } else {
      vector_binop(n, lhs.vector, rhs.vector, out.vector);
    }
    // Set operators and filtering comparisons keep label sets that are
    // already distinct; dropping names or copying labels in may collide.
    if (is_arithmetic(n.op) || n.return_bool || !n.include_labels.empty()) check_unique(out.vector, n);
    return out;
  }

  // VectorscalarBinop. `swap`: the scalar is the left operand.
  void vector_scalar(const Node& n, Vector& vec, double s, bool swap, Vector& out) {
    for (auto& sample : vec) {
      double l = sample.value;
      double r = s;
      if (swap) std::swap(l, r);
      bool keep = true;
      double value = elem_binop(n.op, l, r, keep);
      // A comparison keeps the vector element's value, even on the right.
      if (is_comparison(n.op) && swap) value = r;
      if (n.return_bool) {
        value = keep ? 1.0 : 0.0;
        keep = true;
      }
      if (!keep) continue;
      sample.value = value;
      if (is_arithmetic(n.op) || n.return_bool) sample.drop_name = true;
      out.push_back(std::move(sample));
    }
  }

  void vector_and(const Node& n, const Vector& lhs, const Vector& rhs, Vector& out) {
    if (lhs.empty() || rhs.empty()) return;
    std::unordered_set<std::string> right;
    for (const auto& s : rhs) {
      signature(s, n, key_);
      right.insert(key_);
    }
    for (const auto& s : lhs) {
      signature(s, n, key_);
      if (right.count(key_)) out.push_back(s);
    }
  }

  void vector_or(const Node& n, const Vector& lhs, const Vector& rhs, Vector& out) {
    if (lhs.empty()) {
      out = rhs;
      return;
    }
    if (rhs.empty()) {
      out = lhs;
      return;
    }
    std::unordered_set<std::string> left;
    for (const auto& s : lhs) {
      signature(s, n, key_);
      left.insert(key_);
      out.push_back(s);
    }
    for (const auto& s : rhs) {
      signature(s, n, key_);
      if (!left.count(key_)) out.push_back(s);
    }
  }

  void vector_unless(const Node& n, const Vector& lhs, const Vector& rhs, Vector& out) {
    if (lhs.empty() || rhs.empty()) {
      out = lhs;
      return;
    }
    std::unordered_set<std::string> right;
    for (const auto& s : rhs) {
      signature(s, n, key_);
      right.insert(key_);
    }
    for (const auto& s : lhs) {
      signature(s, n, key_);
      if (!right.count(key_)) out.push_back(s);
    }
  }

  // resultMetric: the labels of an arithmetic/comparison result.
  VSample result_metric(const Node& n, const VSample& ls, const VSample& rs) {
    VSample out;
    const bool drop = ls.drop_name || is_arithmetic(n.op) || n.return_bool;
    const bool reshape = (n.cardinality == Cardinality::kOneToOne && n.matching != Matching::kDefault) ||
                         !n.include_labels.empty();
    if (!reshape) {
      out.labels = ls.labels;
      out.drop_name = drop;
      return out;
    }
    AlertLabels labels = *ls.labels;
    if (drop) labels.erase(kNameLabel);
    if (n.cardinality == Cardinality::kOneToOne) {
      if (n.matching == Matching::kOn) {
        for (auto it = labels.begin(); it != labels.end();) {
          it = contains(n.matching_labels, it->first) ? std::next(it) : labels.erase(it);
        }
      } else {
        for (const auto& l : n.matching_labels) labels.erase(l);
      }
    }
    for (const auto& l : n.include_labels) {
      const std::string_view v = label_value(rs, l);
      if (v.empty()) {
        labels.erase(l);
      } else {
        labels[l] = std::string(v);
      }
    }
    if (n.return_bool) labels.erase(kNameLabel);
    out.labels = std::make_shared<const AlertLabels>(std::move(labels));
    return out;
  }

  // VectorBinop: one-to-one, many-to-one (group_left), one-to-many (group_right).
  void vector_binop(const Node& n, const Vector& lhs_in, const Vector& rhs_in, Vector& out) {
    if (lhs_in.empty() || rhs_in.empty()) return;
    const bool one_to_many = n.cardinality == Cardinality::kOneToMany;
    const Vector& lhs = one_to_many ? rhs_in : lhs_in;
    const Vector& rhs = one_to_many ? lhs_in : rhs_in;
    std::unordered_map<std::string, const VSample*> right;
    right.reserve(rhs.size());
    for (const auto& rs : rhs) {
      signature(rs, n, key_);
      const auto [it, inserted] = right.emplace(key_, &rs);
      if (!inserted) {
        fail(n, "found duplicate series for the match group on the " + std::string(one_to_many ? "left" : "right") +
                    " hand-side of the operation: [" + format_labels(effective_labels(rs)) + ", " +
                    format_labels(effective_labels(*it->second)) +
                    "]; many-to-many matching not allowed: matching labels must be unique on one side");
      }
    }
    // Signature -> result label sets already produced (one-to-one: presence only).
    std::unordered_map<std::string, std::unordered_set<std::string>> matched;
    for (const auto& ls : lhs) {
      signature(ls, n, key_);
      const auto found = right.find(key_);
      if (found == right.end()) continue;
      const VSample& rs = *found->second;
      double vl = ls.value;
      double vr = rs.value;
      if (one_to_many) std::swap(vl, vr);
      bool keep = true;
      double value = elem_binop(n.op, vl, vr, keep);
      if (n.return_bool) {
        value = keep ? 1.0 : 0.0;
      } else if (!keep) {
        continue;
      }
      VSample result = result_metric(n, ls, rs);
      auto [entry, fresh] = matched.try_emplace(key_);
      if (n.cardinality == Cardinality::kOneToOne) {
        if (!fresh) {
          fail(n, "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
      } else {
        full_key(result, key2_);
        if (!entry->second.insert(key2_).second) {
          fail(n, "multiple matches for labels: grouping labels must ensure unique matches");
        }
      }
      result.value = value;
      out.push_back(std::move(result));
    }
  }

  Value aggregate(const Node& n) {
    Value arg = eval(*n.children[0]);
    struct Group {
      std::shared_ptr<const AlertLabels> labels;
      double value = 0.0;
      double mean = 0.0;
      double count = 0.0;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    for (const auto& s : arg.vector) {
      key_.clear();
      if (n.without) {
        for (const auto& [k, v] : *s.labels) {
          if (k == kNameLabel || contains(n.grouping, k)) continue;
          append_field(key_, k);
          append_field(key_, v);
        }
      } else {
        for (const auto& l : n.grouping) append_field(key_, label_value(s, l));
      }
      const auto [it, fresh] = index.try_emplace(key_, groups.size());
      if (fresh) {
        AlertLabels labels;
        if (n.without) {
          labels = *s.labels;
          labels.erase(kNameLabel);
          for (const auto& l : n.grouping) labels.erase(l);
        } else {
          for (const auto& l : n.grouping) {
            const std::string_view v = label_value(s, l);
            if (!v.empty()) labels[l] = std::string(v);
          }
        }
        Group g;
        g.labels = labels.empty() ? empty_labels() : std::make_shared<const AlertLabels>(std::move(labels));
        g.value = s.value;
        g.mean = s.value;
        g.count = 1;
        groups.push_back(std::move(g));
        continue;
      }
      Group& g = groups[it->second];
      switch (n.aggregate) {
        case AggregateOp::kSum: g.value += s.value; break;
        case AggregateOp::kAvg:
          g.count += 1;
          if (std::isinf(g.mean)) {
            if (std::isinf(s.value) && (g.mean > 0) == (s.value > 0)) break;
            if (!std::isinf(s.value) && !std::isnan(s.value)) break;
          }
          // Each side divided by the count to avoid overflow, as Prometheus does.
          g.mean += s.value / g.count - g.mean / g.count;
          break;
        case AggregateOp::kMax:
          if (g.value < s.value || std::isnan(g.value)) g.value = s.value;
          break;
        case AggregateOp::kMin:
          if (g.value > s.value || std::isnan(g.value)) g.value = s.value;
          break;
        case AggregateOp::kCount: g.count += 1; break;
      }
    }
    Value out;
    out.vector.reserve(groups.size());
    for (auto& g : groups) {
      double v = g.value;
      if (n.aggregate == AggregateOp::kAvg) v = g.mean;
      if (n.aggregate == AggregateOp::kCount) v = g.count;
      out.vector.push_back(VSample{std::move(g.labels), v, false});
    }
    return out;
  }

  Value call(const Node& n) {
    Value out;
    switch (n.function) {
      case Function::kRate:
      case Function::kIncrease: {
        const bool is_rate = n.function == Function::kRate;
        for_each_range(*n.children[0], [&](const Series& s, auto first, auto last, std::int64_t start,
                                           std::int64_t end) {
          double v = 0.0;
          if (extrapolated_rate(first, last, start, end, is_rate, v)) out.vector.push_back(VSample{s.labels, v, true});
        });
        break;
      }
      case Function::kAvgOverTime:
      case Function::kMinOverTime:
      case Function::kMaxOverTime: {
        const Function f = n.function;
        for_each_range(*n.children[0], [&](const Series& s, auto first, auto last, std::int64_t, std::int64_t) {
          const double v = f == Function::kAvgOverTime   ? avg_over_time(first, last)
                           : f == Function::kMinOverTime ? min_over_time(first, last)
                                                         : max_over_time(first, last);
          out.vector.push_back(VSample{s.labels, v, true});
        });
        break;
      }
      case Function::kHistogramQuantile: return histogram_quantile(n);
      case Function::kAbsent: return absent(n);
      case Function::kVector: {
        const Value v = eval(*n.children[0]);
        out.vector.push_back(VSample{empty_labels(), v.scalar, false});
        return out;
      }
      case Function::kScalar: {
        const Value v = eval(*n.children[0]);
        return scalar(v.vector.size() == 1 ? v.vector[0].value : std::numeric_limits<double>::quiet_NaN());
      }
      case Function::kTime: return scalar(static_cast<double>(at_) / 1000.0);
      case Function::kAbs:
      case Function::kCeil:
      case Function::kExp:
      case Function::kFloor:
      case Function::kLn:
      case Function::kLog2:
      case Function::kLog10:
      case Function::kSqrt: {
        double (*f)(double) = nullptr;
        switch (n.function) {
          case Function::kAbs: f = [](double x) { return std::fabs(x); }; break;
          case Function::kCeil: f = [](double x) { return std::ceil(x); }; break;
          case Function::kExp: f = [](double x) { return std::exp(x); }; break;
          case Function::kFloor: f = [](double x) { return std::floor(x); }; break;
          case Function::kLn: f = [](double x) { return std::log(x); }; break;
          case Function::kLog2: f = [](double x) { return std::log2(x); }; break;
          case Function::kLog10: f = [](double x) { return std::log10(x); }; break;
          default: f = [](double x) { return std::sqrt(x); }; break;
        }
        Value arg = eval(*n.children[0]);
        for (VSample& s : arg.vector) {
          s.value = f(s.value);
          s.drop_name = true;  // as Prometheus: the result is no longer the metric
        }
        out.vector = std::move(arg.vector);
        break;
      }
    }
    check_unique(out.vector, n);
    return out;
  }

  Value histogram_quantile(const Node& n) {
    const double q = eval(*n.children[0]).scalar;
    const Value arg = eval(*n.children[1]);
    struct Group {
      const VSample* first = nullptr;
      std::vector<Bucket> buckets;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    static const std::string kLe = "le";
    for (const auto& s : arg.vector) {
      const std::string_view le = label_value(s, kLe);
      double bound = 0.0;
      if (!parse_bound(le, bound)) continue;  // No or malformed le: skipped, as Prometheus does.
      // Grouped by every label but le (the metric name included, if still there).
      key_.clear();
      for (const auto& [k, v] : *s.labels) {
        if (k == kLe || (s.drop_name && k == kNameLabel)) continue;
        append_field(key_, k);
        append_field(key_, v);
      }
      const auto [it, fresh] = index.try_emplace(key_, groups.size());
      if (fresh) groups.push_back(Group{&s, {}});
      groups[it->second].buckets.push_back(Bucket{bound, s.value});
    }
    Value out;
    for (auto& g : groups) {
      AlertLabels labels = *g.first->labels;
      labels.erase(kNameLabel);
      labels.erase(kLe);
      out.vector.push_back(VSample{std::make_shared<const AlertLabels>(std::move(labels)),
                                   bucket_quantile(q, g.buckets), false});
    }
    // Label sets that differ only by metric name collide here.
    std::unordered_set<std::string> seen;
    for (const auto& s : out.vector) {
      full_key(s, key_);
      if (!seen.insert(key_).second) {
        fail(n, "vector cannot contain metrics with the same labelset " + format_labels(*s.labels));
      }
    }
    return out;
  }

  // strconv.ParseFloat as applied to le: decimal, "+Inf"/"Inf"/"inf", "NaN".
  static bool parse_bound(std::string_view text, double& out) {
    if (text.empty()) return false;
    std::string_view body = text;
    bool negative = false;
    if (body[0] == '+' || body[0] == '-') {
      negative = body[0] == '-';
      body.remove_prefix(1);
    }
    std::string lowered(body);
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lowered == "inf" || lowered == "infinity") {
      out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      return true;
    }
    if (lowered == "nan") {
      out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (body.empty() || body[0] == '+' || body[0] == '-') return false;
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
    if (ptr != body.data() + body.size()) return false;
    if (ec == std::errc::result_out_of_range) return false;
    if (ec != std::errc()) return false;
    out = negative ? -v : v;
    return true;
  }

  Value absent(const Node& n) {
    const Value arg = eval(*n.children[0]);
    Value out;
    if (!arg.vector.empty()) return out;
    AlertLabels labels;
    const Node& a = *n.children[0];
    if (a.kind == NodeKind::kVectorSelector) {
      // Equality matchers become labels; a label matched twice (or by a
      // non-equality matcher) is left out, as Prometheus does.
      std::unordered_set<std::string> seen;
      for (const auto& m : a.matchers) {
        if (m.name == kNameLabel) continue;
        if (m.type == MatchType::kEqual && !seen.count(m.name)) {
          if (m.value.empty()) {
            labels.erase(m.name);
          } else {
            labels[m.name] = m.value;
          }
          seen.insert(m.name);
        } else {
          labels.erase(m.name);
        }
      }
    }
    out.vector.push_back(VSample{std::make_shared<const AlertLabels>(std::move(labels)), 1.0, false});
    return out;
  }

  const SeriesHistory::Impl& history_;
  std::int64_t at_;
  std::string key_;
  std::string key2_;
};

}  // namespace
}  // namespace expression_detail

QueryResult Expression::evaluate(const SeriesHistory& history, std::chrono::system_clock::time_point at) const {
  const std::int64_t at_ms = std::chrono::floor<std::chrono::milliseconds>(at.time_since_epoch()).count();
  expression_detail::Evaluator evaluator(history.impl(), at_ms);
  expression_detail::Value value;
  try {
    value = evaluator.eval(*root_);
  } catch (const std::regex_error& e) {
    throw ExpressionEvaluationError("regular expression matching failed: " + std::string(e.what()));
  }
  QueryResult result;
  result.is_scalar = value.is_scalar;
  result.scalar = value.scalar;
  result.vector.reserve(value.vector.size());
  for (const auto& s : value.vector) {
    result.vector.push_back(Sample{expression_detail::effective_labels(s), s.value});
  }
  return result;
}

}  // namespace v1
}  // namespace mlmon

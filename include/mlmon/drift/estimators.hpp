#pragma once
// Drift estimators in one include: binning, PSI / KL / Jensen-Shannon /
// Hellinger over bins, Wasserstein-1 and Kolmogorov-Smirnov over samples,
// chi-square over categories. The streaming drift monitor and the offline
// CLI both call these functions, so online and offline numbers agree; each
// declaration names the scipy/numpy function it matches.

#include "mlmon/drift/binning.hpp"
#include "mlmon/drift/chi_square.hpp"
#include "mlmon/drift/divergence.hpp"
#include "mlmon/drift/kolmogorov.hpp"
#include "mlmon/drift/ks.hpp"
#include "mlmon/drift/wasserstein.hpp"

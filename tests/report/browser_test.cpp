// The report page and the live /dashboard in a real browser (Debian's
// headless Chromium): every feature panel's chart is laid out (the page's
// script marks each panel whose <svg> has a non-empty box and drawn shapes
// with data-rendered="true"; we read that back from the dumped DOM), and a
// screenshot PNG is written. Skipped only when chromium is not installed.
//
// MLMON_REPORT_SCREENSHOT_DIR, when set, keeps the screenshots there (how
// docs/images/dashboard.png was made).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "live_fixture.hpp"
#include "process.hpp"
#include "report_test_support.hpp"

namespace mlmon {
namespace {

const std::string kCli = MLMON_CLI;
const std::filesystem::path kFixtures = MLMON_REPORT_FIXTURES;

// The dumped DOM: from <html to </html> in Chromium's output.
std::string dom_of(const std::string& output) {
  const std::size_t begin = output.find("<html");
  const std::size_t end = output.rfind("</html>");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "";
  return output.substr(begin, end + 7 - begin);
}

// Attributes of each <section class="feature..."> start tag, in DOM order.
std::vector<std::string> panel_tags(const std::string& dom) {
  static const std::regex tag(R"(<section class="feature[^"]*"[^>]*>)");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), tag); it != std::sregex_iterator(); ++it) {
    out.push_back(it->str());
  }
  return out;
}

std::filesystem::path screenshot_path(const test::TempDir& dir, const std::string& name) {
  if (const char* keep = std::getenv("MLMON_REPORT_SCREENSHOT_DIR"); keep != nullptr && *keep != '\0') {
    return std::filesystem::path(keep) / name;
  }
  return dir.path() / name;
}

// What both pages must show once rendered.
void expect_rendered(const test::BrowserResult& browser, const std::filesystem::path& screenshot,
                     std::size_t features, const std::string& drifted) {
  ASSERT_TRUE(browser.finished) << "chromium did not finish in time\n" << browser.output;
  const std::string dom = dom_of(browser.output);
  ASSERT_FALSE(dom.empty()) << browser.output;
  const auto panels = panel_tags(dom);
  ASSERT_EQ(panels.size(), features) << dom.substr(0, 2000);
  for (const std::string& panel : panels) {
    EXPECT_NE(panel.find("data-rendered=\"true\""), std::string::npos) << "chart not laid out: " << panel;
  }
  EXPECT_NE(dom.find("data-rendered-panels=\"" + std::to_string(features) + "\""), std::string::npos);
  EXPECT_NE(dom.find("data-feature=\"" + drifted + "\""), std::string::npos);
  EXPECT_NE(dom.find("<section class=\"feature drifted\" id=\""), std::string::npos) << "a drifted panel";
  ASSERT_TRUE(std::filesystem::exists(screenshot)) << browser.output;
  // A blank 1280x2400 PNG compresses to a few KB; a drawn page is far larger.
  EXPECT_GT(std::filesystem::file_size(screenshot), 40000u) << screenshot;
}

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::chromium_path().empty()) GTEST_SKIP() << "chromium not installed (scripts/setup.sh installs it)";
  }
  test::TempDir dir;
};

TEST_F(Browser, ReportFileRendersEveryFeaturePanel) {
  const auto html = dir.path() / "report.html";
  const auto r = test::run_command({kCli, "report", "--reference", (kFixtures / "reference.json").string(),
                                    "--current", (kFixtures / "current.csv").string(), "--out", html.string(),
                                    "--model", "fraud", "--model-version", "3", "--target", "y", "--prediction",
                                    "yhat"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto screenshot = screenshot_path(dir, "report.png");
  const auto browser = test::run_chromium("file://" + html.string(), screenshot);
  expect_rendered(browser, screenshot, 5, "income");
}

TEST_F(Browser, LiveDashboardRendersEveryFeaturePanel) {
  test::LiveDashboard live(0);  // no reload while the browser looks
  const auto screenshot = screenshot_path(dir, "dashboard.png");
  const auto browser = test::run_chromium(live.url("/dashboard"), screenshot);
  expect_rendered(browser, screenshot, 4, "income");
  const std::string dom = dom_of(browser.output);
  EXPECT_NE(dom.find("FeatureDrift"), std::string::npos) << "the active alert";
  EXPECT_NE(dom.find("id=\"performance\""), std::string::npos);
}

}  // namespace
}  // namespace mlmon

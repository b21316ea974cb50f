#include "render/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <pugixml.hpp>
#include <string>

namespace periscope::render {
namespace {

// Parses the chart as XML; fails the test when it is not well-formed.
pugi::xml_node ParseChart(pugi::xml_document& doc, const std::string& svg) {
  pugi::xml_parse_result result = doc.load_string(svg.c_str());
  EXPECT_TRUE(result) << result.description() << " at " << result.offset << "\n" << svg;
  return doc.child("svg");
}

void ExpectFiniteNumbers(const std::string& svg) {
  EXPECT_EQ(svg.find("nan"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("inf"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("NaN"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("e+"), std::string::npos) << svg;
}

ChartSpec BaseSpec() {
  ChartSpec spec;
  spec.id = "c1";
  spec.css_class = "chart-capacity";
  spec.title = "Used capacity";
  spec.description = "test chart";
  spec.y_format = ValueFormat::kBytes;
  return spec;
}

TEST(SvgChartTest, DegenerateInputsGiveWellFormedFiniteSvg) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    const char* name;
    std::vector<ChartPoint> points;
  };
  const Case cases[] = {
      {"empty", {}},
      {"one point", {{20500, 5e12}}},
      {"constant", {{20500, 7}, {20501, 7}, {20502, 7}}},
      {"zeros", {{20500, 0}, {20501, 0}}},
      {"huge", {{20500, 1e13}, {20530, 1.5e13}}},
      {"nan and inf", {{nan, 1}, {20500, nan}, {20501, inf}, {20502, -inf}, {20503, 4}}},
      {"absurd", {{20500, 1e300}, {1e300, 1}}},
      {"negative", {{20500, -5}, {20501, -2}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ChartSpec spec = BaseSpec();
    spec.series.push_back({"observed", "#1f5fbf", true, true, false, true, c.points});
    ChartBand band;
    band.label = "80% interval";
    for (const ChartPoint& p : c.points)
      band.points.push_back({p.day, p.value * 0.9, p.value * 1.1});
    spec.band = band;
    spec.reference_lines.push_back({nan, "bad", "#000000", true});
    spec.today_day = 20502;
    std::string svg = RenderTimeSeriesChart(spec).str();
    pugi::xml_document doc;
    pugi::xml_node root = ParseChart(doc, svg);
    EXPECT_STREQ(root.attribute("class").value(), "chart chart-capacity");
    EXPECT_TRUE(root.child("title"));
    EXPECT_TRUE(root.child("desc"));
    ExpectFiniteNumbers(svg);
  }
}

TEST(SvgChartTest, EmptyChartSaysNoData) {
  std::string svg = RenderTimeSeriesChart(BaseSpec()).str();
  EXPECT_NE(svg.find(">no data</text>"), std::string::npos);
}

TEST(SvgChartTest, EveryTextIsEscaped) {
  ChartSpec spec = BaseSpec();
  spec.id = "x\" onload=\"alert(1)";
  spec.css_class = "a\"><script>";
  spec.title = "</title><script>alert(1)</script>";
  spec.description = "]]><!--";
  spec.y_label = "<y>";
  spec.series.push_back(
      {"<b>s</b>", "red\" onclick=\"x", true, false, false, true, {{20500, 1}, {20510, 2}}});
  spec.reference_lines.push_back({1.5, "85% <threshold>", "#a40000", true});
  std::string svg = RenderTimeSeriesChart(spec).str();
  pugi::xml_document doc;
  pugi::xml_node root = ParseChart(doc, svg);
  EXPECT_STREQ(root.child("title").text().get(), "</title><script>alert(1)</script>");
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find(" onload="), std::string::npos);
  EXPECT_EQ(svg.find("onclick="), std::string::npos);
  EXPECT_NE(svg.find("&lt;b&gt;s&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(svg.find("85% &lt;threshold&gt;"), std::string::npos);
}

TEST(SvgChartTest, ReferenceLinesAndTodayMarkerAreDrawn) {
  ChartSpec spec = BaseSpec();
  spec.series.push_back(
      {"used", "#1f5fbf", true, false, false, true, {{20500, 1e12}, {20560, 2e12}}});
  spec.reference_lines.push_back({8.5e12, "85% threshold", "#c77700", true});
  spec.reference_lines.push_back({1e13, "capacity", "#a40000", false});
  spec.today_day = 20560;
  std::string svg = RenderTimeSeriesChart(spec).str();
  pugi::xml_document doc;
  pugi::xml_node root = ParseChart(doc, svg);
  int references = 0, today = 0;
  for (pugi::xml_node line : root.children("line")) {
    std::string cls = line.attribute("class").value();
    references += cls == "reference";
    today += cls == "today";
  }
  EXPECT_EQ(references, 2);
  EXPECT_EQ(today, 1);
  EXPECT_NE(svg.find(">10 TB</text>"), std::string::npos) << svg;
  ExpectFiniteNumbers(svg);
}

TEST(SvgChartTest, NiceTicksUseOneTwoFiveSteps) {
  EXPECT_EQ(NiceTicks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(NiceTicks(0, 1e13, 5), (std::vector<double>{0, 2e12, 4e12, 6e12, 8e12, 1e13}));
  EXPECT_TRUE(NiceTicks(5, 5, 5).empty());
  EXPECT_TRUE(NiceTicks(0, std::numeric_limits<double>::quiet_NaN(), 5).empty());
  EXPECT_EQ(FormatTick(1.5e12, 5e11, ValueFormat::kBytes), "1.5 TB");
  EXPECT_EQ(FormatTick(2e12, 1e12, ValueFormat::kBytes), "2 TB");
  EXPECT_EQ(FormatTick(0.25, 0.05, ValueFormat::kPlain), "0.25");
}

}  // namespace
}  // namespace periscope::render

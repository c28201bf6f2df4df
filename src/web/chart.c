#include "web/chart.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "util/nztime.h"
#include "web/html.h"

static double span_or_one(double s)
{
	return s > 0 ? s : 1.0;
}

int chart_range_bar(const struct chart_range *r, double value, double width, struct range_bar *out)
{
	*out = (struct range_bar){0};
	if (!isfinite(value) || !isfinite(width) || width <= 0)
		return -1;
	double lo, hi;
	if (r->has_low && r->has_high) {
		double span = span_or_one(r->high - r->low);
		lo = r->low - span * 0.5;
		hi = r->high + span * 0.5;
		if (lo < 0 && r->low >= 0)
			lo = 0; /* lab values are not negative: do not draw room that cannot be */
	} else if (r->has_high) {
		lo = r->high > 0 ? 0 : r->high - span_or_one(fabs(r->high));
		hi = r->high + span_or_one(r->high - lo) * 0.5;
	} else if (r->has_low) {
		lo = r->low > 0 ? 0 : r->low - span_or_one(fabs(r->low));
		hi = r->low + span_or_one(r->low - lo);
	} else {
		lo = value < 0 ? value * 2 : 0;
		hi = value > 0 ? value * 2 : 1;
	}
	/* The value is always on the bar, with a little room to its side. */
	if (value > hi)
		hi = value + (value - lo) * 0.05;
	if (value < lo) {
		lo = value - (hi - value) * 0.05;
		if (lo < 0 && value >= 0)
			lo = 0;
	}
	if (!(hi > lo))
		hi = lo + 1;
	double scale = width / (hi - lo);
	out->lo = lo;
	out->hi = hi;
	if (r->has_low || r->has_high) {
		double a = r->has_low ? r->low : lo, z = r->has_high ? r->high : hi;
		out->has_band = true;
		out->band_x = (a - lo) * scale;
		out->band_w = (z - a) * scale;
	}
	double x = (value - lo) * scale;
	out->marker_x = x < 0 ? 0 : x > width ? width : x;
	return 0;
}

int chart_trend_scale(const struct trend_point *p, size_t n, const struct chart_range *r,
		      struct trend_scale *out)
{
	if (n == 0)
		return -1;
	int64_t t0 = p[0].t, t1 = p[0].t;
	double v0 = p[0].v, v1 = p[0].v;
	for (size_t i = 1; i < n; i++) {
		t0 = p[i].t < t0 ? p[i].t : t0;
		t1 = p[i].t > t1 ? p[i].t : t1;
		v0 = p[i].v < v0 ? p[i].v : v0;
		v1 = p[i].v > v1 ? p[i].v : v1;
	}
	if (r && r->has_low) {
		v0 = r->low < v0 ? r->low : v0;
		v1 = r->low > v1 ? r->low : v1;
	}
	if (r && r->has_high) {
		v0 = r->high < v0 ? r->high : v0;
		v1 = r->high > v1 ? r->high : v1;
	}
	if (t1 == t0) {
		t0 -= 86400;
		t1 += 86400;
	}
	double margin = (v1 - v0) * 0.1;
	if (!(margin > 0))
		margin = v0 != 0 ? fabs(v0) * 0.1 : 1.0;
	out->t0 = t0;
	out->t1 = t1;
	out->v0 = v0 - margin;
	out->v1 = v1 + margin;
	if (out->v0 < 0 && v0 >= 0)
		out->v0 = 0;
	/* An upper limit only ("below 40"): the normal band starts at zero, so show zero. */
	if (r && r->has_high && !r->has_low && v0 >= 0)
		out->v0 = 0;
	return 0;
}

double chart_x(const struct trend_scale *s, int64_t t, double w)
{
	return (double)(t - s->t0) / (double)(s->t1 - s->t0) * w;
}

double chart_y(const struct trend_scale *s, double v, double h)
{
	return h - (v - s->v0) / (s->v1 - s->v0) * h;
}

#define BAR_W 300.0

void chart_range_bar_svg(struct buf *b, const struct chart_range *r, double value,
			 const char *label)
{
	struct range_bar g;
	if (chart_range_bar(r, value, BAR_W, &g) != 0)
		return;
	html_raw(b, "<svg class=\"rangebar\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-6 0 312 28\" "
		    "width=\"100%\" height=\"28\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"");
	html_text(b, label);
	html_raw(b, "\"><title>");
	html_text(b, label);
	html_raw(b, "</title><rect class=\"bar-track\" x=\"0\" y=\"9\" width=\"300\" height=\"10\" rx=\"5\"/>");
	if (g.has_band)
		buf_printf(b, "<rect class=\"bar-band\" x=\"%.1f\" y=\"9\" width=\"%.1f\" height=\"10\"/>",
			   g.band_x, g.band_w);
	buf_printf(b, "<rect class=\"bar-marker\" x=\"%.1f\" y=\"2\" width=\"4\" height=\"24\" rx=\"2\"/>",
		   g.marker_x - 2);
	html_raw(b, "</svg>");
}

#define PLOT_L 48.0
#define PLOT_T 10.0
#define PLOT_W 260.0
#define PLOT_H 130.0

static void axis_date(int64_t t, char out[16])
{
	struct tm tm;
	nz_local(t, &tm);
	strftime(out, 16, "%b %Y", &tm);
}

void chart_trend_svg(struct buf *b, const struct trend_point *p, size_t n,
		     const struct chart_range *r, const char *label)
{
	struct trend_scale s;
	if (chart_trend_scale(p, n, r, &s) != 0)
		return;
	html_raw(b, "<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 320 170\" "
		    "role=\"img\" aria-label=\"");
	html_text(b, label);
	html_raw(b, "\"><title>");
	html_text(b, label);
	html_raw(b, "</title>");
	buf_printf(b, "<rect class=\"plot\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"/>",
		   PLOT_L, PLOT_T, PLOT_W, PLOT_H);
	if (r && (r->has_low || r->has_high)) {
		double top = PLOT_T + chart_y(&s, r->has_high ? r->high : s.v1, PLOT_H);
		double bottom = PLOT_T + chart_y(&s, r->has_low ? r->low : s.v0, PLOT_H);
		buf_printf(b, "<rect class=\"bar-band\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\"/>",
			   PLOT_L, top, PLOT_W, bottom - top);
	}
	buf_printf(b, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3g</text>",
		   PLOT_L - 4, PLOT_T + 10, s.v1);
	buf_printf(b, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3g</text>",
		   PLOT_L - 4, PLOT_T + PLOT_H, s.v0);
	char d0[16], d1[16];
	axis_date(s.t0, d0);
	axis_date(s.t1, d1);
	buf_printf(b, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\">%s</text>", PLOT_L, PLOT_T + PLOT_H + 18, d0);
	buf_printf(b, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s</text>",
		   PLOT_L + PLOT_W, PLOT_T + PLOT_H + 18, d1);
	html_raw(b, "<polyline class=\"trend-line\" points=\"");
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%.1f,%.1f", i ? " " : "", PLOT_L + chart_x(&s, p[i].t, PLOT_W),
			   PLOT_T + chart_y(&s, p[i].v, PLOT_H));
	html_raw(b, "\"/>");
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "<circle class=\"trend-point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>",
			   PLOT_L + chart_x(&s, p[i].t, PLOT_W), PLOT_T + chart_y(&s, p[i].v, PLOT_H));
	html_raw(b, "</svg>");
}

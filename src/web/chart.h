/*
 * Server-rendered SVG charts for lab results: a value against its reference range (a bar), and
 * a repeated test over time (a line). No script, no inline style (classes from the one
 * stylesheet); each chart has a text alternative, and pages show the numbers as text too.
 * The geometry is pure and unit-tested (tests/unit/test_results.c).
 */
#ifndef MEDKEEP_CHART_H
#define MEDKEEP_CHART_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "util/buf.h"

/* One value and its reference range (either end may be missing). */
struct chart_range {
	bool has_low, has_high;
	double low, high;
};

/* Where things go on a bar `width` pixels wide. */
struct range_bar {
	double lo, hi;         /* the values at the bar's two ends */
	bool has_band;         /* a reference range to draw */
	double band_x, band_w; /* the range, in pixels */
	double marker_x;       /* the value, in pixels, kept within [0, width] */
};
/* Lay out value against r: the scale shows the range with room either side and the value
 * (a value far outside sits at the edge). 0, or -1 for a non-finite value or width. */
int chart_range_bar(const struct chart_range *r, double value, double width, struct range_bar *out);

struct trend_point {
	int64_t t;
	double v;
};
struct trend_scale {
	int64_t t0, t1;
	double v0, v1;
};
/* A scale that holds every point and the reference range, with a margin; n >= 1. */
int chart_trend_scale(const struct trend_point *p, size_t n, const struct chart_range *r,
		      struct trend_scale *out);
/* Pixel positions within a plot w x h (y grows downwards, so higher values sit higher). */
double chart_x(const struct trend_scale *s, int64_t t, double w);
double chart_y(const struct trend_scale *s, double v, double h);

/* SVG markup. label: the text alternative (escaped here). */
void chart_range_bar_svg(struct buf *b, const struct chart_range *r, double value,
			 const char *label);
void chart_trend_svg(struct buf *b, const struct trend_point *p, size_t n,
		     const struct chart_range *r, const char *label);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVSS v3.0 and v3.1 base scores from a vector string, by the formulas of
 * FIRST's specification documents (section 7.1 "Base Metrics Equations",
 * 7.4 "Metric Values", Appendix A "Floating Point Rounding" for 3.1's
 * Roundup). Vectors come from vulnerability feeds: hostile. Each base
 * metric must appear exactly once, temporal and environmental metrics
 * must have a defined value (they do not change the base score), and
 * anything else refuses the vector.
 */
#include <stdio.h>
#include <string.h>

#include <ward/scan.h>

#define CVSS_VECTOR_MAX 256 /* bytes; the longest valid 3.1 vector is ~150 */

struct metric {
	const char *key;
	const char *values; /* allowed values, one letter each */
	int base;	    /* index into the base metric array, -1: not a base metric */
};

enum { M_AV, M_AC, M_PR, M_UI, M_S, M_C, M_I, M_A, M_BASE_COUNT };

static const struct metric metrics[] = {
	{"AV", "NALP", M_AV}, {"AC", "LH", M_AC},  {"PR", "NLH", M_PR},	 {"UI", "NR", M_UI},
	{"S", "UC", M_S},     {"C", "NLH", M_C},   {"I", "NLH", M_I},	 {"A", "NLH", M_A},
	{"E", "XUPFH", -1},   {"RL", "XOTWU", -1}, {"RC", "XURC", -1},	 {"CR", "XLMH", -1},
	{"IR", "XLMH", -1},   {"AR", "XLMH", -1},  {"MAV", "XNALP", -1}, {"MAC", "XLH", -1},
	{"MPR", "XNLH", -1},  {"MUI", "XNR", -1},  {"MS", "XUC", -1},	 {"MC", "XNLH", -1},
	{"MI", "XNLH", -1},   {"MA", "XNLH", -1},
};

/* No libm: libward's users link without -lm. x is in [0, 10.8]. */
static double
pow15(double x)
{
	double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;

	return x8 * x4 * x2 * x;
}

/* 3.1 Appendix A: the smallest number with one decimal that is >= x,
 * computed on integers so 4.000000000000001 does not become 4.1. */
static double
roundup31(double x)
{
	long long i = (long long)(x * 100000.0 + 0.5);

	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

/* 3.0 section 7.4: "rounded up to one decimal place". */
static double
roundup30(double x)
{
	double t = x * 10.0;
	long long i = (long long)t;

	return (double)(i < t ? i + 1 : i) / 10.0;
}

int
ward_cvss3_base_score(const char *vector, double *ret, struct ward_error **err)
{
	char val[M_BASE_COUNT] = {0};
	unsigned long long seen = 0;
	const char *p;
	bool v31;
	size_t len;

	if (!vector)
		return ward_error_setk(err, WARD_E_INVALID, 0, "CVSS vector missing");
	len = strnlen(vector, CVSS_VECTOR_MAX + 1);
	if (len > CVSS_VECTOR_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "CVSS vector longer than %d bytes: refused",
				       CVSS_VECTOR_MAX);
	if (strncmp(vector, "CVSS:3.1/", 9) == 0)
		v31 = true;
	else if (strncmp(vector, "CVSS:3.0/", 9) == 0)
		v31 = false;
	else
		return ward_error_setk(
			err, WARD_E_INVALID, 0,
			"CVSS vector '%.64s': must start with CVSS:3.0/ or CVSS:3.1/", vector);
	p = vector + 9;
	for (;;) {
		const char *colon = strchr(p, ':'), *end = strchr(p, '/');
		size_t klen, i;

		if (!end)
			end = vector + len;
		if (!colon || colon > end || end != colon + 2)
			return ward_error_setk(
				err, WARD_E_INVALID, 0,
				"CVSS vector '%.64s': malformed metric at offset %zu", vector,
				(size_t)(p - vector));
		klen = (size_t)(colon - p);
		for (i = 0; i < WARD_ARRAY_SIZE(metrics); i++)
			if (strlen(metrics[i].key) == klen && memcmp(metrics[i].key, p, klen) == 0)
				break;
		if (i == WARD_ARRAY_SIZE(metrics))
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "CVSS vector '%.64s': unknown metric '%.*s'", vector,
					       (int)klen, p);
		/* A repeated metric is refused: which of two values would a
		 * consumer use? Scores of one vector must not differ by tool. */
		if (seen & (1ull << i))
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "CVSS vector '%.64s': metric %s given twice", vector,
					       metrics[i].key);
		seen |= 1ull << i;
		if (!colon[1] || !strchr(metrics[i].values, colon[1]))
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "CVSS vector '%.64s': %s:%c is not a defined value",
					       vector, metrics[i].key, colon[1] ? colon[1] : '?');
		if (metrics[i].base >= 0)
			val[metrics[i].base] = colon[1];
		if (*end == '\0')
			break;
		p = end + 1;
	}
	for (int b = 0; b < M_BASE_COUNT; b++)
		if (!val[b])
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "CVSS vector '%.64s': base metric %s missing",
					       vector, metrics[b].key);

	bool changed = val[M_S] == 'C';
	double av = val[M_AV] == 'N'   ? 0.85
		    : val[M_AV] == 'A' ? 0.62
		    : val[M_AV] == 'L' ? 0.55
				       : 0.2;
	double ac = val[M_AC] == 'L' ? 0.77 : 0.44;
	double pr = val[M_PR] == 'N'   ? 0.85
		    : val[M_PR] == 'L' ? (changed ? 0.68 : 0.62)
				       : (changed ? 0.5 : 0.27);
	double ui = val[M_UI] == 'N' ? 0.85 : 0.62;
	double cia[3];
	for (int k = 0; k < 3; k++) {
		char c = val[M_C + k];
		cia[k] = c == 'H' ? 0.56 : c == 'L' ? 0.22 : 0.0;
	}
	double iss = 1.0 - (1.0 - cia[0]) * (1.0 - cia[1]) * (1.0 - cia[2]);
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow15(iss - 0.02) : 6.42 * iss;
	double expl = 8.22 * av * ac * pr * ui;
	double score;

	if (impact <= 0)
		score = 0.0;
	else
		score = changed ? 1.08 * (impact + expl) : impact + expl;
	if (score > 10.0)
		score = 10.0;
	*ret = score > 0 ? (v31 ? roundup31(score) : roundup30(score)) : 0.0;
	return 0;
}

enum ward_severity
ward_cvss_severity(double score)
{
	/* The specification's qualitative rating scale (section 5). "None"
	 * (0.0) has no ward severity of its own: it is the lowest, LOW. */
	if (score < 0)
		return WARD_SEV_UNKNOWN;
	if (score >= 9.0)
		return WARD_SEV_CRITICAL;
	if (score >= 7.0)
		return WARD_SEV_HIGH;
	if (score >= 4.0)
		return WARD_SEV_MEDIUM;
	return WARD_SEV_LOW;
}

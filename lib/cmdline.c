/* Kernel command line parsing. See cmdline.h. */
#include "cmdline.h"

#include "kstring.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next(const char *cmdline, size_t len, size_t *pos, struct cmdline_word *w)
{
	size_t p = *pos, start, eq;

	while (p < len && is_space(cmdline[p]))
		p++;
	if (p >= len || cmdline[p] == '\0') {
		*pos = p;
		return false;
	}
	/* One pass over the word, noting the first '='. */
	start = p;
	eq = len;
	for (; p < len && cmdline[p] != '\0' && !is_space(cmdline[p]); p++)
		if (cmdline[p] == '=' && eq == len)
			eq = p;

	w->key = cmdline + start;
	w->has_value = eq != len;
	if (w->has_value) {
		w->keylen = eq - start;
		w->value = cmdline + eq + 1;
		w->vlen = p - eq - 1;
	} else {
		w->keylen = p - start;
		w->value = NULL;
		w->vlen = 0;
	}
	*pos = p;
	return true;
}

bool cmdline_find(const char *cmdline, size_t len, const char *key, struct cmdline_word *w)
{
	size_t klen = strlen(key), pos = 0;
	struct cmdline_word cur;
	bool found = false;

	while (cmdline_next(cmdline, len, &pos, &cur)) {
		if (cur.keylen == klen && memcmp(cur.key, key, klen) == 0) {
			*w = cur;
			found = true;
		}
	}
	return found;
}

/* Whether the word's key is key (NUL-terminated): stops at the first
 * difference, so most keys cost a byte or two. */
static bool key_is(const struct cmdline_word *w, const char *key)
{
	size_t i = 0;

	while (i < w->keylen && key[i] == w->key[i])
		i++;
	return i == w->keylen && key[i] == 0;
}

size_t cmdline_scan(const char *cmdline, size_t len, const char *const *keys, size_t nkeys,
                    struct cmdline_word *found)
{
	size_t pos = 0;
	struct cmdline_word cur;

	for (size_t i = 0; i < nkeys; i++)
		found[i].keylen = 0;
	while (cmdline_next(cmdline, len, &pos, &cur))
		for (size_t i = 0; i < nkeys; i++)
			if (key_is(&cur, keys[i]))
				found[i] = cur;
	return pos;
}

/* Digits of s[*i..n) in base 10 or 16 (at least one), advancing *i. -1 on overflow or
 * when there is no digit. */
static int parse_digits(const char *s, size_t n, size_t *i, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *i, k;

	for (k = start; k < n; k++) {
		unsigned c = (unsigned char)s[k], d;

		if (c - '0' < 10)
			d = c - '0';
		else if (base == 16 && (c | 0x20) - 'a' < 6)
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (k == start)
		return -1;
	*i = k;
	*out = v;
	return 0;
}

/* A number with an optional 0x prefix, starting at s[*i]; stops at the first non-digit. */
static int parse_number(const char *s, size_t n, size_t *i, uint64_t *out)
{
	if (n - *i >= 2 && s[*i] == '0' && (s[*i + 1] | 0x20) == 'x') {
		*i += 2;
		return parse_digits(s, n, i, 16, out);
	}
	return parse_digits(s, n, i, 10, out);
}

/* Applies an optional K/M/G suffix at s[*i]. */
static int parse_suffix(const char *s, size_t n, size_t *i, uint64_t *v)
{
	unsigned shift;

	if (*i >= n)
		return 0;
	switch (s[*i] | 0x20) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	default:
		return 0;
	}
	if (*v > UINT64_MAX >> shift)
		return -1;
	*v <<= shift;
	(*i)++;
	return 0;
}

int cmdline_parse_u64(const char *s, size_t n, uint64_t *out)
{
	size_t i = 0;
	uint64_t v;

	if (parse_number(s, n, &i, &v) < 0 || parse_suffix(s, n, &i, &v) < 0 || i != n)
		return -1;
	*out = v;
	return 0;
}

int cmdline_parse_virtio_mmio(const char *v, size_t n, uint64_t *size, uint64_t *base,
                              uint32_t *irq)
{
	size_t i = 0;
	uint64_t sz, b, q, id;

	if (parse_number(v, n, &i, &sz) < 0 || parse_suffix(v, n, &i, &sz) < 0 || sz == 0)
		return -1;
	if (i >= n || v[i++] != '@' || parse_number(v, n, &i, &b) < 0)
		return -1;
	if (i >= n || v[i++] != ':' || parse_digits(v, n, &i, 10, &q) < 0 || q > UINT32_MAX)
		return -1;
	/* Linux's optional ":<id>" (the platform device id). */
	if (i < n && (v[i++] != ':' || parse_digits(v, n, &i, 10, &id) < 0))
		return -1;
	if (i != n || b > UINT64_MAX - sz)
		return -1;
	*size = sz;
	*base = b;
	*irq = (uint32_t)q;
	return 0;
}

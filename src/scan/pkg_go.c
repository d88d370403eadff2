/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go module build info embedded in ELF binaries, as Go's debug/buildinfo
 * reads it. The linker writes a 32-byte header into .go.buildinfo (or, in
 * binaries without section headers, at a 16-byte boundary at the start of
 * the first writable data segment):
 *   "\xff Go buildinf:" (14 bytes), ptrSize (1), flags (1: bit 0 big
 *   endian, bit 1 strings inline),
 *   inline (Go >= 1.18): at offset 32, two uvarint-length-prefixed strings,
 *     the Go version and the module info;
 *   pointer (Go < 1.18): at offset 16, two pointers (ptrSize each) to Go
 *     string headers {data pointer, length} in the image's address space.
 * The module info, framed by 16 sentinel bytes each side, is tab-separated
 * lines: "path P", "mod P V [SUM]", "dep P V [SUM]", "=> P V [SUM]" (the
 * replacement of the line before), "build K=V".
 *
 * Every offset, address and length comes from the binary and is checked
 * against the file before it is read; strings are bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "inventory_internal.h"

#define GO_MAGIC "\xff Go buildinf:"
#define GO_MAGIC_LEN 14
#define GO_HDR_LEN 32
#define GO_SEARCH_MAX (1u << 20) /* bytes of a data segment searched for the header */
#define ELF_PHNUM_MAX 4096u
#define ELF_SHNUM_MAX 65535u
#define ELF_SHTAB_MAX (4u << 20)    /* bytes of section headers read */
#define ELF_SHSTRTAB_MAX (1u << 20) /* bytes of section names read */

struct elf {
	scan_read_at_fn rd;
	void *ctx;
	uint64_t size;
	bool is64, be;
	uint64_t phoff, shoff;
	unsigned phentsize, phnum, shentsize, shnum, shstrndx;
};

static uint64_t
get_uint(const uint8_t *p, unsigned n, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[be ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

static int
rd(struct elf *e, uint64_t off, void *buf, size_t len)
{
	if (off > e->size || len > e->size - off)
		return -ERANGE;
	return e->rd(e->ctx, off, buf, len);
}

static int
elf_open(struct elf *e)
{
	uint8_t h[64];

	if (e->size < 52 || rd(e, 0, h, e->size < 64 ? 52 : 64) < 0)
		return -EINVAL;
	if (memcmp(h, "\177ELF", 4) != 0 || (h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
		return -EINVAL;
	e->is64 = h[4] == 2;
	e->be = h[5] == 2;
	if (e->is64) {
		if (e->size < 64)
			return -EINVAL;
		e->phoff = get_uint(h + 0x20, 8, e->be);
		e->shoff = get_uint(h + 0x28, 8, e->be);
		e->phentsize = (unsigned)get_uint(h + 0x36, 2, e->be);
		e->phnum = (unsigned)get_uint(h + 0x38, 2, e->be);
		e->shentsize = (unsigned)get_uint(h + 0x3a, 2, e->be);
		e->shnum = (unsigned)get_uint(h + 0x3c, 2, e->be);
		e->shstrndx = (unsigned)get_uint(h + 0x3e, 2, e->be);
	} else {
		e->phoff = get_uint(h + 0x1c, 4, e->be);
		e->shoff = get_uint(h + 0x20, 4, e->be);
		e->phentsize = (unsigned)get_uint(h + 0x2a, 2, e->be);
		e->phnum = (unsigned)get_uint(h + 0x2c, 2, e->be);
		e->shentsize = (unsigned)get_uint(h + 0x2e, 2, e->be);
		e->shnum = (unsigned)get_uint(h + 0x30, 2, e->be);
		e->shstrndx = (unsigned)get_uint(h + 0x32, 2, e->be);
	}
	/* Tables that cannot be in the file are no tables (and no offset
	 * arithmetic below can wrap). */
	if (e->phnum > ELF_PHNUM_MAX || e->phoff > e->size)
		e->phnum = 0;
	if (e->shoff > e->size)
		e->shnum = 0;
	if ((e->phnum && e->phentsize < (e->is64 ? 0x38u : 0x20u)) ||
	    (e->shnum && e->shentsize < (e->is64 ? 0x40u : 0x28u)))
		return -EINVAL;
	return 0;
}

struct section {
	uint64_t addr, off, size;
	uint32_t type, name;
};

static void
section_at(struct elf *e, const uint8_t *h, struct section *s)
{
	s->name = (uint32_t)get_uint(h, 4, e->be);
	s->type = (uint32_t)get_uint(h + 4, 4, e->be);
	if (e->is64) {
		s->addr = get_uint(h + 0x10, 8, e->be);
		s->off = get_uint(h + 0x18, 8, e->be);
		s->size = get_uint(h + 0x20, 8, e->be);
	} else {
		s->addr = get_uint(h + 0x0c, 4, e->be);
		s->off = get_uint(h + 0x10, 4, e->be);
		s->size = get_uint(h + 0x14, 4, e->be);
	}
}

/* File offset of .go.buildinfo, or 0 when there is no such section. The
 * section table and its names are read in one pread each: this runs on
 * every executable of an image, most of which are not Go. */
static uint64_t
find_section(struct elf *e, uint64_t *ret_size)
{
	uint64_t tsize = (uint64_t)e->shnum * e->shentsize, found = 0;
	_cleanup_free_ uint8_t *tab = NULL;
	_cleanup_free_ char *names = NULL;
	struct section strtab;

	if (!e->shnum || e->shnum > ELF_SHNUM_MAX || e->shstrndx >= e->shnum ||
	    tsize > ELF_SHTAB_MAX || !(tab = malloc((size_t)tsize)) ||
	    rd(e, e->shoff, tab, (size_t)tsize) < 0)
		return 0;
	section_at(e, tab + (size_t)e->shstrndx * e->shentsize, &strtab);
	if (strtab.size == 0 || strtab.size > ELF_SHSTRTAB_MAX ||
	    !(names = malloc((size_t)strtab.size + 1)) ||
	    rd(e, strtab.off, names, (size_t)strtab.size) < 0)
		return 0;
	names[strtab.size] = '\0';
	for (unsigned i = 0; i < e->shnum && !found; i++) {
		struct section s;
		section_at(e, tab + (size_t)i * e->shentsize, &s);
		if (s.name >= strtab.size || s.type == 8 /* NOBITS */)
			continue;
		if (strcmp(names + s.name, ".go.buildinfo") == 0) {
			*ret_size = s.size;
			found = s.off;
		}
	}
	return found;
}

struct segment {
	uint64_t off, vaddr, filesz;
	uint32_t type, flags;
};

static int
elf_segment(struct elf *e, unsigned i, struct segment *s)
{
	uint8_t h[0x38];

	if (rd(e, e->phoff + (uint64_t)i * e->phentsize, h, e->is64 ? 0x38 : 0x20) < 0)
		return -EINVAL;
	s->type = (uint32_t)get_uint(h, 4, e->be);
	if (e->is64) {
		s->flags = (uint32_t)get_uint(h + 4, 4, e->be);
		s->off = get_uint(h + 8, 8, e->be);
		s->vaddr = get_uint(h + 0x10, 8, e->be);
		s->filesz = get_uint(h + 0x20, 8, e->be);
	} else {
		s->off = get_uint(h + 4, 4, e->be);
		s->vaddr = get_uint(h + 8, 4, e->be);
		s->filesz = get_uint(h + 0x10, 4, e->be);
		s->flags = (uint32_t)get_uint(h + 0x18, 4, e->be);
	}
	return 0;
}

/* Without section headers: the header sits 16-aligned near the start of
 * the first writable, non-executable PT_LOAD segment. */
static uint64_t
search_segment(struct elf *e)
{
	uint8_t buf[4096];

	for (unsigned i = 0; i < e->phnum; i++) {
		struct segment s;
		uint64_t n;
		if (elf_segment(e, i, &s) < 0 || s.type != 1 /* PT_LOAD */ ||
		    (s.flags & 3) != 2 /* W, not X */)
			continue;
		n = s.filesz < GO_SEARCH_MAX ? s.filesz : GO_SEARCH_MAX;
		for (uint64_t o = 0; o + GO_HDR_LEN <= n; o += sizeof(buf) - GO_HDR_LEN) {
			size_t len = n - o < sizeof(buf) ? (size_t)(n - o) : sizeof(buf);
			if (rd(e, s.off + o, buf, len) < 0)
				break;
			for (size_t k = (16 - (size_t)((s.off + o) & 15)) & 15;
			     k + GO_HDR_LEN <= len; k += 16)
				if (memcmp(buf + k, GO_MAGIC, GO_MAGIC_LEN) == 0)
					return s.off + o + k;
			if (len < sizeof(buf))
				break;
		}
		break;
	}
	return 0;
}

/* File offset of virtual address a with at least len bytes in the file. */
static int
vaddr_to_off(struct elf *e, uint64_t a, uint64_t len, uint64_t *ret)
{
	for (unsigned i = 0; i < e->phnum; i++) {
		struct segment s;
		if (elf_segment(e, i, &s) < 0 || s.type != 1 || s.off > e->size)
			continue;
		if (a >= s.vaddr && a - s.vaddr < s.filesz && len <= s.filesz - (a - s.vaddr)) {
			*ret = s.off + (a - s.vaddr);
			return 0;
		}
	}
	return -ERANGE;
}

/* A Go string through a pointer to its {data, len} header. */
static char *
read_go_string(struct elf *e, uint64_t hdr_addr, unsigned ptrsz, bool be)
{
	uint8_t h[16];
	uint64_t off, data, len;
	char *s;

	if (vaddr_to_off(e, hdr_addr, 2u * ptrsz, &off) < 0 || rd(e, off, h, 2u * ptrsz) < 0)
		return NULL;
	data = get_uint(h, ptrsz, be);
	len = get_uint(h + ptrsz, ptrsz, be);
	if (len > SCAN_GO_BUILDINFO_MAX || vaddr_to_off(e, data, len, &off) < 0)
		return NULL;
	s = malloc((size_t)len + 1);
	if (!s)
		return NULL;
	if (rd(e, off, s, (size_t)len) < 0) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

static bool
uvarint(const uint8_t *p, size_t n, uint64_t *ret, size_t *used)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && i < 10; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*ret = v;
			*used = i + 1;
			return true;
		}
	}
	return false;
}

struct gomod {
	const char *path, *version;
	size_t plen, vlen;
};

/* "go1.21.5" -> "v1.21.5", "go1.21" -> "v1.21.0", "go1.22rc1" ->
 * "v1.22.0-rc1"; anything after a space ("X:boringcrypto") dropped. */
static char *
stdlib_version(const char *gov)
{
	char num[64], pre[32] = "";
	const char *p = gov + 2;
	size_t n = 0;
	int dots = 0;

	if (strncmp(gov, "go", 2) != 0 || !(*p >= '0' && *p <= '9'))
		return NULL;
	while (*p && ((*p >= '0' && *p <= '9') || *p == '.') && n < sizeof(num) - 8) {
		dots += *p == '.';
		num[n++] = *p++;
	}
	num[n] = '\0';
	if (n == 0 || num[n - 1] == '.')
		return NULL;
	if (*p && *p != ' ' && *p != '-') {
		size_t k = 0;
		while (*p && *p != ' ' && k < sizeof(pre) - 2 &&
		       ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			pre[k++] = *p++;
		pre[k] = '\0';
	}
	for (; dots < 2; dots++)
		strcat(num, ".0");
	return ward_strdup_printf("v%s%s%s", num, pre[0] ? "-" : "", pre);
}

static int
add_modules(struct scan_inv *b, const char *gov, const char *mod, size_t modlen,
	    const char *location, struct ward_error **err)
{
	struct gomod *mods = NULL;
	size_t n = 0, cap = 0;
	_cleanup_free_ char *sv = NULL;
	const char *p = mod, *end = mod + modlen;
	int r = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *f[4] = {0};
		size_t fl[4] = {0}, nf = 0;
		const char *q = p;
		while (q <= le && nf < 4) {
			const char *t = memchr(q, '\t', (size_t)(le - q));
			const char *fe = t ? t : le;
			f[nf] = q;
			fl[nf++] = (size_t)(fe - q);
			if (!t)
				break;
			q = t + 1;
		}
		if (nf >= 3 && fl[1] > 0 && fl[2] > 0 && fl[1] <= 1024 &&
		    fl[2] <= WARD_VERSION_MAX) {
			bool is_mod =
				fl[0] == 3 && (!memcmp(f[0], "mod", 3) || !memcmp(f[0], "dep", 3));
			bool is_repl = fl[0] == 2 && !memcmp(f[0], "=>", 2);
			if (is_repl && n > 0) {
				/* The replacement is what was built in. */
				mods[n - 1] = (struct gomod){f[1], f[2], fl[1], fl[2]};
			} else if (is_mod) {
				if (n >= SCAN_GO_DEPS_MAX) {
					scan_warn(
						b,
						"%s: more than %u Go modules, the rest not listed",
						location, SCAN_GO_DEPS_MAX);
					break;
				}
				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 32;
					struct gomod *nm = reallocarray(mods, ncap, sizeof(*nm));
					if (!nm) {
						free(mods);
						return ward_error_set(err, ENOMEM, "%s", location);
					}
					mods = nm;
					cap = ncap;
				}
				mods[n++] = (struct gomod){f[1], f[2], fl[1], fl[2]};
			}
		}
		p = le + 1;
	}
	if (gov && (sv = stdlib_version(gov))) {
		struct scan_pkg_in in = {
			.type = WARD_PKG_GO, .name = "stdlib", .version = sv, .location = location};
		r = scan_inv_add(b, &in, err);
	} else if (gov) {
		scan_warn(b, "%s: Go version '%.40s' not understood; stdlib not listed", location,
			  gov);
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *path = strndup(mods[i].path, mods[i].plen);
		_cleanup_free_ char *ver = strndup(mods[i].version, mods[i].vlen);
		struct scan_pkg_in in = {
			.type = WARD_PKG_GO, .name = path, .version = ver, .location = location};
		if (!path || !ver) {
			r = ward_error_set(err, ENOMEM, "%s", location);
			break;
		}
		r = scan_inv_add(b, &in, err);
	}
	free(mods);
	return r;
}

int
scan_go_parse(struct scan_inv *b, scan_read_at_fn rdf, void *ctx, uint64_t size,
	      const char *location, struct ward_error **err)
{
	struct elf e = {.rd = rdf, .ctx = ctx, .size = size};
	uint8_t hdr[GO_HDR_LEN];
	uint64_t off,
		secsize = 0; /* the section's size: not needed, the strings bound themselves */
	_cleanup_free_ char *gov = NULL, *mod = NULL;
	size_t modlen = 0;
	unsigned ptrsz;
	bool be;

	if (elf_open(&e) < 0)
		return 0;
	off = find_section(&e, &secsize);
	/* Only a binary without section headers gets the segment search
	 * (debug/buildinfo's fallback): a stripped-of-sections Go binary. */
	if (!off && e.shnum == 0)
		off = search_segment(&e);
	if (!off || rd(&e, off, hdr, GO_HDR_LEN) < 0 || memcmp(hdr, GO_MAGIC, GO_MAGIC_LEN) != 0)
		return 0;
	ptrsz = hdr[14];
	be = hdr[15] & 1;
	if (hdr[15] & 2) {
		/* Inline strings: two uvarint-prefixed strings, read exactly. */
		uint8_t vb[10];
		uint64_t pos = off + GO_HDR_LEN, v1, v2;
		size_t u1, u2, n;
		n = size - pos < sizeof(vb) ? (size_t)(size - pos) : sizeof(vb);
		if (rd(&e, pos, vb, n) < 0 || !uvarint(vb, n, &v1, &u1) ||
		    v1 > SCAN_GO_BUILDINFO_MAX || v1 > size - pos - u1)
			goto past;
		if (!(gov = malloc((size_t)v1 + 1)))
			return ward_error_set(err, ENOMEM, "%s", location);
		if (rd(&e, pos + u1, gov, (size_t)v1) < 0)
			goto past;
		gov[v1] = '\0';
		pos += u1 + v1;
		n = size - pos < sizeof(vb) ? (size_t)(size - pos) : sizeof(vb);
		if (rd(&e, pos, vb, n) < 0 || !uvarint(vb, n, &v2, &u2) ||
		    v2 > SCAN_GO_BUILDINFO_MAX || v2 > size - pos - u2)
			goto past;
		if (!(mod = malloc((size_t)v2 + 1)))
			return ward_error_set(err, ENOMEM, "%s", location);
		if (rd(&e, pos + u2, mod, (size_t)v2) < 0)
			goto past;
		mod[v2] = '\0';
		modlen = (size_t)v2;
	} else {
		if (ptrsz != 4 && ptrsz != 8) {
			scan_warn(b, "%s: Go build info: pointer size %u", location, ptrsz);
			return 0;
		}
		gov = read_go_string(&e, get_uint(hdr + 16, ptrsz, be), ptrsz, be);
		mod = read_go_string(&e, get_uint(hdr + 16 + ptrsz, ptrsz, be), ptrsz, be);
		if (!gov) {
			scan_warn(b, "%s: Go build info: version string not in the file", location);
			return 0;
		}
		modlen = mod ? strlen(mod) : 0;
	}
	/* The module info's sentinels (debug/buildinfo's rule). */
	if (modlen >= 33 && mod[modlen - 17] == '\n') {
		memmove(mod, mod + 16, modlen - 32);
		modlen -= 32;
		mod[modlen] = '\0';
	} else {
		modlen = 0;
	}
	if (strlen(gov) > 256 || strncmp(gov, "go", 2) != 0) {
		scan_warn(b, "%s: Go build info: version '%.40s' is not a Go version", location,
			  gov);
		return 0;
	}
	return add_modules(b, gov, mod ? mod : "", modlen, location, err);
past:
	scan_warn(b, "%s: Go build info: inline strings run past the file", location);
	return 0;
}

struct membuf {
	const uint8_t *p;
	size_t n;
};

static int
mem_at(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (off > m->n || len > m->n - off)
		return -ERANGE;
	memcpy(buf, m->p + off, len);
	return 0;
}

int
scan_go_parse_buf(struct scan_inv *b, const uint8_t *buf, size_t len, const char *location,
		  struct ward_error **err)
{
	struct membuf m = {buf, len};

	return scan_go_parse(b, mem_at, &m, len, location, err);
}

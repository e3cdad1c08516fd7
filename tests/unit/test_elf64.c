/* Program ELF validation (lib/elf64.c), on images assembled in memory and on
 * real binaries when present. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf64.h"
#include "unit.h"

#define TOP   0x7e8000000000ull /* EXO_USER_TOP */
#define BIAS  0x555555554000ull
#define MAXPH 24

struct elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAXPH];
	size_t len; /* the file's length; headers are written at their offsets */
};

static Elf64_Phdr phdr(uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr, uint64_t filesz,
                       uint64_t memsz, uint64_t align)
{
	return (Elf64_Phdr){.p_type = type,
	                    .p_flags = flags,
	                    .p_offset = off,
	                    .p_vaddr = vaddr,
	                    .p_paddr = vaddr,
	                    .p_filesz = filesz,
	                    .p_memsz = memsz,
	                    .p_align = align};
}

/* A small valid static program, laid out as ld does it: headers in a read-only first
 * segment, text, then data+bss sharing text's last page (bytes don't overlap), TLS
 * inside data, and PT_GNU_STACK. base is 0x400000 for ET_EXEC, 0 for ET_DYN. */
static void sample(struct elf *x, uint16_t type)
{
	uint64_t base = type == ET_EXEC ? 0x400000 : 0;

	memset(x, 0, sizeof(*x));
	memcpy(x->eh.e_ident, ELFMAG, SELFMAG);
	x->eh.e_ident[EI_CLASS] = ELFCLASS64;
	x->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	x->eh.e_ident[EI_VERSION] = EV_CURRENT;
	x->eh.e_ident[EI_OSABI] = ELFOSABI_GNU;
	x->eh.e_type = type;
	x->eh.e_machine = EM_X86_64;
	x->eh.e_version = EV_CURRENT;
	x->eh.e_entry = base + 0x1000;
	x->eh.e_phoff = sizeof(Elf64_Ehdr);
	x->eh.e_ehsize = sizeof(Elf64_Ehdr);
	x->eh.e_phentsize = sizeof(Elf64_Phdr);
	x->eh.e_phnum = 5;
	x->ph[0] = phdr(PT_LOAD, PF_R, 0, base, 0x200, 0x200, 0x1000);
	x->ph[1] = phdr(PT_LOAD, PF_R | PF_X, 0x1000, base + 0x1000, 0x100, 0x100, 0x1000);
	x->ph[2] = phdr(PT_LOAD, PF_R | PF_W, 0x1100, base + 0x1100, 0x10, 0x2000, 0x1000);
	x->ph[3] = phdr(PT_TLS, PF_R, 0x1100, base + 0x1100, 8, 0x20, 8);
	x->ph[4] = phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	x->len = 0x1110;
}

/* The file image in a heap buffer of exactly x->len bytes (cut to len if smaller), so
 * that ASan reports any read past its end. */
static uint8_t *flatten(const struct elf *x, size_t len)
{
	size_t full = x->len > len ? x->len : len;
	uint8_t *f = calloc(full + sizeof(x->ph), 1);

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0x1000; i < full; i++)
		f[i] = (uint8_t)i;
	memcpy(f, &x->eh, sizeof(x->eh));
	if (x->eh.e_phoff < full)
		memcpy(f + x->eh.e_phoff, x->ph,
		       x->eh.e_phnum < MAXPH ? x->eh.e_phnum * sizeof(Elf64_Phdr) : sizeof(x->ph));
	uint8_t *exact = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(exact);
	memcpy(exact, f, len);
	free(f);
	return exact;
}

static int parse_len(const struct elf *x, size_t len, uint64_t bias, struct elf64_image *img)
{
	uint8_t *f = flatten(x, len);
	int r = elf64_parse(f, len, bias, TOP, img);

	free(f);
	return r;
}

static int parse(const struct elf *x, uint64_t bias)
{
	struct elf64_image img;

	return parse_len(x, x->len, bias, &img);
}

START_TEST(valid_exec)
{
	struct elf x;
	struct elf64_image img;

	sample(&x, ET_EXEC);
	ck_assert_int_eq(parse_len(&x, x.len, 0x10000000, &img), ELF64_OK); /* bias ignored */
	ck_assert_uint_eq(img.type, ET_EXEC);
	ck_assert_uint_eq(img.bias, 0);
	ck_assert_uint_eq(img.entry, 0x401000);
	ck_assert_uint_eq(img.phnum, 5);
	ck_assert_uint_eq(img.phentsize, 56);
	ck_assert_uint_eq(img.phdr_vaddr, 0x400040);
	ck_assert_uint_eq(img.nloads, 3);
	ck_assert_uint_eq(img.load[0].vaddr, 0x400000);
	ck_assert_uint_eq(img.load[0].flags, PF_R);
	ck_assert_uint_eq(img.load[1].vaddr, 0x401000);
	ck_assert_uint_eq(img.load[1].offset, 0x1000);
	ck_assert_uint_eq(img.load[1].filesz, 0x100);
	ck_assert_uint_eq(img.load[1].flags, PF_R | PF_X);
	ck_assert_uint_eq(img.load[2].vaddr, 0x401100);
	ck_assert_uint_eq(img.load[2].memsz, 0x2000);
	ck_assert_uint_eq(img.load[2].filesz, 0x10);
	ck_assert_uint_eq(img.lo, 0x400000);
	ck_assert_uint_eq(img.hi, 0x404000);
	ck_assert_uint_eq(img.tls_vaddr, 0x401100);
	ck_assert_uint_eq(img.tls_memsz, 0x20);
	ck_assert_uint_eq(img.tls_filesz, 8);
	ck_assert_uint_eq(img.tls_align, 8);
	ck_assert_uint_eq(img.stack_flags, PF_R | PF_W);
}
END_TEST

START_TEST(valid_dyn_with_bias)
{
	struct elf x;
	struct elf64_image img;

	sample(&x, ET_DYN);
	ck_assert_int_eq(parse_len(&x, x.len, BIAS, &img), ELF64_OK);
	ck_assert_uint_eq(img.type, ET_DYN);
	ck_assert_uint_eq(img.bias, BIAS);
	ck_assert_uint_eq(img.entry, BIAS + 0x1000);
	ck_assert_uint_eq(img.phdr_vaddr, BIAS + 0x40);
	ck_assert_uint_eq(img.nloads, 3);
	ck_assert_uint_eq(img.load[0].vaddr, BIAS);
	ck_assert_uint_eq(img.load[2].vaddr, BIAS + 0x1100);
	ck_assert_uint_eq(img.load[2].offset, 0x1100);
	ck_assert_uint_eq(img.lo, BIAS);
	ck_assert_uint_eq(img.hi, BIAS + 0x4000);
	ck_assert_uint_eq(img.tls_vaddr, BIAS + 0x1100);
	/* linked at 0 and loaded at 0 would map page 0 */
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT);
	/* the bias must be page-aligned */
	ck_assert_int_eq(parse(&x, BIAS + 0x800), ELF64_ESEGMENT);
	/* no program headers in a loaded segment: phdr_vaddr 0 (still valid) */
	x.ph[0].p_filesz = 0x40;
	ck_assert_int_eq(parse_len(&x, x.len, BIAS, &img), ELF64_OK);
	ck_assert_uint_eq(img.phdr_vaddr, 0);
}
END_TEST

START_TEST(unaligned_buffer)
{
	struct elf x;
	struct elf64_image img;

	sample(&x, ET_EXEC);
	uint8_t *f = flatten(&x, x.len), *g = malloc(x.len + 1);
	ck_assert_ptr_nonnull(g);
	memcpy(g + 1, f, x.len);
	ck_assert_int_eq(elf64_parse(g + 1, x.len, 0, TOP, &img), ELF64_OK);
	ck_assert_uint_eq(img.entry, 0x401000);
	free(f);
	free(g);
}
END_TEST

START_TEST(truncated_everywhere)
{
	struct elf x;
	struct elf64_image img;

	sample(&x, ET_EXEC);
	for (size_t len = 0; len < x.len; len++) {
		int r = parse_len(&x, len, 0, &img);

		if (len < sizeof(Elf64_Ehdr))
			ck_assert_int_eq(r, ELF64_ETRUNC);
		else if (len < sizeof(Elf64_Ehdr) + 5 * sizeof(Elf64_Phdr))
			ck_assert_int_eq(r, ELF64_EPHDR);
		else
			ck_assert_int_eq(r, ELF64_ESEGMENT);
	}
	ck_assert_int_eq(parse_len(&x, x.len, 0, &img), ELF64_OK);
}
END_TEST

START_TEST(ident)
{
	struct elf x;
	struct elf64_image img;

	sample(&x, ET_EXEC);
	x.eh.e_ident[EI_MAG1] = 'e';
	ck_assert_int_eq(parse(&x, 0), ELF64_ENOTELF);
	ck_assert_int_eq(elf64_parse("#!/bin/sh\n", 10, 0, TOP, &img), ELF64_ENOTELF);
	ck_assert_int_eq(elf64_parse("MZ", 2, 0, TOP, &img), ELF64_ENOTELF);
	ck_assert_int_eq(elf64_parse("\177EL", 3, 0, TOP, &img), ELF64_ETRUNC);

	sample(&x, ET_EXEC);
	x.eh.e_ident[EI_CLASS] = ELFCLASS32;
	ck_assert_int_eq(parse(&x, 0), ELF64_ECLASS32);
	x.eh.e_ident[EI_CLASS] = ELFCLASSNONE;
	ck_assert_int_eq(parse(&x, 0), ELF64_ENOTELF);

	sample(&x, ET_EXEC);
	x.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	ck_assert_int_eq(parse(&x, 0), ELF64_EENDIAN);
	x.eh.e_ident[EI_DATA] = ELFDATANONE;
	ck_assert_int_eq(parse(&x, 0), ELF64_EENDIAN);

	sample(&x, ET_EXEC);
	x.eh.e_machine = EM_386;
	ck_assert_int_eq(parse(&x, 0), ELF64_EMACHINE);
	x.eh.e_machine = EM_AARCH64;
	ck_assert_int_eq(parse(&x, 0), ELF64_EMACHINE);

	sample(&x, ET_EXEC);
	x.eh.e_type = ET_REL;
	ck_assert_int_eq(parse(&x, 0), ELF64_ETYPE);
	x.eh.e_type = ET_CORE;
	ck_assert_int_eq(parse(&x, 0), ELF64_ETYPE);
}
END_TEST

START_TEST(phdr_table)
{
	struct elf x;

	sample(&x, ET_EXEC);
	x.eh.e_phentsize = 32;
	ck_assert_int_eq(parse(&x, 0), ELF64_EPHDR);
	sample(&x, ET_EXEC);
	x.eh.e_phoff = x.len;
	ck_assert_int_eq(parse(&x, 0), ELF64_EPHDR);
	x.eh.e_phoff = x.len - 5 * sizeof(Elf64_Phdr) + 1;
	ck_assert_int_eq(parse(&x, 0), ELF64_EPHDR);
	x.eh.e_phoff = UINT64_MAX - 10;
	ck_assert_int_eq(parse(&x, 0), ELF64_EPHDR);
	sample(&x, ET_EXEC);
	x.eh.e_phnum = 1000;
	ck_assert_int_eq(parse(&x, 0), ELF64_EPHDR);
	x.eh.e_phnum = PN_XNUM;
	ck_assert_int_eq(parse(&x, 0), ELF64_EPHDR);
	x.eh.e_phnum = 0;
	ck_assert_int_eq(parse(&x, 0), ELF64_ENOLOAD);
	/* a table at the very end of the file is fine */
	sample(&x, ET_EXEC);
	x.eh.e_phoff = x.len - 5 * sizeof(Elf64_Phdr);
	x.eh.e_phoff &= ~7ull;
	ck_assert_int_eq(parse(&x, 0), ELF64_OK);
}
END_TEST

START_TEST(dynamic)
{
	struct elf x;

	sample(&x, ET_DYN);
	x.eh.e_phnum = 6;
	x.ph[5] = phdr(PT_INTERP, PF_R, 0x200, 0x200, 28, 28, 1);
	ck_assert_int_eq(parse(&x, BIAS), ELF64_EDYNAMIC);
	ck_assert_str_eq(elf64_strerror(ELF64_EDYNAMIC),
	                 "dynamic executables are not supported yet: link with -static");
	/* even when a segment is also bad */
	x.ph[0].p_filesz = 0x10000;
	ck_assert_int_eq(parse(&x, BIAS), ELF64_EDYNAMIC);
}
END_TEST

START_TEST(segments)
{
	struct elf x;

	sample(&x, ET_EXEC);
	x.ph[1].p_filesz = 0x101;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT); /* filesz > memsz */
	sample(&x, ET_EXEC);
	x.ph[2].p_filesz = 0x11;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT); /* past the end of the file */
	sample(&x, ET_EXEC);
	x.ph[1].p_offset = UINT64_MAX - 0x10;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT);
	sample(&x, ET_EXEC);
	x.ph[2].p_memsz = UINT64_MAX - 0x1000;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT); /* vaddr+memsz overflows */
	sample(&x, ET_DYN);
	x.ph[2].p_vaddr = UINT64_MAX - 0xeff; /* fine alone, overflows with the bias */
	ck_assert_int_eq(parse(&x, BIAS), ELF64_ESEGMENT);
	sample(&x, ET_EXEC);
	x.ph[1].p_vaddr += 8;
	x.eh.e_entry += 8;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT); /* vaddr % align != offset % align */
	x.ph[1].p_align = 8;
	x.ph[1].p_filesz = x.ph[1].p_memsz = 0xf8; /* don't run into data */
	ck_assert_int_eq(parse(&x, 0), ELF64_OK);
	x.ph[1].p_align = 24;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT); /* not a power of two */
	x.ph[1].p_align = 0;
	ck_assert_int_eq(parse(&x, 0), ELF64_OK);
	sample(&x, ET_EXEC);
	x.ph[0].p_vaddr = 0; /* page 0 */
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT);
	x.ph[0].p_vaddr = 0x1000;
	ck_assert_int_eq(parse(&x, 0), ELF64_OK);
	/* an empty PT_LOAD is ignored */
	sample(&x, ET_EXEC);
	x.ph[0].p_filesz = x.ph[0].p_memsz = 0;
	x.ph[0].p_vaddr = 0;
	struct elf64_image img;
	ck_assert_int_eq(parse_len(&x, x.len, 0, &img), ELF64_OK);
	ck_assert_uint_eq(img.nloads, 2);
	ck_assert_uint_eq(img.lo, 0x401000);
}
END_TEST

START_TEST(kernel_space)
{
	struct elf x;

	sample(&x, ET_EXEC);
	x.ph[2].p_memsz = TOP - 0x401100; /* ends exactly at the top: fine */
	ck_assert_int_eq(parse(&x, 0), ELF64_OK);
	x.ph[2].p_memsz++;
	ck_assert_int_eq(parse(&x, 0), ELF64_EKERNEL);
	sample(&x, ET_DYN);
	ck_assert_int_eq(parse(&x, TOP - 0x3000), ELF64_EKERNEL); /* loads end at 0x3100 */
	ck_assert_int_eq(parse(&x, TOP - 0x4000), ELF64_OK);
	sample(&x, ET_EXEC);
	x.ph[1].p_vaddr = 0xffffffff80001000ull;
	ck_assert_int_eq(parse(&x, 0), ELF64_EKERNEL);
}
END_TEST

START_TEST(overlap)
{
	struct elf x;

	sample(&x, ET_EXEC);
	x.ph[1].p_memsz = 0x101; /* one byte into data */
	ck_assert_int_eq(parse(&x, 0), ELF64_EOVERLAP);
	sample(&x, ET_EXEC);
	x.ph[2].p_vaddr = 0x400000 + 0x100; /* inside the first, in file order after it */
	x.ph[2].p_offset = 0x100;
	ck_assert_int_eq(parse(&x, 0), ELF64_EOVERLAP);
	sample(&x, ET_EXEC);
	x.ph[0] = x.ph[1]; /* identical */
	ck_assert_int_eq(parse(&x, 0), ELF64_EOVERLAP);
}
END_TEST

START_TEST(noload)
{
	struct elf x;

	sample(&x, ET_EXEC);
	x.ph[0].p_type = PT_NOTE;
	x.ph[1].p_type = PT_NULL;
	x.ph[2].p_type = PT_DYNAMIC;
	x.ph[3].p_type = PT_NULL;
	ck_assert_int_eq(parse(&x, 0), ELF64_ENOLOAD);
	sample(&x, ET_EXEC);
	x.eh.e_phnum = 3;
	for (int i = 0; i < 3; i++)
		x.ph[i].p_filesz = x.ph[i].p_memsz = 0;
	ck_assert_int_eq(parse(&x, 0), ELF64_ENOLOAD);
}
END_TEST

START_TEST(entry)
{
	struct elf x;

	sample(&x, ET_EXEC);
	x.eh.e_entry = 0x400010; /* in the read-only segment */
	ck_assert_int_eq(parse(&x, 0), ELF64_EENTRY);
	x.eh.e_entry = 0x401100; /* one past text: in data */
	ck_assert_int_eq(parse(&x, 0), ELF64_EENTRY);
	x.eh.e_entry = 0x4010ff; /* last byte of text */
	ck_assert_int_eq(parse(&x, 0), ELF64_OK);
	x.eh.e_entry = 0;
	ck_assert_int_eq(parse(&x, 0), ELF64_EENTRY);
	sample(&x, ET_DYN);
	x.eh.e_entry = UINT64_MAX - 0x10; /* overflows with the bias */
	ck_assert_int_eq(parse(&x, BIAS), ELF64_EENTRY);
}
END_TEST

START_TEST(too_many)
{
	struct elf x;
	struct elf64_image img;

	sample(&x, ET_EXEC);
	x.eh.e_phnum = ELF64_MAX_LOADS + 1;
	for (int i = 0; i < ELF64_MAX_LOADS + 1; i++)
		x.ph[i] = phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000 + 0x1000 * (uint64_t)i, 0x100,
		               0x100, 0x1000);
	x.eh.e_phoff = 0x200; /* the table no longer fits before 0x1000 at offset 64 */
	x.len = 0x1100;
	ck_assert_int_eq(parse(&x, 0), ELF64_ETOOMANY);
	x.eh.e_phnum = ELF64_MAX_LOADS;
	ck_assert_int_eq(parse_len(&x, x.len, 0, &img), ELF64_OK);
	ck_assert_uint_eq(img.nloads, ELF64_MAX_LOADS);
	ck_assert_uint_eq(img.hi, 0x401000 + 0x1000 * ELF64_MAX_LOADS);
}
END_TEST

START_TEST(tls)
{
	struct elf x;

	sample(&x, ET_EXEC);
	x.ph[3].p_filesz = 0x21;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT); /* filesz > memsz */
	sample(&x, ET_EXEC);
	x.ph[3].p_filesz = 0x11;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT); /* init image past data's file bytes */
	sample(&x, ET_EXEC);
	x.ph[3].p_align = 12;
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT);
	sample(&x, ET_EXEC);
	x.ph[4] = x.ph[3]; /* two PT_TLS */
	ck_assert_int_eq(parse(&x, 0), ELF64_ESEGMENT);
	sample(&x, ET_EXEC);
	x.ph[3].p_filesz = 0; /* only .tbss: anywhere is fine */
	x.ph[3].p_vaddr = 0x12345678;
	ck_assert_int_eq(parse(&x, 0), ELF64_OK);
}
END_TEST

START_TEST(strerror_distinct)
{
	for (int i = ELF64_ETOOMANY - 1; i <= ELF64_OK; i++) {
		ck_assert_ptr_nonnull(elf64_strerror(i));
		for (int j = ELF64_ETOOMANY - 1; j < i; j++)
			ck_assert_str_ne(elf64_strerror(i), elf64_strerror(j));
	}
	const char *m = elf64_strerror(ELF64_ECLASS32);
	ck_assert_ptr_nonnull(strstr(m, "32-bit"));
	ck_assert_ptr_nonnull(strstr(m, "x86-64"));
}
END_TEST

/* The whole file, or NULL if it can't be read. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

START_TEST(real_static)
{
	size_t len;
	uint8_t *f = read_file("/bin/busybox", &len);
	struct elf64_image img;
	int r;

	if (!f) {
		fprintf(stderr, "real_static: no /bin/busybox, skipped\n");
		return;
	}
	r = elf64_parse(f, len, BIAS, TOP, &img);
	ck_assert_msg(r == ELF64_OK, "busybox: %s", elf64_strerror(r));
	ck_assert_uint_ge(img.nloads, 2);
	ck_assert_uint_lt(img.lo, img.entry);
	ck_assert_uint_lt(img.entry, img.hi);
	ck_assert_uint_ne(img.phdr_vaddr, 0);
	if (img.type == ET_DYN)
		ck_assert_uint_eq(img.bias, BIAS);
	free(f);
}
END_TEST

START_TEST(real_dynamic)
{
	size_t len;
	uint8_t *f = read_file("/bin/ls", &len);
	struct elf64_image img;

	if (!f) {
		fprintf(stderr, "real_dynamic: no /bin/ls, skipped\n");
		return;
	}
	ck_assert_int_eq(elf64_parse(f, len, BIAS, TOP, &img), ELF64_EDYNAMIC);
	free(f);
}
END_TEST

Suite *elf64_suite(void)
{
	Suite *s = suite_create("elf64");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, valid_exec);
	tcase_add_test(tc, valid_dyn_with_bias);
	tcase_add_test(tc, unaligned_buffer);
	tcase_add_test(tc, truncated_everywhere);
	tcase_add_test(tc, ident);
	tcase_add_test(tc, phdr_table);
	tcase_add_test(tc, dynamic);
	tcase_add_test(tc, segments);
	tcase_add_test(tc, kernel_space);
	tcase_add_test(tc, overlap);
	tcase_add_test(tc, noload);
	tcase_add_test(tc, entry);
	tcase_add_test(tc, too_many);
	tcase_add_test(tc, tls);
	tcase_add_test(tc, strerror_distinct);
	tcase_add_test(tc, real_static);
	tcase_add_test(tc, real_dynamic);
	suite_add_tcase(s, tc);
	return s;
}

/* Finding a program's code in the initramfs (gdb_initrd.h). */
#include <string.h>

#include <exo/memlayout.h>
#include <hw/pvh.h>

#include "cpio.h"
#include "elf64.h"
#include "gdb_initrd.h"
#include "linux.h" /* LINUX_PIE_BASE: where ExOS places a static-pie program */
#include "pvh.h"

struct archive {
	const uint8_t *data;
	size_t len;
	uint64_t gpa;
};

static int find_archive(const struct guest_mem *m, struct archive *a)
{
	const struct hvm_start_info *si = gpa_ptr(m, PVH_START_INFO_GPA, sizeof(*si));
	if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE || si->nr_modules < 1)
		return -1;
	const struct hvm_modlist_entry *mod = gpa_ptr(m, si->modlist_paddr, sizeof(*mod));
	if (!mod || !(a->data = gpa_ptr(m, mod->paddr, mod->size)))
		return -1;
	a->len = mod->size;
	a->gpa = mod->paddr;
	return 0;
}

/* The value of `key=` in a config file's lines, copied into out. */
static void config_value(const struct cpio_entry *e, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	out[0] = 0;
	for (size_t i = 0; i + klen < e->size; i++) {
		if ((i == 0 || e->data[i - 1] == '\n') && !memcmp(e->data + i, key, klen)) {
			size_t n = 0;
			for (i += klen; i < e->size && e->data[i] != '\n' && n + 1 < cap; i++)
				out[n++] = (char)e->data[i];
			out[n] = 0;
			return;
		}
	}
}

/* Adds the address of va's byte in the program at path, if it has one. */
static size_t locate_in(const struct archive *a, const char *path, uint64_t bias, uint64_t va,
                        uint64_t *gpa, size_t n, size_t max)
{
	struct cpio_entry e;
	struct elf64_image img;
	if (n >= max || !path[0] || cpio_find(a->data, a->len, path, &e) != CPIO_OK ||
	    elf64_parse(e.data, e.size, bias, EXO_USER_TOP, &img) != ELF64_OK)
		return n;
	for (size_t i = 0; i < img.nloads; i++) {
		const struct elf64_load *l = &img.load[i];
		if (va >= l->vaddr && va - l->vaddr < l->filesz) {
			gpa[n++] =
			        a->gpa + (uint64_t)(e.data - a->data) + l->offset + (va - l->vaddr);
			break;
		}
	}
	return n;
}

size_t gdb_initrd_locate(const struct guest_mem *m, uint64_t va, uint64_t *gpa, size_t max)
{
	struct archive a;
	struct cpio_entry e;
	char init[256], program[256];
	if (find_archive(m, &a) || cpio_find(a.data, a.len, "exosim/init", &e) != CPIO_OK ||
	    e.size >= sizeof(init))
		return 0;
	memcpy(init, e.data, e.size);
	init[e.size] = 0;
	program[0] = 0;
	if (cpio_find(a.data, a.len, "exosim/exos", &e) == CPIO_OK)
		config_value(&e, "program=", program, sizeof(program));
	size_t n = locate_in(&a, init, EXO_PIE_BASE, va, gpa, 0, max);
	return locate_in(&a, program, LINUX_PIE_BASE, va, gpa, n, max);
}

bool gdb_initrd_exos_range(const struct guest_mem *m, uint64_t *lo, uint64_t *hi)
{
	struct archive a;
	struct cpio_entry e;
	struct elf64_image img;
	if (find_archive(m, &a) || cpio_find(a.data, a.len, "exosim/exos.elf", &e) != CPIO_OK ||
	    elf64_parse(e.data, e.size, EXO_PIE_BASE, EXO_USER_TOP, &img) != ELF64_OK)
		return false;
	*lo = img.lo;
	*hi = img.hi;
	return true;
}
